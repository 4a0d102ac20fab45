/*
 * test_strategy.c — the exploration strategies: random, pct:D, pos,
 * dfs[:B] and auto.
 *
 * Each strategy finds the classic bugs below (a lost update, a lock-order
 * deadlock); dfs proves small correct programs with schedule counts worked
 * out by hand; every strategy is deterministic from (strategy name, seed),
 * pinned by hash; a failure replays from its trace and from its seed plus
 * the concrete strategy name in its trace header.
 */
#include <stdio.h>

#include "scheduler/explore.h"
#include "scheduler/strategy.h"
#include "scheduler/trace.h"
#include "testutil.h"

/* ---------------------------------------------------------- programs */

#include "lost_update.h"

static weft_lock *lock_a, *lock_b;

/* Takes first then second; handles cancellation (auto injects it). */
static int take_two(weft_lock *first, weft_lock *second)
{
    int rc = weft_lock_acquire(first);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_lock_acquire(second);
    if (rc == WEFT_OK)
        weft_lock_release(second);
    weft_lock_release(first);
    return rc;
}

static int take_ab(void *arg)
{
    (void)arg;
    return take_two(lock_a, lock_b);
}

static int take_ba(void *arg)
{
    (void)arg;
    return take_two(lock_b, lock_a);
}

static int lock_order(void *arg)
{
    (void)arg;
    lock_a = weft_lock_new();
    lock_b = weft_lock_new();
    weft_group *g = weft_group_open();
    weft_spawn(g, take_ab, NULL, "ab");
    weft_spawn(g, take_ba, NULL, "ba");
    return weft_group_join(g);
}

/* Correct: `tasks` tasks, each with `points` checkpoints. */
typedef struct shape {
    int tasks, points;
} shape;

static int checkpoints(void *arg)
{
    const shape *s = arg;
    for (int i = 0; i < s->points; i++)
        weft_checkpoint();
    return WEFT_OK;
}

static int fan(void *arg)
{
    const shape *s = arg;
    weft_group *g = weft_group_open();
    for (int i = 0; i < s->tasks; i++)
        weft_spawn(g, checkpoints, arg, NULL);
    return weft_group_join(g);
}

/* Correct, with independent steps: each task takes only its own lock. */
static weft_lock *own_locks[3];

static int own_lock(void *arg)
{
    weft_lock *l = own_locks[(intptr_t)arg];
    for (int i = 0; i < 3; i++) {
        weft_lock_acquire(l);
        weft_lock_release(l);
    }
    return WEFT_OK;
}

static int own_locks_prog(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    for (intptr_t i = 0; i < 2; i++) {
        own_locks[i] = weft_lock_new();
        weft_spawn(g, own_lock, (void *)i, NULL);
    }
    return weft_group_join(g);
}

/* Fails every time (to look at every execution's header). */
static int always_fails(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, bump, NULL, "a");
    weft_spawn(g, bump, NULL, "b");
    weft_group_join(g);
    weft_fail("always");
    return WEFT_OK;
}

/* ---------------------------------------------------------- helpers */

static int check(const char *strategy, weft_task_fn fn, void *arg, uint64_t n,
                 weft_report *r, weft__check_info *info)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = strategy;
    o.iterations = n;
    o.quiet = true;
    o.stop_on_failure = true;
    return weft__check("t", fn, arg, &o, r, info);
}

/* dfs over fn: the number of schedules when exhausted, else -1. */
static int64_t dfs_count(const char *strategy, weft_task_fn fn, void *arg)
{
    weft_report r;
    weft__check_info info = {0};
    int rc = check(strategy, fn, arg, 1000000, &r, &info);
    int64_t n = rc == 0 && info.exhausted ? (int64_t)r.executions : -1;
    weft_report_free(&r);
    return n;
}

/* Some execution among n finds fn's bug, of kind. */
static bool finds(const char *strategy, weft_task_fn fn, int kind, uint64_t n)
{
    weft_report r;
    int rc = check(strategy, fn, NULL, n, &r, NULL);
    bool ok = rc == 1 && r.failures[0].kind == kind;
    if (!ok)
        fprintf(stderr, "\n  %s did not find the %s in %llu executions\n", strategy,
                weft_kind_name(kind), (unsigned long long)n);
    weft_report_free(&r);
    return ok;
}

/* One execution of fn under text with seed: its hash (outcome in *oc). */
static uint64_t hash_of(const char *text, weft_task_fn fn, void *arg, uint64_t seed,
                        weft__outcome *oc, char *concrete)
{
    weft_options o = WEFT_OPTIONS_INIT;
    weft__strategy st;
    char err[256];
    CU_ASSERT_FATAL(weft__strategy_parse(text, &st, err, sizeof err) == 0);
    weft__trace rec;
    weft__trace_init(&rec);
    CU_ASSERT(weft__run_seed("t", fn, arg, &o, &st, seed, &rec, oc) == 0);
    uint64_t h = weft__trace_hash(&rec);
    if (concrete)
        strcpy(concrete, rec.h.strategy);
    weft__trace_free(&rec);
    return h;
}

static const char *const all_strategies[] = {
    "random", "pct:1", "pct:2", "pct:3", "pct:3/k=7", "pos", "dfs", "dfs:1", "auto",
};
#define N_STRATEGIES (sizeof all_strategies / sizeof all_strategies[0])

/* ------------------------------------------------------- parsing */

static void expect_bad(const char *text)
{
    weft__strategy st;
    char err[256] = "";
    CU_ASSERT(weft__strategy_parse(text, &st, err, sizeof err) == -1);
    CU_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
    CU_ASSERT(strstr(err, text) != NULL);
}

static void test_strategy_rejects_bad_names(void)
{
    static const char *const bad[] = {
        "pct:0", "pct:x", "dfs:-1", "foo", "pct", "pct:", "pct:3/k=0", "pct:3/k=",
        "pct:3/x=2", "pct:65", "pct:3x", "dfs:", "dfs:2/i=", "dfs:2/i=x", "dfsx",
        "random ", "RANDOM", "pos:1", "auto:2", "pct:99999999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad(bad[i]);
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = "pct:0";
    o.quiet = true;
    CU_ASSERT_EQUAL(weft_check("t", lost_update, NULL, &o, NULL), 2);
}

static void expect_name(const char *text, const char *canonical)
{
    weft__strategy st;
    char err[256];
    CU_ASSERT_FATAL(weft__strategy_parse(text, &st, err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(st.name, canonical);
}

static void test_strategy_canonical_names(void)
{
    expect_name(NULL, "random");
    expect_name("", "random");
    expect_name("random", "random");
    expect_name("pct:3", "pct:3");
    expect_name("pct:3/k=250", "pct:3/k=250");
    expect_name("pct:64", "pct:64");
    expect_name("pos", "pos");
    expect_name("dfs", "dfs");
    expect_name("dfs:0", "dfs:0");
    expect_name("dfs:2/i=17", "dfs:2/i=17");
    expect_name("dfs/i=3", "dfs/i=3");
    expect_name("auto", "auto");
    weft__strategy st;
    char err[64];
    CU_ASSERT(weft__strategy_parse("pct:3/k=250", &st, err, sizeof err) == 0);
    CU_ASSERT(st.kind == WEFT__S_PCT && st.depth == 3 && st.k == 250);
    CU_ASSERT(weft__strategy_parse("dfs:2/i=17", &st, err, sizeof err) == 0);
    CU_ASSERT(st.kind == WEFT__S_DFS && st.bound == 2 && st.has_index && st.index == 17);
    CU_ASSERT(weft__strategy_parse("dfs", &st, err, sizeof err) == 0);
    CU_ASSERT(st.bound == -1 && !st.has_index);
}

/* ------------------------------------------------------- finding bugs */

static void test_strategy_each_finds_lost_update(void)
{
    static const char *const s[] = {"random", "pct:2", "pct:3", "pos", "dfs", "dfs:1", "auto"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        CU_ASSERT(finds(s[i], lost_update, WEFT_KIND_ASSERT, 200));
}

static void test_strategy_each_finds_lock_order(void)
{
    static const char *const s[] = {"random", "pct:2", "pct:3", "pos", "dfs", "dfs:1", "auto"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        CU_ASSERT(finds(s[i], lock_order, WEFT_KIND_DEADLOCK, 200));
}

/* pct:1 has no change point: the highest task runs until it blocks, so an
 * atomicity bug that needs one switch inside a task never shows. */
static void test_strategy_pct_depth_matters(void)
{
    weft_report r;
    CU_ASSERT_EQUAL(check("pct:1", lost_update, NULL, 300, &r, NULL), 0);
    weft_report_free(&r);
    CU_ASSERT(finds("pct:2", lost_update, WEFT_KIND_ASSERT, 300));
}

/* ------------------------------------------------------- dfs */

static void test_strategy_dfs_counts_schedules(void)
{
    /* 2 tasks x 1 checkpoint: main blocks in join at once, each task has
     * two steps (to its checkpoint, to its end): 4!/(2!2!) = 6 orders. */
    shape two_one = {2, 1}, two_two = {2, 2}, three_one = {3, 1};
    CU_ASSERT_EQUAL(dfs_count("dfs", fan, &two_one), 6);
    /* 3 steps each: 6!/(3!3!) = 20; three tasks of 2 steps: 6!/2!^3 = 90 */
    CU_ASSERT_EQUAL(dfs_count("dfs", fan, &two_two), 20);
    CU_ASSERT_EQUAL(dfs_count("dfs", fan, &three_one), 90);
}

/* Preemption bound, by hand on 2 tasks x 1 checkpoint (a: a1 a2, b: b1 b2,
 * and a preemption is leaving a task at its checkpoint for the other):
 * bound 0: a1a2b1b2, b1b2a1a2; bound 1 adds a1b1b2a2, b1a1a2b2; bound 2
 * adds a1b1a2b2, b1a1b2a2. */
static void test_strategy_dfs_preemption_bound(void)
{
    shape two_one = {2, 1};
    CU_ASSERT_EQUAL(dfs_count("dfs:0", fan, &two_one), 2);
    CU_ASSERT_EQUAL(dfs_count("dfs:1", fan, &two_one), 4);
    CU_ASSERT_EQUAL(dfs_count("dfs:2", fan, &two_one), 6);
    CU_ASSERT_EQUAL(dfs_count("dfs:3", fan, &two_one), 6);
    /* the lost update needs one preemption: none with bound 0 */
    CU_ASSERT_EQUAL(dfs_count("dfs:0", lost_update, NULL), 2);
    CU_ASSERT(finds("dfs:1", lost_update, WEFT_KIND_ASSERT, 100));
}

/* Sleep sets (unbounded dfs only) skip orders of independent steps: fewer
 * schedules than the same search without them (a bound too large to
 * matter turns them off), and the same verdict. */
static void test_strategy_dfs_sleep_sets_reduce(void)
{
    int64_t with = dfs_count("dfs", own_locks_prog, NULL);
    int64_t without = dfs_count("dfs:1000", own_locks_prog, NULL);
    CU_ASSERT(with > 0 && without > 0);
    CU_ASSERT(with < without);
    /* 2 tasks of 4 steps each: 8!/(4!4!) = 70 orders in all */
    CU_ASSERT_EQUAL(without, 70);
}

static void test_strategy_dfs_budget_not_exhausted(void)
{
    shape three_one = {3, 1};
    weft_report r;
    weft__check_info info = {.exhausted = true};
    CU_ASSERT_EQUAL(check("dfs", fan, &three_one, 10, &r, &info), 0);
    CU_ASSERT_EQUAL(r.executions, 10);
    CU_ASSERT(!info.exhausted);
    CU_ASSERT_STRING_EQUAL(r.strategy, "dfs");
    weft_report_free(&r);
}

static void test_strategy_dfs_prints_exhausted(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(log != NULL);
    shape two_one = {2, 1};
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = "dfs";
    o.iterations = 1000;
    o.log = log;
    CU_ASSERT_EQUAL(weft_check("fan", fan, &two_one, &o, NULL), 0);
    fclose(log);
    CU_ASSERT(buf && strstr(buf, "fan: all 6 schedules explored, no failure") != NULL);
    free(buf);
}

/* The schedules dfs explores are distinct, and the i-th execution of a
 * search can be run alone by name (dfs/i=I). */
static void test_strategy_dfs_index_runs_alone(void)
{
    shape two_two = {2, 2};
    weft_report r;
    weft__check_info info;
    CU_ASSERT_EQUAL(check("dfs", fan, &two_two, 100, &r, &info), 0);
    CU_ASSERT_EQUAL(r.distinct_schedules, r.executions);
    weft_report_free(&r);
    weft__outcome oc;
    char name[64];
    uint64_t a = hash_of("dfs/i=7", fan, &two_two, 0, &oc, name);
    CU_ASSERT_STRING_EQUAL(name, "dfs/i=7");
    CU_ASSERT_EQUAL(a, hash_of("dfs/i=7", fan, &two_two, 99, &oc, NULL));
    CU_ASSERT_NOT_EQUAL(a, hash_of("dfs/i=8", fan, &two_two, 0, &oc, NULL));
    /* past the end of the space: an error, not a silent other schedule */
    weft_options o = WEFT_OPTIONS_INIT;
    weft__strategy st;
    char err[64];
    CU_ASSERT_FATAL(weft__strategy_parse("dfs/i=20", &st, err, sizeof err) == 0);
    weft__trace rec;
    weft__trace_init(&rec);
    CU_ASSERT_EQUAL(weft__run_seed("t", fan, &two_two, &o, &st, 0, &rec, &oc), -1);
    CU_ASSERT(strstr(oc.message, "only 20 schedules") != NULL);
    weft__trace_free(&rec);
}

/* A program that keeps state between executions: dfs must notice that a
 * replayed prefix asks other questions, not explore a wrong tree. */
static int generation;

static int changes_each_time(void *arg)
{
    (void)arg;
    shape s = {2 + (generation++ & 1), 1};
    return fan(&s);
}

static void test_strategy_dfs_detects_nondeterminism(void)
{
    weft_report r;
    generation = 0;
    CU_ASSERT_EQUAL(check("dfs", changes_each_time, NULL, 100, &r, NULL), 1);
    CU_ASSERT_EQUAL(r.failures[0].kind, WEFT_KIND_DIVERGED);
    CU_ASSERT(strstr(r.failures[0].message, "not deterministic") != NULL);
    weft_report_free(&r);
}

/* explore with dfs/i=I resumes the search at execution I. */
static void test_strategy_dfs_resumes(void)
{
    shape two_one = {2, 1};
    weft_report r;
    weft__check_info info;
    CU_ASSERT_EQUAL(check("dfs/i=4", fan, &two_one, 100, &r, &info), 0);
    CU_ASSERT_EQUAL(r.executions, 2);
    CU_ASSERT(info.exhausted);
    weft_report_free(&r);
    CU_ASSERT_EQUAL(check("dfs/i=6", fan, &two_one, 100, &r, &info), 2);
}

/* ------------------------------------------------------- determinism */

static void test_strategy_same_seed_same_hash(void)
{
    weft__outcome a, b;
    for (size_t s = 0; s < N_STRATEGIES; s++)
        for (uint64_t seed = 0; seed < 50; seed++) {
            CU_ASSERT_EQUAL(hash_of(all_strategies[s], lost_update, NULL, seed, &a, NULL),
                            hash_of(all_strategies[s], lost_update, NULL, seed, &b, NULL));
            CU_ASSERT_EQUAL(a.steps, b.steps);
            CU_ASSERT_EQUAL(a.kind, b.kind);
        }
}

/* Pinned schedule identities per strategy: a change that moves one changed
 * what a recorded (strategy, seed) means, and breaks every stored replay. */
static void test_strategy_pinned_hashes(void)
{
    static const struct {
        const char *strategy;
        uint64_t seed;
        const char *hash;
        const char *concrete;
    } pins[] = {
        {"random", 42, "ffd9ccfb61cf555b", "random"},
        {"pct:2", 42, "ab4cd2a2a4b1a014", "pct:2/k=100"},
        {"pct:2/k=6", 42, "df10993f73d728e9", "pct:2/k=6"},
        {"pct:3/k=12", 42, "351772bf70d3bd82", "pct:3/k=12"},
        {"pos", 5, "8e35547e6c85ad97", "pos"},
        {"dfs/i=42", 42, "d2251e5109763235", "dfs/i=42"},
        {"dfs:1/i=5", 42, "67441f67f698e383", "dfs:1/i=5"},
        {"auto", 41, "90722a61c4761201", "pct:2/k=100/swarm"},
        {"auto", 43, "2a0bcda76aa080a2", "pos/swarm"},
    };
    shape three_two = {3, 2};
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        weft__outcome oc;
        char hex[17], name[64];
        weft__hash_hex(hash_of(pins[i].strategy, fan, &three_two, pins[i].seed, &oc, name),
                       hex);
        CU_ASSERT_STRING_EQUAL(hex, pins[i].hash);
        CU_ASSERT_STRING_EQUAL(name, pins[i].concrete);
        CU_ASSERT_EQUAL(oc.kind, WEFT_KIND_NONE);
    }
}

/* Strategies really differ: over 300 seeds each explores many schedules of
 * a 3x2 program, and pct and pos are not the random walk in disguise. */
static void test_strategy_strategies_differ(void)
{
    shape three_two = {3, 2};
    weft__outcome oc;
    uint64_t r = hash_of("random", fan, &three_two, 5, &oc, NULL);
    CU_ASSERT_NOT_EQUAL(r, hash_of("pos", fan, &three_two, 5, &oc, NULL));
    CU_ASSERT_NOT_EQUAL(r, hash_of("pct:3/k=20", fan, &three_two, 5, &oc, NULL));
    static const char *const s[] = {"pct:2", "pct:3", "pos", "auto"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        weft_report rep;
        CU_ASSERT_EQUAL(check(s[i], fan, &three_two, 300, &rep, NULL), 0);
        CU_ASSERT(rep.distinct_schedules > 20);
        weft_report_free(&rep);
    }
}

/* ------------------------------------------------------- replay */

/* A failure found by strategy replays from its trace and from its seed
 * plus the strategy named in its trace header. */
static void expect_replays(const char *strategy, weft_task_fn fn)
{
    weft_report r, again;
    CU_ASSERT_FATAL(check(strategy, fn, NULL, 1000, &r, NULL) == 1);
    weft_failure *f = &r.failures[0];
    CU_ASSERT_FATAL(f->trace != NULL);
    weft_options quiet = WEFT_OPTIONS_INIT;
    quiet.quiet = true;
    CU_ASSERT_EQUAL(weft__replay_bytes("t", fn, NULL, f->trace, f->trace_len, &quiet, &again),
                    1);
    CU_ASSERT_EQUAL(again.failures[0].kind, f->kind);
    CU_ASSERT_EQUAL(again.failures[0].trace_hash, f->trace_hash);
    weft_report_free(&again);

    weft__trace t;
    weft__trace_init(&t);
    char err[256];
    CU_ASSERT_FATAL(weft__trace_decode(f->trace, f->trace_len, &t, err, sizeof err) == 0);
    weft__outcome oc;
    char name[64];
    uint64_t h = hash_of(t.h.strategy, fn, NULL, t.h.seed, &oc, name);
    CU_ASSERT_EQUAL(h, f->trace_hash);
    CU_ASSERT_EQUAL(oc.kind, f->kind);
    CU_ASSERT_STRING_EQUAL(name, t.h.strategy);
    CU_ASSERT(strstr(f->replay_command, t.h.strategy) != NULL ||
              strcmp(t.h.strategy, "random") == 0);
    weft__trace_free(&t);
    weft_report_free(&r);
}

static void test_strategy_failures_replay(void)
{
    static const char *const s[] = {"dfs", "dfs:2", "pct:2", "pct:3", "pos", "auto"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        expect_replays(s[i], lost_update);
        expect_replays(s[i], lock_order);
    }
}

/* ------------------------------------------------------- auto, pct's k */

typedef struct seen {
    char strategy[8][64];
    size_t n;
} seen;

static void collect(void *ctx, const weft_failure_event *ev)
{
    seen *s = ctx;
    if (s->n < 8)
        snprintf(s->strategy[s->n++], sizeof s->strategy[0], "%s", ev->strategy);
}

static void run_collecting(const char *strategy, seen *s)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = strategy;
    o.iterations = 8;
    o.quiet = true;
    o.on_failure = collect;
    o.on_failure_ctx = s;
    weft_report r;
    memset(s, 0, sizeof *s);
    CU_ASSERT_EQUAL(weft_check("t", always_fails, NULL, &o, &r), 1);
    CU_ASSERT_STRING_EQUAL(r.strategy, strategy);
    weft_report_free(&r);
}

/* auto rotates random, pct:2, pct:3, pos; each execution's header (and
 * the failure event) names its member; the report keeps "auto". pct's k
 * is 100 at first, then the most picks an earlier execution took
 * (always_fails takes 2 or 3). */
static void test_strategy_auto_rotates(void)
{
    seen s;
    run_collecting("auto", &s);
    CU_ASSERT_EQUAL(s.n, 8);
    CU_ASSERT_STRING_EQUAL(s.strategy[0], "random/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[1], "pct:2/k=2/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[2], "pct:3/k=3/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[3], "pos/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[4], "random/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[5], "pct:2/k=3/swarm");
    CU_ASSERT_STRING_EQUAL(s.strategy[7], "pos/swarm");
    run_collecting("pct:3", &s);
    CU_ASSERT_STRING_EQUAL(s.strategy[0], "pct:3/k=100");
    CU_ASSERT_STRING_EQUAL(s.strategy[1], "pct:3/k=2");
    CU_ASSERT_STRING_EQUAL(s.strategy[2], "pct:3/k=3");
    run_collecting("pct:3/k=9", &s);
    CU_ASSERT_STRING_EQUAL(s.strategy[5], "pct:3/k=9");
    /* dfs:1 has 4 schedules here (the bound test's count): it stops there */
    run_collecting("dfs:1", &s);
    CU_ASSERT_EQUAL(s.n, 4);
    CU_ASSERT_STRING_EQUAL(s.strategy[0], "dfs:1/i=0");
    CU_ASSERT_STRING_EQUAL(s.strategy[3], "dfs:1/i=3");
}

/* A spin-wait: under pct:1 the spinner starves the setter whenever it has
 * the higher priority, until the fair tail; the run then fails on purpose
 * so that every execution's header can be seen. */
static bool flag;

static int spinner(void *arg)
{
    (void)arg;
    while (!flag)
        weft_checkpoint();
    return WEFT_OK;
}

static int setter(void *arg)
{
    (void)arg;
    weft_checkpoint();
    flag = true;
    return WEFT_OK;
}

static int spin_wait(void *arg)
{
    (void)arg;
    flag = false;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "spinner");
    weft_spawn(g, setter, NULL, "setter");
    weft_group_join(g);
    weft_fail("end");
    return WEFT_OK;
}

typedef struct steps_seen {
    uint64_t max_steps;
    char last[64];
} steps_seen;

static void note_steps(void *ctx, const weft_failure_event *ev)
{
    steps_seen *s = ctx;
    if (ev->steps > s->max_steps)
        s->max_steps = ev->steps;
    snprintf(s->last, sizeof s->last, "%s", ev->strategy);
}

/* Executions that ran past the unfair prefix do not set pct's k while
 * others finished inside it. */
static void test_strategy_pct_k_ignores_starved_runs(void)
{
    steps_seen s = {0};
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = "pct:1";
    o.iterations = 16;
    o.quiet = true;
    o.on_failure = note_steps;
    o.on_failure_ctx = &s;
    CU_ASSERT_EQUAL(weft_check("t", spin_wait, NULL, &o, NULL), 1);
    CU_ASSERT(s.max_steps > WEFT__FAIR_AFTER);
    weft__strategy st;
    char err[64];
    CU_ASSERT_FATAL(weft__strategy_parse(s.last, &st, err, sizeof err) == 0);
    CU_ASSERT(st.k < 10);
}

/* Fails in the second execution of a campaign only (state kept across
 * executions on purpose: it picks which execution fails). */
static int runs;

static int fails_second(void *arg)
{
    (void)arg;
    if (++runs == 2)
        weft_fail("second");
    return WEFT_OK;
}

/* The printed failure and its replay command name the concrete strategy. */
static void test_strategy_auto_failure_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(log != NULL);
    weft_options o = WEFT_OPTIONS_INIT;
    o.strategy = "auto";
    o.seed = 10;
    o.iterations = 4;
    o.log = log;
    runs = 0;
    CU_ASSERT_EQUAL(weft_check("t", fails_second, NULL, &o, NULL), 1);
    fclose(log);
    CU_ASSERT(buf && strstr(buf, "strategy pos/swarm (auto), seed 11") != NULL);
    CU_ASSERT(buf && strstr(buf, "replay t --seed 11 --strategy pos/swarm") != NULL);
    free(buf);
}

SUITE(strategy)
ADD(test_strategy_rejects_bad_names)
ADD(test_strategy_canonical_names)
ADD(test_strategy_each_finds_lost_update)
ADD(test_strategy_each_finds_lock_order)
ADD(test_strategy_pct_depth_matters)
ADD(test_strategy_dfs_counts_schedules)
ADD(test_strategy_dfs_preemption_bound)
ADD(test_strategy_dfs_sleep_sets_reduce)
ADD(test_strategy_dfs_budget_not_exhausted)
ADD(test_strategy_dfs_prints_exhausted)
ADD(test_strategy_dfs_index_runs_alone)
ADD(test_strategy_dfs_detects_nondeterminism)
ADD(test_strategy_dfs_resumes)
ADD(test_strategy_same_seed_same_hash)
ADD(test_strategy_pinned_hashes)
ADD(test_strategy_strategies_differ)
ADD(test_strategy_failures_replay)
ADD(test_strategy_auto_rotates)
ADD(test_strategy_pct_k_ignores_starved_runs)
ADD(test_strategy_auto_failure_text)
END_SUITE
