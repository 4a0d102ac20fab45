/*
 * test_cancel.c — the "cancel" CUnit suite: checkpoints, cancellation,
 * shielding and deadlines (SEMANTICS.md items 1–19, CONTRACT.md sections
 * 1, 2, 4, 5 and 8).
 *
 * Every semantic test is a weft program that checks the behaviour from
 * inside with WEFT_ASSERT and runs under SEEDS random schedules, so each
 * assertion must hold under every interleaving. Whether a call is a
 * scheduling point is observed with a "spinner" sibling that bumps a counter
 * every time it runs: a call that never yields leaves the counter alone in
 * every schedule, a call that yields lets it move in some schedule (counted
 * across the seeds in a struct the CUnit test checks afterwards, unless
 * only a seed or a few are run, see many_seeds).
 *
 * Programs run many times in one process: every one resets the static
 * state it uses before anything else.
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>

#include "suites.h"

/* ---------------------------------------------------------------- helpers */

static const char *sname(int rc)
{
    const char *n = weft_status_name(rc);
    return n ? n : "(a task's own code)";
}

/* expr must return want; the message names both. */
#define CHECK_RC(expr, want)                                                  \
    do {                                                                      \
        int rc_ = (expr);                                                     \
        int want_ = (want);                                                   \
        WEFT_ASSERT_MSG(rc_ == want_, "%s returned %s (%d), expected %s",     \
                        #expr, sname(rc_), rc_, sname(want_));                \
    } while (0)

/* Exactly d of virtual time went by since t0. */
#define CHECK_ELAPSED(t0, d)                                                  \
    do {                                                                      \
        weft_time el_ = weft_now() - (t0);                                    \
        weft_time want_el_ = (d);                                             \
        WEFT_ASSERT_MSG(el_ == want_el_, "elapsed %lld ns, expected %lld ns", \
                        (long long)el_, (long long)want_el_);                 \
    } while (0)

#define CHECK_DEADLINE(want)                                                  \
    do {                                                                      \
        weft_time ed_ = weft_effective_deadline();                            \
        weft_time want_ed_ = (want);                                          \
        WEFT_ASSERT_MSG(ed_ == want_ed_,                                      \
                        "effective deadline %lld, expected %lld (%s)",        \
                        (long long)ed_, (long long)want_ed_, #want);          \
    } while (0)

#define NO_DEADLINE WEFT_FOREVER
#define CANCELLED_DEADLINE INT64_MIN

/* Whether this run covers enough seeds for "in some schedule" checks:
 * not when replaying one seed (WEFT_SEED) or a handful (WEFT_ITERATIONS). */
static bool many_seeds(void)
{
    const char *seed = getenv("WEFT_SEED");
    const char *iter = getenv("WEFT_ITERATIONS");
    if (seed && *seed)
        return false;
    return !(iter && *iter && strtoull(iter, NULL, 10) < 100);
}

/* Bumped by spinner each time it runs; a sibling that observes whether
 * the task under test yielded. */
static int spins;

static int spinner(void *arg)
{
    (void)arg;
    for (;;) {
        spins++;
        if (weft_checkpoint() != WEFT_OK)
            return WEFT_CANCELLED;
    }
}

/* The scope a killer task acts on. */
static weft_scope *target;

/* Waits until every other task is blocked, then cancels target. */
static int killer_cancel(void *arg)
{
    (void)arg;
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT(target != NULL);
    weft_scope_cancel(target);
    return WEFT_OK;
}

/* Waits until every other task is blocked, then moves target's deadline
 * to now + *arg. */
static int killer_set_deadline(void *arg)
{
    const weft_time *offset = arg;
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT(target != NULL);
    weft_scope_set_deadline(target, weft_now() + *offset);
    return WEFT_OK;
}

/* A task that opens target (deadline now + scope_in, or none), sleeps in
 * it until someone else ends the sleep with a cancellation, and checks what
 * its close reports. */
struct sleeper_cfg {
    weft_time scope_in;     /* relative deadline, or WEFT_FOREVER */
    bool forever;           /* sleep_until(WEFT_FOREVER): no timer at all */
    weft_time want_elapsed; /* when the cancellation must arrive */
    int want_close;
};

static int sleeper(void *arg)
{
    const struct sleeper_cfg *c = arg;
    weft_time t0 = weft_now();
    weft_scope *s = target =
        weft_scope_open(c->scope_in == WEFT_FOREVER ? WEFT_FOREVER : t0 + c->scope_in);
    int rc = c->forever ? weft_sleep_until(WEFT_FOREVER) : weft_sleep(WEFT_SEC(3600));
    CHECK_RC(rc, WEFT_CANCELLED);
    CHECK_ELAPSED(t0, c->want_elapsed);
    CHECK_RC(weft_scope_close(s), c->want_close);
    WEFT_ASSERT(weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

/* ------------------------------------------- probes: does a call yield? */

enum probe_op {
    OP_CHECKPOINT,
    OP_SLEEP_ZERO,
    OP_SLEEP_UNTIL_NOW,
    OP_SLEEP_UNTIL_PAST,
    OP_SLEEP_LONG,        /* only inside a cancelled scope */
    OP_SLEEP_FOREVER,     /* only inside a cancelled scope */
    OP_WAIT_ALL_BLOCKED,  /* only inside a cancelled scope */
    OP_SHIELDED_CHECKPOINT,
    OP_YIELD,
    OP_IF_CANCELLED,
};

static int do_op(int op)
{
    switch (op) {
    case OP_CHECKPOINT:
        return weft_checkpoint();
    case OP_SLEEP_ZERO:
        return weft_sleep(0);
    case OP_SLEEP_UNTIL_NOW:
        return weft_sleep_until(weft_now());
    case OP_SLEEP_UNTIL_PAST:
        return weft_sleep_until(weft_now() - WEFT_MS(5));
    case OP_SLEEP_LONG:
        return weft_sleep(WEFT_SEC(10));
    case OP_SLEEP_FOREVER:
        return weft_sleep_until(WEFT_FOREVER);
    case OP_WAIT_ALL_BLOCKED:
        return weft_wait_all_tasks_blocked();
    case OP_SHIELDED_CHECKPOINT:
        weft_cancel_shielded_checkpoint();
        return WEFT_OK;
    case OP_YIELD:
        weft_yield("probe");
        return WEFT_OK;
    case OP_IF_CANCELLED:
        return weft_checkpoint_if_cancelled();
    default:
        weft_fail("bad probe op %d", op);
    }
}

/* Ops that are cancellation points. */
static bool op_delivers(int op)
{
    return op != OP_SHIELDED_CHECKPOINT && op != OP_YIELD;
}

struct probe {
    int op;
    bool cancelled;     /* run the op inside a cancelled scope */
    unsigned switched;  /* executions in which the spinner ran during the op */
};

/* The spinner is runnable when the op starts; the op runs in a scope that
 * is cancelled or not; the op's result, the time it took (none), and the
 * scope's close result are checked. */
static int probe_prog(void *arg)
{
    struct probe *p = arg;
    spins = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "spinner");
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    if (p->cancelled)
        weft_scope_cancel(s);
    int want = p->cancelled && op_delivers(p->op) ? WEFT_CANCELLED : WEFT_OK;
    weft_time t0 = weft_now();
    int before = spins;
    int rc = do_op(p->op);
    bool ran = spins != before;
    WEFT_ASSERT_MSG(rc == want, "probe op %d (cancelled %d) returned %s, expected %s",
                    p->op, (int)p->cancelled, sname(rc), sname(want));
    CHECK_ELAPSED(t0, 0);
    if (ran)
        p->switched++;
    if (p->op == OP_IF_CANCELLED && !p->cancelled)
        WEFT_ASSERT_MSG(!ran, "weft_checkpoint_if_cancelled let another task run");
    /* the scope caught the cancellation exactly when the op delivered it (known after close) */
    CHECK_RC(weft_scope_close(s), want);
    WEFT_ASSERT(weft_scope_cancelled_caught(s) == (want == WEFT_CANCELLED));
    weft_group_cancel(g);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

/* Runs the probe under SEEDS schedules; with must_switch, the spinner must
 * have run during the op in at least one of them (a scheduling point). */
#define RUN_PROBE(op_, cancelled_, must_switch_)                              \
    do {                                                                      \
        struct probe p_ = {.op = (op_), .cancelled = (cancelled_)};           \
        EXPECT_PASS(probe_prog, &p_);                                         \
        if (must_switch_) {                                                   \
            if (many_seeds())                                                 \
                CU_ASSERT(p_.switched > 0);                                   \
        } else {                                                              \
            CU_ASSERT(p_.switched == 0);                                      \
        }                                                                     \
    } while (0)

/* A sibling cancels the scope the host's op runs in, if it gets to run
 * during the op's scheduling point: the op's cancellation point, which
 * comes after, must then see it (a checkpoint is a scheduling point
 * *followed by* a cancellation point). */
static bool cd_done;

static int cd_canceller(void *arg)
{
    (void)arg;
    weft_scope_cancel(target);
    cd_done = true;
    return WEFT_OK;
}

static int cancel_during_prog(void *arg)
{
    struct probe *p = arg;
    cd_done = false;
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, cd_canceller, NULL, "canceller");
    int rc = do_op(p->op);
    if (cd_done) {
        p->switched++;
        WEFT_ASSERT_MSG(rc == WEFT_CANCELLED,
                        "op %d: cancelled during its scheduling point but returned %s",
                        p->op, sname(rc));
    } else {
        CHECK_RC(rc, WEFT_OK);
    }
    /* the canceller ran by now in any case and cancelled the host */
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    return WEFT_OK;
}

#define RUN_CANCEL_DURING(op_)                                                \
    do {                                                                      \
        struct probe p_ = {.op = (op_)};                                      \
        EXPECT_PASS(cancel_during_prog, &p_);                                 \
        if (many_seeds())                                                     \
            CU_ASSERT(p_.switched > 0);                                       \
    } while (0)

/* ------------------------------------ 1. checkpoint = schedule + cancel */

static void test_cancel_checkpoint_is_scheduling_point(void)
{
    RUN_PROBE(OP_CHECKPOINT, false, true);
}

static void test_cancel_checkpoint_schedules_even_when_cancelled(void)
{
    RUN_PROBE(OP_CHECKPOINT, true, true);
}

static void test_cancel_checkpoint_sees_cancel_made_during_its_scheduling_point(void)
{
    RUN_CANCEL_DURING(OP_CHECKPOINT);
}

/* ------------------- 2. blocking calls checkpoint even when not blocking */

static void test_cancel_sleep_zero_is_checkpoint(void)
{
    RUN_PROBE(OP_SLEEP_ZERO, false, true);
    RUN_PROBE(OP_SLEEP_ZERO, true, true);
    RUN_CANCEL_DURING(OP_SLEEP_ZERO);
}

static void test_cancel_sleep_until_past_is_checkpoint(void)
{
    RUN_PROBE(OP_SLEEP_UNTIL_NOW, false, true);
    RUN_PROBE(OP_SLEEP_UNTIL_NOW, true, true);
    RUN_PROBE(OP_SLEEP_UNTIL_PAST, false, true);
    RUN_PROBE(OP_SLEEP_UNTIL_PAST, true, true);
    RUN_CANCEL_DURING(OP_SLEEP_UNTIL_PAST);
}

/* A sleep that would block, inside a cancelled scope: returns WEFT_CANCELLED
 * at once (no time passes) and is still a scheduling point. */
static void test_cancel_sleep_in_cancelled_scope_is_checkpoint(void)
{
    RUN_PROBE(OP_SLEEP_LONG, true, true);
    RUN_PROBE(OP_SLEEP_FOREVER, true, true);
}

static void test_cancel_wait_all_blocked_in_cancelled_scope_is_checkpoint(void)
{
    RUN_PROBE(OP_WAIT_ALL_BLOCKED, true, true);
}

/* ---------------------------------- 3. non-blocking calls never checkpoint */

static int nb_child(void *arg)
{
    (void)arg;
    weft_started(NULL); /* spawned, not started: does nothing */
    return WEFT_OK;
}

/* With the spinner runnable, none of these calls may let it run. */
static int nonblocking_never_yield_prog(void *arg)
{
    (void)arg;
    spins = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "spinner");
    weft_time now = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope_cancel(outer);
    weft_scope *in = weft_scope_open(now + WEFT_MS(10));
    weft_scope_set_deadline(in, now + WEFT_MS(20));
    weft_scope_set_deadline(in, WEFT_FOREVER);
    weft_scope_set_deadline(in, now - 1); /* into the past */
    weft_scope_set_shield(in, true);
    weft_scope_set_shield(in, false);
    (void)weft_scope_cancel_called(in);
    (void)weft_scope_cancelled_caught(in);
    (void)weft_effective_deadline();
    (void)weft_now();
    CHECK_RC(weft_scope_close(in), WEFT_OK);
    weft_scope *sh = weft_scope_open_shielded(now + WEFT_MS(5));
    weft_scope_cancel(sh);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_spawn(g, nb_child, NULL, "child"), WEFT_OK);
    weft_group *inner = weft_group_open();
    CHECK_RC(weft_spawn(inner, nb_child, NULL, "inner child"), WEFT_OK);
    weft_group_cancel(inner);
    weft_group_cancel(inner);
    (void)weft_group_cancel_called(inner);
    weft_started(NULL);
    WEFT_ASSERT_MSG(spins == 0, "a non-blocking call let the spinner run (%d times)", spins);
    /* and none of them was a cancellation point either */
    WEFT_ASSERT(!weft_scope_cancelled_caught(outer));
    /* joining is a checkpoint: now the outer cancellation is delivered */
    CHECK_RC(weft_group_join(inner), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    weft_group_cancel(g);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_nonblocking_calls_never_yield(void)
{
    EXPECT_PASS(nonblocking_never_yield_prog, NULL);
}

/* Inside a cancelled scope, non-blocking calls neither fail nor mark the
 * scope as having caught anything: its close reports nothing. */
static int nonblocking_not_cancellation_points_prog(void *arg)
{
    (void)arg;
    weft_time now = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *in = weft_scope_open(now + WEFT_MS(10));
    weft_scope_set_deadline(in, now + WEFT_MS(20));
    weft_scope_set_shield(in, true);
    weft_scope_set_shield(in, false);
    weft_scope_cancel(in);
    CHECK_RC(weft_scope_close(in), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(in));
    weft_group *g = weft_group_open();
    CHECK_RC(weft_spawn(g, nb_child, NULL, "child"), WEFT_OK);
    weft_group_cancel(g);
    weft_yield("not a cancellation point");
    weft_cancel_shielded_checkpoint();
    WEFT_ASSERT(!weft_scope_cancelled_caught(outer));
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED); /* a checkpoint: delivers */
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(outer));

    /* the same without any checkpoint: nothing is caught */
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    weft_scope *t = weft_scope_open(weft_now() - 1);
    CHECK_RC(weft_scope_close(t), WEFT_OK);
    weft_yield("still not a cancellation point");
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

static void test_cancel_nonblocking_calls_are_not_cancellation_points(void)
{
    EXPECT_PASS(nonblocking_not_cancellation_points_prog, NULL);
}

/* ---------- 4. cancel_shielded_checkpoint / checkpoint_if_cancelled */

static void test_cancel_shielded_checkpoint_only_schedules(void)
{
    RUN_PROBE(OP_SHIELDED_CHECKPOINT, false, true);
    RUN_PROBE(OP_SHIELDED_CHECKPOINT, true, true);
}

static int shielded_checkpoint_no_cancel_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    for (int i = 0; i < 3; i++)
        weft_cancel_shielded_checkpoint();
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    /* a deadline in the past is not delivered by it either */
    s = weft_scope_open(weft_now());
    weft_cancel_shielded_checkpoint();
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_shielded_checkpoint_does_not_deliver(void)
{
    EXPECT_PASS(shielded_checkpoint_no_cancel_prog, NULL);
}

/* weft_yield is a scheduling point only, like cancel_shielded_checkpoint. */
static void test_cancel_yield_is_not_a_cancellation_point(void)
{
    RUN_PROBE(OP_YIELD, true, true);
}

static int if_cancelled_no_yield_prog(void *arg)
{
    (void)arg;
    spins = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "spinner");
    weft_scope *s = weft_scope_open(weft_now() + WEFT_MS(10));
    for (int i = 0; i < 20; i++) {
        CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_OK);
        WEFT_ASSERT_MSG(spins == 0, "weft_checkpoint_if_cancelled yielded (call %d)", i);
    }
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    weft_group_cancel(g);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_checkpoint_if_cancelled_does_not_yield(void)
{
    EXPECT_PASS(if_cancelled_no_yield_prog, NULL);
    RUN_PROBE(OP_IF_CANCELLED, false, false);
}

static int if_cancelled_delivers_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_OK);
    weft_scope_cancel(s);
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(s));
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_OK);
    /* a deadline: caught, and its close reports a timeout */
    s = weft_scope_open(weft_now());
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_checkpoint_if_cancelled_delivers(void)
{
    EXPECT_PASS(if_cancelled_delivers_prog, NULL);
    RUN_PROBE(OP_IF_CANCELLED, true, false);
}

/* ------------------------------------------------ 5. level-triggered */

static int level_triggered_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    for (int i = 0; i < 5; i++)
        CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_CANCELLED);
    CHECK_RC(weft_sleep(0), WEFT_CANCELLED);
    CHECK_RC(weft_sleep_until(WEFT_FOREVER), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_CANCELLED);
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_level_triggered(void)
{
    EXPECT_PASS(level_triggered_prog, NULL);
}

/* After an inner scope closes with WEFT_OK because the cancellation belongs
 * to an outer one, the outer one keeps cancelling. */
static int outer_keeps_cancelling_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *inner = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(inner), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(inner));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    weft_scope *again = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_sleep(WEFT_MS(1)), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(again), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_level_triggered_outer_keeps_cancelling(void)
{
    EXPECT_PASS(outer_keeps_cancelling_prog, NULL);
}

static int level_child(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    return WEFT_CANCELLED;
}

/* A child of a cancelled group sees the cancellation at every checkpoint,
 * whichever schedule brought it there. */
static int level_triggered_child_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_spawn(g, level_child, NULL, "a");
    weft_spawn(g, level_child, NULL, "b");
    weft_group_cancel(g);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    CHECK_ELAPSED(t0, 0);
    return WEFT_OK;
}

static void test_cancel_level_triggered_in_children(void)
{
    EXPECT_PASS(level_triggered_child_prog, NULL);
}

/* ------------------------------- 6. idempotent, delayed effect, used once */

static int idempotent_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    WEFT_ASSERT(!weft_scope_cancel_called(s));
    weft_scope_cancel(s);
    weft_scope_cancel(s);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    weft_scope_cancel(s); /* changes nothing: still caught */
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(s));
    /* cancelling a closed scope is harmless (Trio and AnyIO allow it) */
    weft_scope_cancel(s);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    /* the group's own scope, too */
    weft_group *g = weft_group_open();
    weft_group_cancel(g);
    weft_group_cancel(g);
    WEFT_ASSERT(weft_group_cancel_called(g));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_idempotent(void)
{
    EXPECT_PASS(idempotent_prog, NULL);
}

/* Cancels a scope twice from two tasks while the host sleeps in it. */
static int twice_killer(void *arg)
{
    (void)arg;
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    weft_scope_cancel(target);
    weft_scope_cancel(target);
    return WEFT_OK;
}

static int idempotent_two_tasks_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, twice_killer, NULL, "k1");
    weft_spawn(g, twice_killer, NULL, "k2");
    CHECK_RC(weft_sleep(WEFT_SEC(60)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_idempotent_from_several_tasks(void)
{
    EXPECT_PASS(idempotent_two_tasks_prog, NULL);
}

static int before_first_checkpoint_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    volatile int work = 0;
    for (int i = 0; i < 100; i++)
        work += i;
    WEFT_ASSERT(work == 4950);
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

static void test_cancel_before_first_checkpoint_takes_effect_there(void)
{
    EXPECT_PASS(before_first_checkpoint_prog, NULL);
}

static int close_twice_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    (void)weft_scope_close(s);
    weft_fail("closing a scope twice was accepted");
}

static void test_cancel_close_twice_is_misuse(void)
{
    CU_ASSERT(always_fails_with(close_twice_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "already closed"));
}

static int close_out_of_order_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *inner = weft_scope_open(WEFT_FOREVER);
    (void)inner;
    (void)weft_scope_close(outer);
    weft_fail("closing a scope out of order was accepted");
}

static void test_cancel_close_out_of_order_is_misuse(void)
{
    CU_ASSERT(always_fails_with(close_out_of_order_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "out of order"));
}

/* The outer scope closed while a task group opened inside it is still
 * open: out of order too. */
static int close_over_group_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    (void)g;
    (void)weft_scope_close(outer);
    weft_fail("closing a scope over an open group was accepted");
}

static void test_cancel_close_over_open_group_is_misuse(void)
{
    CU_ASSERT(always_fails_with(close_over_group_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "out of order"));
}

static int foreign_closer(void *arg)
{
    (void)arg;
    (void)weft_scope_close(target);
    weft_fail("closing another task's scope was accepted");
}

static int close_from_other_task_prog(void *arg)
{
    (void)arg;
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, foreign_closer, NULL, "closer");
    (void)weft_group_join(g);
    (void)weft_scope_close(s);
    weft_fail("not reached: the closer must have failed");
}

static void test_cancel_close_from_another_task_is_misuse(void)
{
    CU_ASSERT(always_fails_with(close_from_other_task_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "another task"));
}

/* -------------------- 7. cancelling from another task wakes at once */

/* A sleeper and a killer that acts on the sleeper's scope once every other
 * task is blocked. */
struct duel {
    struct sleeper_cfg sleeper;
    weft_task_fn killer;
    const void *killer_arg;
};

static int duel_prog(void *arg)
{
    const struct duel *d = arg;
    target = NULL;
    weft_group *g = weft_group_open();
    weft_spawn(g, sleeper, (void *)&d->sleeper, "sleeper");
    weft_spawn(g, d->killer, (void *)d->killer_arg, "killer");
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_from_another_task_wakes_blocked_sleep(void)
{
    /* a one-hour sleep returns WEFT_CANCELLED with no time gone by */
    static const struct duel d = {{WEFT_FOREVER, false, 0, WEFT_CANCELLED},
                                  killer_cancel, NULL};
    EXPECT_PASS(duel_prog, (void *)&d);
}

static void test_cancel_from_another_task_wakes_sleep_forever(void)
{
    /* no timer at all: only the cancellation can end this sleep */
    static const struct duel d = {{WEFT_FOREVER, true, 0, WEFT_CANCELLED},
                                  killer_cancel, NULL};
    EXPECT_PASS(duel_prog, (void *)&d);
}

static void test_cancel_from_another_task_before_deadline_is_not_timeout(void)
{
    /* the sleeper's scope has a deadline in 1 s, cancelled explicitly at 0:
     * its close reports WEFT_CANCELLED, not WEFT_TIMEOUT (item 18) */
    static const struct duel d = {{WEFT_SEC(1), false, 0, WEFT_CANCELLED},
                                  killer_cancel, NULL};
    EXPECT_PASS(duel_prog, (void *)&d);
}

/* The host cancels a scope its child opened (AnyIO
 * cancel_scope_in_another_task). */
static int host_cancels_child_scope_prog(void *arg)
{
    (void)arg;
    static const struct sleeper_cfg cfg = {WEFT_FOREVER, true, 0, WEFT_CANCELLED};
    target = NULL;
    weft_group *g = weft_group_open();
    weft_spawn(g, sleeper, (void *)&cfg, "sleeper");
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT(target != NULL);
    weft_scope_cancel(target);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_host_cancels_child_scope(void)
{
    EXPECT_PASS(host_cancels_child_scope_prog, NULL);
}

/* ------------- 8. a task spawned into a cancelled group runs until its
 *                  first checkpoint */

static int pre_ran, pre_after;

static int precancelled_child(void *arg)
{
    (void)arg;
    pre_ran++;
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    pre_after++;
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    return WEFT_CANCELLED;
}

static int precancelled_group_prog(void *arg)
{
    (void)arg;
    pre_ran = pre_after = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_group_cancel(g);
    CHECK_RC(weft_spawn(g, precancelled_child, NULL, "a"), WEFT_OK);
    CHECK_RC(weft_spawn(g, precancelled_child, NULL, "b"), WEFT_OK);
    WEFT_ASSERT(pre_ran == 0); /* not before the host's scheduling point */
    CHECK_RC(weft_group_join(g), WEFT_OK);
    WEFT_ASSERT_MSG(pre_ran == 2 && pre_after == 2, "ran %d, after %d", pre_ran, pre_after);
    CHECK_ELAPSED(t0, 0);
    return WEFT_OK;
}

static void test_cancel_precancelled_group_child_runs_until_first_checkpoint(void)
{
    EXPECT_PASS(precancelled_group_prog, NULL);
}

/* The same when the cancelled scope encloses the group: the children
 * inherit it, and join reports the outside cancellation. */
static int precancelled_outer_prog(void *arg)
{
    (void)arg;
    pre_ran = pre_after = 0;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_group *g = weft_group_open();
    weft_spawn(g, precancelled_child, NULL, "a");
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    WEFT_ASSERT(pre_ran == 1 && pre_after == 1);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_precancelled_outer_scope_child_runs_until_first_checkpoint(void)
{
    EXPECT_PASS(precancelled_outer_prog, NULL);
}

/* ------------------------------------- 9. which scope catches it */

static int nested_outermost_prog(void *arg)
{
    (void)arg;
    weft_scope *s1 = weft_scope_open(WEFT_FOREVER);
    weft_scope *s2 = weft_scope_open(WEFT_FOREVER);
    weft_scope *s3 = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s3);
    weft_scope_cancel(s2);
    CHECK_RC(weft_sleep_until(WEFT_FOREVER), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s3), WEFT_OK);
    WEFT_ASSERT(weft_scope_cancel_called(s3));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s3));
    CHECK_RC(weft_scope_close(s2), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancel_called(s2));
    WEFT_ASSERT(weft_scope_cancelled_caught(s2));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(s1), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancel_called(s1));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s1));
    return WEFT_OK;
}

static void test_cancel_nested_outermost_catches(void)
{
    EXPECT_PASS(nested_outermost_prog, NULL);
}

static int only_origin_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *inner = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(inner);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(inner), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(inner));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(outer));

    /* the other way round: the outer one is cancelled, the inner one
     * only sees it go by */
    outer = weft_scope_open(WEFT_FOREVER);
    inner = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(inner), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancel_called(inner));
    WEFT_ASSERT(!weft_scope_cancelled_caught(inner));
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(outer));
    return WEFT_OK;
}

static void test_cancel_only_origin_scope_catches(void)
{
    EXPECT_PASS(only_origin_prog, NULL);
}

static int nested_shield_inner_prog(void *arg)
{
    (void)arg;
    weft_scope *s1 = weft_scope_open(WEFT_FOREVER);
    weft_scope *s2 = weft_scope_open_shielded(WEFT_FOREVER);
    weft_scope *s3 = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s3);
    weft_scope_cancel(s2);
    weft_scope_cancel(s1);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s3), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(s3));
    CHECK_RC(weft_scope_close(s2), WEFT_CANCELLED); /* the shielded one */
    WEFT_ASSERT(weft_scope_cancelled_caught(s2));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s1));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);    /* now s1's turn */
    CHECK_RC(weft_scope_close(s1), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_nested_shield_inner_catches(void)
{
    EXPECT_PASS(nested_shield_inner_prog, NULL);
}

/* Two nested scopes cancelled, the outer by its deadline: the outer one
 * catches it, and reports a timeout. */
static int nested_deadline_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(t0 + WEFT_MS(10));
    weft_scope *inner = weft_scope_open(t0 + WEFT_MS(20));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    weft_scope_cancel(inner);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(inner), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_nested_deadline_outermost_times_out(void)
{
    EXPECT_PASS(nested_deadline_prog, NULL);
}

/* A child's own scope does not catch a cancellation of the host's scope
 * that the child inherited: the host's scope does (AnyIO
 * cancelled_raises_beyond_origin). */
static bool child_scope_caught;

static int child_with_scope(void *arg)
{
    (void)arg;
    weft_scope *c = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(c), WEFT_OK);
    child_scope_caught = weft_scope_cancelled_caught(c);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    return WEFT_CANCELLED;
}

static int beyond_origin_prog(void *arg)
{
    (void)arg;
    child_scope_caught = true;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, child_with_scope, NULL, "child");
    weft_scope_cancel(outer);
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    WEFT_ASSERT(!child_scope_caught);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_child_scope_does_not_catch_inherited_cancel(void)
{
    EXPECT_PASS(beyond_origin_prog, NULL);
}

/* -------------------- 10. a cancel nobody reaches is not caught */

static int after_last_checkpoint_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_cancel(s);
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

static void test_cancel_after_last_checkpoint_not_caught(void)
{
    EXPECT_PASS(after_last_checkpoint_prog, NULL);
}

/* Another task cancels the host's scope after the host's last checkpoint
 * in it: cancel_called, nothing caught. */
static int late_canceller(void *arg)
{
    (void)arg;
    WEFT_ASSERT(target != NULL);
    weft_scope_cancel(target);
    return WEFT_OK;
}

static int late_cancel_prog(void *arg)
{
    (void)arg;
    target = NULL;
    weft_group *g = weft_group_open();
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_spawn(g, late_canceller, NULL, "canceller");
    CHECK_RC(weft_scope_close(s), WEFT_OK); /* before the canceller can run */
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    CHECK_RC(weft_group_join(g), WEFT_OK);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

static void test_cancel_from_another_task_after_close_not_caught(void)
{
    EXPECT_PASS(late_cancel_prog, NULL);
}

static int pending_dropped_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *inner = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(inner);
    CHECK_RC(weft_scope_close(inner), WEFT_OK); /* no cancellation point */
    CHECK_RC(weft_checkpoint(), WEFT_OK);       /* the cancel did not leak */
    CHECK_RC(weft_sleep(WEFT_MS(1)), WEFT_OK);
    /* a deadline scope too */
    inner = weft_scope_open(weft_now());
    CHECK_RC(weft_scope_close(inner), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(outer));
    return WEFT_OK;
}

static void test_cancel_pending_cancel_dropped_on_exit(void)
{
    EXPECT_PASS(pending_dropped_prog, NULL);
}

/* AnyIO cancel_scope_cleared: after a move_on_after caught its timeout,
 * nothing of it is left. */
static int scope_cleared_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_move_on_after(WEFT_MS(100));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(100));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    CHECK_RC(weft_sleep(0), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(1100));
    CHECK_DEADLINE(NO_DEADLINE);
    return WEFT_OK;
}

static void test_cancel_scope_cleared_after_close(void)
{
    EXPECT_PASS(scope_cleared_prog, NULL);
}

/* A deadline that expired while the task sat in a shield, with no
 * cancellation point in the scope afterwards: not caught, no timeout. */
static int expired_uncaught_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *fa = weft_fail_after(WEFT_MS(10));
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_RC(weft_sleep(WEFT_MS(20)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(20));
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    WEFT_ASSERT(weft_scope_cancel_called(fa));
    CHECK_DEADLINE(CANCELLED_DEADLINE);
    CHECK_RC(weft_scope_close(fa), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(fa));
    CHECK_DEADLINE(NO_DEADLINE);
    return WEFT_OK;
}

static void test_cancel_expired_deadline_without_checkpoint_not_caught(void)
{
    EXPECT_PASS(expired_uncaught_prog, NULL);
}

/* ------------- 11. a cancelled call did nothing; a woken one keeps its result */

struct woken_stats {
    unsigned cancel_first; /* executions where the cancel came before the
                              sleeper ran again */
};

static bool ws_cancelled;
static weft_time ws_when;

static int ws_sleeper(void *arg)
{
    struct woken_stats *st = arg;
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    int rc = weft_sleep_until(ws_when);
    /* its timer woke it: that result stands even when the scope was
     * cancelled before it ran again */
    WEFT_ASSERT_MSG(rc == WEFT_OK, "a sleep already woken by its timer returned %s "
                    "(cancel came first: %d)", sname(rc), (int)ws_cancelled);
    WEFT_ASSERT(weft_now() == ws_when);
    bool seen = ws_cancelled;
    if (seen)
        st->cancel_first++;
    /* the cancellation lands at the next cancellation point */
    CHECK_RC(weft_checkpoint_if_cancelled(), seen ? WEFT_CANCELLED : WEFT_OK);
    CHECK_RC(weft_scope_close(s), seen ? WEFT_CANCELLED : WEFT_OK);
    return WEFT_OK;
}

static int ws_canceller(void *arg)
{
    (void)arg;
    CHECK_RC(weft_sleep_until(ws_when), WEFT_OK);
    weft_scope_cancel(target);
    ws_cancelled = true;
    return WEFT_OK;
}

static int woken_keeps_result_prog(void *arg)
{
    ws_cancelled = false;
    target = NULL;
    ws_when = weft_now() + WEFT_MS(10);
    weft_group *g = weft_group_open();
    weft_spawn(g, ws_sleeper, arg, "sleeper");
    weft_spawn(g, ws_canceller, NULL, "canceller");
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_woken_sleeper_keeps_result(void)
{
    struct woken_stats st = {0};
    EXPECT_PASS(woken_keeps_result_prog, &st);
    if (many_seeds())
        CU_ASSERT(st.cancel_first > 0); /* the interesting order did happen */
}

/* A sleep cancelled at 0 leaves no timer behind: a later sleep of 100 ms
 * in a fresh scope is not cut short at the old 10 ms. */
static int stale_sleeper(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = target = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    CHECK_RC(weft_sleep(WEFT_MS(100)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(100));
    return WEFT_OK;
}

static int stale_timer_prog(void *arg)
{
    (void)arg;
    target = NULL;
    weft_group *g = weft_group_open();
    weft_spawn(g, stale_sleeper, NULL, "sleeper");
    weft_spawn(g, killer_cancel, NULL, "killer");
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

/* A sleep in an already-cancelled scope never starts: it leaves no timer
 * that could later wake a timerless sleep_until(WEFT_FOREVER) early. */
static int precancelled_sleep_timer_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_CANCELLED);
    CHECK_RC(weft_sleep_until(t0 + WEFT_MS(5)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_CANCELLED);
    s = weft_scope_open(t0 + WEFT_MS(50));
    CHECK_RC(weft_sleep_until(WEFT_FOREVER), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(50));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_cancelled_sleep_leaves_no_timer(void)
{
    EXPECT_PASS(stale_timer_prog, NULL);
    EXPECT_PASS(precancelled_sleep_timer_prog, NULL);
}

/* --------------------------------------------------------- 12. shields */

static int shield_blocks_outer_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    WEFT_ASSERT(weft_scope_shield(sh));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_OK);
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(sh));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_shield_blocks_outer_cancel(void)
{
    EXPECT_PASS(shield_blocks_outer_prog, NULL);
}

/* A killer cancels the outer scope while the host sleeps in a shield: the
 * sleep runs its full length. */
static int shield_vs_killer_prog(void *arg)
{
    (void)arg;
    target = NULL;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_scope *outer = target = weft_scope_open(WEFT_FOREVER);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    weft_spawn(g, killer_cancel, NULL, "killer");
    CHECK_RC(weft_sleep(WEFT_MS(100)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(100));
    WEFT_ASSERT(weft_scope_cancel_called(outer));
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_shield_blocks_outer_cancel_from_another_task(void)
{
    EXPECT_PASS(shield_vs_killer_prog, NULL);
}

/* The outer scope's deadline passes while the host sleeps in a shield. */
static int shield_vs_deadline_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(t0 + WEFT_MS(10));
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_RC(weft_sleep(WEFT_MS(50)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(50));
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_shield_blocks_outer_deadline(void)
{
    EXPECT_PASS(shield_vs_deadline_prog, NULL);
}

static int shield_own_cancel_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_cancel(sh);
    CHECK_DEADLINE(CANCELLED_DEADLINE);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(sh), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(sh));
    WEFT_ASSERT(!weft_scope_cancelled_caught(outer));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_shielded_scope_own_cancel_applies(void)
{
    EXPECT_PASS(shield_own_cancel_prog, NULL);
}

static int shielded_move_on_after_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(t0 + WEFT_MS(10));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    CHECK_RC(weft_scope_close(sh), WEFT_TIMEOUT);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_shielded_move_on_after_times_out(void)
{
    EXPECT_PASS(shielded_move_on_after_prog, NULL);
}

static int inner_in_shield_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    weft_scope *in = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(in);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(in), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope *in2 = weft_scope_open(t0 + WEFT_MS(5));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(5));
    CHECK_RC(weft_scope_close(in2), WEFT_TIMEOUT);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_inner_scopes_inside_shield_apply(void)
{
    EXPECT_PASS(inner_in_shield_prog, NULL);
}

/* Raising the shield on an ordinary scope inside a cancelled one stops the
 * outer cancellation from then on. */
static int shield_raised_later_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    weft_scope_set_shield(s, true);
    WEFT_ASSERT(weft_scope_shield(s));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_sleep(WEFT_MS(1)), WEFT_OK);
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED); /* caught before */
    return WEFT_OK;
}

static void test_cancel_shield_raised_later_blocks_outer_cancel(void)
{
    EXPECT_PASS(shield_raised_later_prog, NULL);
}

/* A wait aborted by a cancellation reports it even when a shield went up
 * before the task ran again: the sleep did not complete, so it cannot
 * return WEFT_OK (CONTRACT 5); the shield applies from the next
 * checkpoint on. */
static weft_scope *raised_scope;

static int cancel_then_shield(void *arg)
{
    (void)arg;
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    weft_scope_cancel(target);
    weft_scope_set_shield(raised_scope, true);
    return WEFT_OK;
}

static int shield_race_sleeper(void *arg)
{
    (void)arg;
    weft_scope *in = raised_scope = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(weft_sleep_until(WEFT_FOREVER), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_OK); /* shielded now */
    CHECK_RC(weft_scope_close(in), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    return WEFT_CANCELLED;
}

static int shield_after_abort_prog(void *arg)
{
    (void)arg;
    target = raised_scope = NULL;
    weft_group *g = weft_group_open();
    weft_spawn(g, cancel_then_shield, NULL, "killer");
    weft_scope *outer = target = weft_scope_open(WEFT_FOREVER);
    weft_group *inner = weft_group_open();
    weft_spawn(inner, shield_race_sleeper, NULL, "sleeper");
    CHECK_RC(weft_group_join(inner), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_aborted_wait_reports_cancel_despite_later_shield(void)
{
    EXPECT_PASS(shield_after_abort_prog, NULL);
}

/* ------------------------- 13. unshielding wakes a blocked call at once */

static int unshield_rec;
static weft_scope *unshield_scope;

static int shielded_sleeper(void *arg)
{
    (void)arg;
    weft_scope *s = unshield_scope = weft_scope_open_shielded(WEFT_FOREVER);
    unshield_rec = 1;
    CHECK_RC(weft_sleep_until(WEFT_FOREVER), WEFT_CANCELLED);
    unshield_rec = 2;
    CHECK_RC(weft_scope_close(s), WEFT_OK); /* the outer scope caught it */
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    return WEFT_CANCELLED;
}

/* Trio cancel_shield_abort. */
static int unshield_wakes_prog(void *arg)
{
    (void)arg;
    unshield_rec = 0;
    unshield_scope = NULL;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_scope_cancel(outer);
    weft_spawn(g, shielded_sleeper, NULL, "sleeper");
    weft_scope *hs = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT_MSG(unshield_rec == 1, "the shielded sleeper did not get to sleep (%d)",
                    unshield_rec);
    weft_time t0 = weft_now();
    weft_scope_set_shield(unshield_scope, false);
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT_MSG(unshield_rec == 2, "unshielding did not abort the sleep (%d)",
                    unshield_rec);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(hs), WEFT_OK);
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_unshield_wakes_blocked_call(void)
{
    EXPECT_PASS(unshield_wakes_prog, NULL);
}

static int unshield_own_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_set_shield(sh, false);
    WEFT_ASSERT(!weft_scope_shield(sh));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_unshield_own_scope_delivers_at_next_checkpoint(void)
{
    EXPECT_PASS(unshield_own_prog, NULL);
}

/* ----------------- 14. shielding the host does not shield the children */

static bool child_saw_cancel;

static int wait_cancel(void *arg)
{
    (void)arg;
    int rc = weft_sleep_until(WEFT_FOREVER);
    CHECK_RC(rc, WEFT_CANCELLED);
    child_saw_cancel = true;
    return rc;
}

/* AnyIO cancel_child_task_when_host_is_shielded. */
static int host_shield_prog(void *arg)
{
    (void)arg;
    child_saw_cancel = false;
    weft_scope *parent = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, wait_cancel, NULL, "child");
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    weft_time t0 = weft_now();
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    weft_scope *fa = weft_fail_after(WEFT_SEC(1));
    weft_scope_cancel(parent);
    CHECK_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
    WEFT_ASSERT_MSG(child_saw_cancel, "the child was not cancelled");
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(fa), WEFT_OK);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_group_join(g), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(parent), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_host_shield_does_not_shield_children(void)
{
    EXPECT_PASS(host_shield_prog, NULL);
}

/* ---------------------- 15. a deadline at or before now cancels at once */

static int deadline_now_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    WEFT_ASSERT(!weft_scope_cancelled_caught(s)); /* not before a checkpoint */
    CHECK_DEADLINE(CANCELLED_DEADLINE);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    WEFT_ASSERT(weft_scope_cancelled_caught(s));
    return WEFT_OK;
}

static void test_cancel_deadline_now_cancels_at_next_checkpoint(void)
{
    EXPECT_PASS(deadline_now_prog, NULL);
}

static int deadline_past_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 - WEFT_SEC(1));
    WEFT_ASSERT(weft_scope_cancel_called(s));
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    /* the most negative deadline too */
    s = weft_scope_open(INT64_MIN);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_deadline_in_past_cancels_at_next_checkpoint(void)
{
    EXPECT_PASS(deadline_past_prog, NULL);
}

static int set_deadline_past_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_SEC(1));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_set_deadline(s, t0 - 1);
    WEFT_ASSERT(weft_scope_cancel_called(s));
    WEFT_ASSERT(weft_scope_deadline(s) == t0 - 1);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    /* exactly now, on a scope without a deadline */
    s = weft_scope_open(WEFT_FOREVER);
    weft_scope_set_deadline(s, weft_now());
    CHECK_RC(weft_checkpoint_if_cancelled(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_set_deadline_into_past_cancels_at_next_checkpoint(void)
{
    EXPECT_PASS(set_deadline_past_prog, NULL);
}

static void test_cancel_set_deadline_from_another_task_wakes_sleeper(void)
{
    static const weft_time zero = 0;
    static const struct duel d = {{WEFT_FOREVER, true, 0, WEFT_TIMEOUT},
                                  killer_set_deadline, &zero};
    EXPECT_PASS(duel_prog, (void *)&d);
}

/* When a sleep and the deadline of a scope around it fall due at the same
 * instant, the cancellation wins (CONTRACT 4, as in Trio). */
static int deadline_beats_sleep_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(10));
    CHECK_RC(weft_sleep(WEFT_MS(10)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    s = weft_scope_open(t0 + WEFT_MS(20));
    CHECK_RC(weft_sleep_until(t0 + WEFT_MS(20)), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_deadline_beats_sleep_at_same_instant(void)
{
    EXPECT_PASS(deadline_beats_sleep_prog, NULL);
}

/* ---------------------- 16. moving a deadline from inside the scope */

static int moved_earlier_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_set_deadline(s, t0 + WEFT_MS(10));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);

    t0 = weft_now();
    s = weft_scope_open(t0 + WEFT_MS(100));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_set_deadline(s, t0 + WEFT_MS(30));
    CHECK_RC(weft_sleep(WEFT_MS(20)), WEFT_OK);
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(30));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_deadline_moved_earlier_from_inside(void)
{
    EXPECT_PASS(moved_earlier_prog, NULL);
}

static int moved_later_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(10));
    weft_scope_set_deadline(s, t0 + WEFT_MS(50));
    CHECK_RC(weft_sleep(WEFT_MS(20)), WEFT_OK); /* past the old deadline */
    CHECK_ELAPSED(t0, WEFT_MS(20));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(50));
    CHECK_RC(weft_scope_close(s), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_deadline_moved_later_from_inside(void)
{
    EXPECT_PASS(moved_later_prog, NULL);
}

static int deadline_removed_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(10));
    weft_scope_set_deadline(s, WEFT_FOREVER);
    CHECK_DEADLINE(NO_DEADLINE);
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_SEC(1));
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancel_called(s));
    return WEFT_OK;
}

static void test_cancel_deadline_removed_from_inside(void)
{
    EXPECT_PASS(deadline_removed_prog, NULL);
}

/* A closed scope's deadline no longer applies to anything: passing it
 * neither cancels the enclosing code nor marks the closed scope (Trio
 * stops updating cancel_called once a scope is exited). */
static int closed_deadline_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(10));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    CHECK_RC(weft_sleep(WEFT_MS(20)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(20));
    WEFT_ASSERT(!weft_scope_cancel_called(s));
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancel_called(outer));
    return WEFT_OK;
}

static void test_cancel_closed_scope_deadline_no_longer_applies(void)
{
    EXPECT_PASS(closed_deadline_prog, NULL);
}

/* Another task moves the deadline of a scope a task sleeps in to 5 ms from
 * now: the sleep ends at 5 ms with a timeout. */
static void test_cancel_deadline_moved_by_another_task(void)
{
    static const weft_time five = WEFT_MS(5);
    static const struct duel d = {{WEFT_FOREVER, false, WEFT_MS(5), WEFT_TIMEOUT},
                                  killer_set_deadline, &five};
    EXPECT_PASS(duel_prog, (void *)&d);
}

/* ------------------------------------------ 17. the effective deadline */

static int effective_deadline_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    CHECK_DEADLINE(NO_DEADLINE);
    weft_scope *a = weft_scope_open(t0 + WEFT_MS(100));
    CHECK_DEADLINE(t0 + WEFT_MS(100));
    weft_scope *b = weft_scope_open(t0 + WEFT_MS(50));
    CHECK_DEADLINE(t0 + WEFT_MS(50));
    weft_scope *c = weft_scope_open(t0 + WEFT_MS(200));
    CHECK_DEADLINE(t0 + WEFT_MS(50));
    weft_scope *d = weft_scope_open_shielded(t0 + WEFT_MS(300));
    CHECK_DEADLINE(t0 + WEFT_MS(300)); /* out to and including the shield */
    weft_scope *e = weft_scope_open(WEFT_FOREVER);
    CHECK_DEADLINE(t0 + WEFT_MS(300));
    weft_scope *f = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_DEADLINE(NO_DEADLINE);
    CHECK_RC(weft_scope_close(f), WEFT_OK);
    CHECK_RC(weft_scope_close(e), WEFT_OK);
    CHECK_RC(weft_scope_close(d), WEFT_OK);
    CHECK_DEADLINE(t0 + WEFT_MS(50));
    weft_scope_set_deadline(b, t0 + WEFT_MS(20));
    CHECK_DEADLINE(t0 + WEFT_MS(20));
    weft_scope_set_deadline(b, WEFT_FOREVER);
    CHECK_DEADLINE(t0 + WEFT_MS(100));
    CHECK_RC(weft_scope_close(c), WEFT_OK);
    CHECK_RC(weft_scope_close(b), WEFT_OK);
    CHECK_DEADLINE(t0 + WEFT_MS(100));
    weft_scope_cancel(a);
    CHECK_DEADLINE(CANCELLED_DEADLINE);
    weft_scope *in = weft_scope_open(t0 + WEFT_MS(5));
    CHECK_DEADLINE(CANCELLED_DEADLINE); /* cancelled further out */
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    CHECK_DEADLINE(NO_DEADLINE);        /* the shield hides the cancellation */
    weft_scope_set_deadline(sh, t0 + WEFT_MS(7));
    CHECK_DEADLINE(t0 + WEFT_MS(7));
    weft_scope_cancel(sh);
    CHECK_DEADLINE(CANCELLED_DEADLINE);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_scope_close(in), WEFT_OK);
    CHECK_RC(weft_scope_close(a), WEFT_OK);
    CHECK_DEADLINE(NO_DEADLINE);
    return WEFT_OK;
}

static void test_cancel_effective_deadline_values(void)
{
    EXPECT_PASS(effective_deadline_prog, NULL);
}

static weft_time ed_t0;
static bool ed_group_cancelled;

static int ed_child(void *arg)
{
    (void)arg;
    if (ed_group_cancelled) {
        CHECK_DEADLINE(CANCELLED_DEADLINE);
        return WEFT_OK;
    }
    CHECK_DEADLINE(ed_t0 + WEFT_MS(70)); /* the host's scope around the group */
    weft_scope *s = weft_scope_open(ed_t0 + WEFT_MS(30));
    CHECK_DEADLINE(ed_t0 + WEFT_MS(30));
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    s = weft_scope_open(ed_t0 + WEFT_MS(90));
    CHECK_DEADLINE(ed_t0 + WEFT_MS(70));
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    s = weft_scope_open_shielded(ed_t0 + WEFT_MS(90));
    CHECK_DEADLINE(ed_t0 + WEFT_MS(90));
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    return WEFT_OK;
}

static int effective_deadline_children_prog(void *arg)
{
    (void)arg;
    ed_t0 = weft_now();
    ed_group_cancelled = false;
    weft_scope *outer = weft_scope_open(ed_t0 + WEFT_MS(70));
    weft_group *g = weft_group_open();
    /* a scope the host opens after the group is not the children's */
    weft_scope *body = weft_scope_open(ed_t0 + WEFT_MS(10));
    weft_spawn(g, ed_child, NULL, "a");
    weft_spawn(g, ed_child, NULL, "b");
    CHECK_DEADLINE(ed_t0 + WEFT_MS(10));
    CHECK_RC(weft_scope_close(body), WEFT_OK);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    /* children of a cancelled group see minus infinity */
    g = weft_group_open();
    weft_group_cancel(g);
    ed_group_cancelled = true;
    weft_spawn(g, ed_child, NULL, "c");
    CHECK_RC(weft_group_join(g), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_effective_deadline_inherited_by_children(void)
{
    EXPECT_PASS(effective_deadline_children_prog, NULL);
}

/* --------------------------------------------- 18. fail_after/TIMEOUT */

static int fail_after_times_out_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    weft_scope *fa = weft_fail_after(WEFT_MS(10));
    CHECK_RC(weft_sleep(WEFT_SEC(1)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    CHECK_RC(weft_scope_close(fa), WEFT_TIMEOUT);
    WEFT_ASSERT(weft_scope_cancel_called(fa));
    WEFT_ASSERT(weft_scope_cancelled_caught(fa));
    /* and one that finishes in time reports nothing */
    fa = weft_fail_after(WEFT_MS(10));
    CHECK_RC(weft_sleep(WEFT_MS(9)), WEFT_OK);
    CHECK_RC(weft_scope_close(fa), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_fail_after_times_out(void)
{
    EXPECT_PASS(fail_after_times_out_prog, NULL);
}

/* AnyIO fail_after_cancelled_before_deadline. */
static int fail_after_explicit_prog(void *arg)
{
    (void)arg;
    weft_scope *fa = weft_fail_after(WEFT_SEC(1));
    weft_scope_cancel(fa);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(fa), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(fa));
    return WEFT_OK;
}

static void test_cancel_fail_after_explicit_cancel_is_not_timeout(void)
{
    EXPECT_PASS(fail_after_explicit_prog, NULL);
}

/* AnyIO nested_fail_after: the outer scope is cancelled while the host
 * sleeps in an inner fail_after: no timeout. */
static int nested_fail_after_prog(void *arg)
{
    (void)arg;
    target = NULL;
    weft_group *g = weft_group_open();
    weft_scope *outer = target = weft_scope_open(WEFT_FOREVER);
    weft_scope *mid = weft_scope_open(WEFT_FOREVER);
    weft_spawn(g, killer_cancel, NULL, "killer");
    weft_time t0 = weft_now();
    weft_scope *fa = weft_fail_after(WEFT_SEC(1));
    CHECK_RC(weft_sleep(WEFT_SEC(2)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, 0);
    CHECK_RC(weft_scope_close(fa), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(fa));
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(mid), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancel_called(outer));
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_nested_fail_after_under_cancelled_outer_is_not_timeout(void)
{
    EXPECT_PASS(nested_fail_after_prog, NULL);
}

/* Even when the inner deadline has passed too: the outer scope catches the
 * cancellation, so the inner fail_after reports nothing. */
static int nested_fail_after_expired_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *fa = weft_fail_after(0);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(fa), WEFT_OK);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_cancel_nested_expired_fail_after_under_cancelled_outer_is_not_timeout(void)
{
    EXPECT_PASS(nested_fail_after_expired_prog, NULL);
}

/* AnyIO nested_shield: with a shield between the cancelled outer scope and
 * the fail_after, the fail_after times out. */
static int nested_shield_fail_after_prog(void *arg)
{
    (void)arg;
    target = NULL;
    weft_group *g = weft_group_open();
    weft_scope *outer = target = weft_scope_open(WEFT_FOREVER);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    weft_spawn(g, killer_cancel, NULL, "killer");
    weft_time t0 = weft_now();
    weft_scope *fa = weft_fail_after(WEFT_MS(200));
    CHECK_RC(weft_sleep(WEFT_SEC(2)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(200));
    WEFT_ASSERT(weft_scope_cancel_called(outer));
    CHECK_RC(weft_scope_close(fa), WEFT_TIMEOUT);
    CHECK_RC(weft_scope_close(sh), WEFT_OK);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_nested_fail_after_with_shield_times_out(void)
{
    EXPECT_PASS(nested_shield_fail_after_prog, NULL);
}

/* The move_on_after idiom of CONTRACT 4: the timeout is absorbed, an outer
 * cancellation still propagates. */
static int work_until_cancelled(void)
{
    for (;;) {
        int rc = weft_sleep(WEFT_MS(3));
        if (rc != WEFT_OK)
            return rc;
    }
}

static int move_on_after(weft_time d)
{
    weft_scope *s = weft_move_on_after(d);
    int rc = work_until_cancelled();
    if (weft_scope_close(s) != WEFT_OK)
        rc = WEFT_OK;
    return rc;
}

static int move_on_after_idiom_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    CHECK_RC(move_on_after(WEFT_MS(10)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(10));
    weft_scope *outer = weft_scope_open(t0 + WEFT_MS(20));
    CHECK_RC(move_on_after(WEFT_MS(100)), WEFT_CANCELLED);
    CHECK_ELAPSED(t0, WEFT_MS(20));
    CHECK_RC(weft_scope_close(outer), WEFT_TIMEOUT);
    return WEFT_OK;
}

static void test_cancel_move_on_after_idiom(void)
{
    EXPECT_PASS(move_on_after_idiom_prog, NULL);
}

/* ------------------------------------------- 19. negative delays */

static int negative_sleep_prog(void *arg)
{
    (void)arg;
    (void)weft_sleep(-WEFT_MS(1));
    weft_fail("weft_sleep(-1 ms) returned");
}

static void test_cancel_negative_sleep_is_misuse(void)
{
    CU_ASSERT(always_fails_with(negative_sleep_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "negative"));
}

static int negative_sleep_child(void *arg)
{
    (void)arg;
    (void)weft_sleep(-1);
    weft_fail("weft_sleep(-1 ns) returned");
}

/* One nanosecond below zero, in a child task, inside a cancelled scope:
 * still misuse (the argument is checked before anything else). */
static int negative_sleep_child_prog(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_group_cancel(g);
    weft_spawn(g, negative_sleep_child, NULL, "child");
    (void)weft_group_join(g);
    weft_fail("not reached: the child must have failed");
}

static void test_cancel_negative_sleep_in_cancelled_child_is_misuse(void)
{
    CU_ASSERT(always_fails_with(negative_sleep_child_prog, NULL, 50, WEFT_KIND_MISUSE,
                                "negative"));
}

/* ---------------------------------------------- WEFT_SCOPE_GUARD */

static int guard_helper(weft_time d1, weft_time d2, bool early)
{
    WEFT_SCOPE_GUARD(a, d1);
    WEFT_SCOPE_GUARD(b, d2);
    WEFT_ASSERT(!weft_scope_cancel_called(a) && !weft_scope_cancel_called(b));
    CHECK_DEADLINE(d1 < d2 ? d1 : d2);
    if (early)
        return 42;
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    return WEFT_OK;
}

static int guard_child(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    CHECK_RC(guard_helper(t0 + WEFT_MS(3), t0 + WEFT_MS(4), true), 42);
    return WEFT_OK; /* a leaked scope would be a violation here */
}

static int guard_early_return_prog(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    CHECK_RC(guard_helper(t0 + WEFT_MS(20), t0 + WEFT_MS(10), true), 42);
    CHECK_DEADLINE(NO_DEADLINE);
    CHECK_RC(guard_helper(t0 + WEFT_MS(10), t0 + WEFT_MS(20), false), WEFT_OK);
    CHECK_DEADLINE(NO_DEADLINE);
    /* nothing of the guarded scopes' deadlines is left */
    CHECK_RC(weft_sleep(WEFT_MS(50)), WEFT_OK);
    CHECK_ELAPSED(t0, WEFT_MS(50));
    /* LIFO with scopes opened around the helper */
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    CHECK_RC(guard_helper(WEFT_FOREVER, WEFT_FOREVER, true), 42);
    CHECK_RC(weft_scope_close(s), WEFT_OK);
    weft_group *g = weft_group_open();
    weft_spawn(g, guard_child, NULL, "child");
    CHECK_RC(weft_group_join(g), WEFT_OK);
    return WEFT_OK; /* a leaked scope would be a violation here */
}

static void test_cancel_scope_guard_closes_on_early_return(void)
{
    EXPECT_PASS(guard_early_return_prog, NULL);
}

static int guard_cancel_helper(void)
{
    WEFT_SCOPE_GUARD(s, WEFT_FOREVER);
    weft_scope_cancel(s);
    int rc = weft_checkpoint();
    if (rc != WEFT_OK)
        return rc;
    weft_fail("a checkpoint in a cancelled scope returned WEFT_OK");
}

static int guard_drops_cancel_prog(void *arg)
{
    (void)arg;
    CHECK_RC(guard_cancel_helper(), WEFT_CANCELLED);
    CHECK_DEADLINE(NO_DEADLINE);
    CHECK_RC(weft_checkpoint(), WEFT_OK); /* the guarded cancel did not leak */
    return WEFT_OK;
}

static void test_cancel_scope_guard_drops_cancel_on_return(void)
{
    EXPECT_PASS(guard_drops_cancel_prog, NULL);
}

static int guard_explicit_close_helper(void)
{
    WEFT_SCOPE_GUARD(s, weft_now());
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    return weft_scope_close(s); /* the guard then does nothing */
}

static int guard_explicit_close_prog(void *arg)
{
    (void)arg;
    CHECK_RC(guard_explicit_close_helper(), WEFT_TIMEOUT);
    CHECK_RC(weft_checkpoint(), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_scope_guard_after_explicit_close(void)
{
    EXPECT_PASS(guard_explicit_close_prog, NULL);
}

/* --------------------------------------------------------------- suite */

/* Which scope catches is decided when scopes close, as in Trio: the inner
 * scope delivered a cancellation, then the outer one was cancelled before
 * the inner closed; the cancellation propagates out of the inner scope and
 * the outer one catches it. */
static int catch_decided_at_close_prog(void *arg)
{
    (void)arg;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope *inner = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(inner);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    weft_scope_cancel(outer);
    CHECK_RC(weft_scope_close(inner), WEFT_OK);
    WEFT_ASSERT(!weft_scope_cancelled_caught(inner));
    CHECK_RC(weft_scope_close(outer), WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_cancelled_caught(outer));
    /* once caught, it is gone: a later outer cancel without a checkpoint
     * catches nothing */
    weft_scope *o2 = weft_scope_open(WEFT_FOREVER);
    weft_scope *i2 = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(i2);
    CHECK_RC(weft_checkpoint(), WEFT_CANCELLED);
    CHECK_RC(weft_scope_close(i2), WEFT_CANCELLED);
    weft_scope_cancel(o2);
    CHECK_RC(weft_scope_close(o2), WEFT_OK);
    return WEFT_OK;
}

static void test_cancel_catch_decided_at_close(void)
{
    EXPECT_PASS(catch_decided_at_close_prog, NULL);
}

static int negative_move_on_after_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_move_on_after(-1);
    weft_scope_close(s);
    return WEFT_OK;
}

static int negative_fail_after_prog(void *arg)
{
    (void)arg;
    weft_scope *s = weft_fail_after(WEFT_MS(-5));
    return weft_scope_close(s);
}

static void test_cancel_negative_timeout_is_misuse(void)
{
    CU_ASSERT(always_fails_with(negative_move_on_after_prog, NULL, 20, WEFT_KIND_MISUSE,
                                "weft_move_on_after: negative delay"));
    CU_ASSERT(always_fails_with(negative_fail_after_prog, NULL, 20, WEFT_KIND_MISUSE,
                                "weft_fail_after: negative delay"));
}

SUITE(cancel)
/* 1 */
ADD(test_cancel_checkpoint_is_scheduling_point)
ADD(test_cancel_checkpoint_schedules_even_when_cancelled)
ADD(test_cancel_checkpoint_sees_cancel_made_during_its_scheduling_point)
/* 2 */
ADD(test_cancel_sleep_zero_is_checkpoint)
ADD(test_cancel_sleep_until_past_is_checkpoint)
ADD(test_cancel_sleep_in_cancelled_scope_is_checkpoint)
ADD(test_cancel_wait_all_blocked_in_cancelled_scope_is_checkpoint)
/* 3 */
ADD(test_cancel_nonblocking_calls_never_yield)
ADD(test_cancel_nonblocking_calls_are_not_cancellation_points)
/* 4 */
ADD(test_cancel_shielded_checkpoint_only_schedules)
ADD(test_cancel_shielded_checkpoint_does_not_deliver)
ADD(test_cancel_yield_is_not_a_cancellation_point)
ADD(test_cancel_checkpoint_if_cancelled_does_not_yield)
ADD(test_cancel_checkpoint_if_cancelled_delivers)
/* 5 */
ADD(test_cancel_level_triggered)
ADD(test_cancel_level_triggered_outer_keeps_cancelling)
ADD(test_cancel_level_triggered_in_children)
/* 6 */
ADD(test_cancel_idempotent)
ADD(test_cancel_idempotent_from_several_tasks)
ADD(test_cancel_before_first_checkpoint_takes_effect_there)
ADD(test_cancel_close_twice_is_misuse)
ADD(test_cancel_close_out_of_order_is_misuse)
ADD(test_cancel_close_over_open_group_is_misuse)
ADD(test_cancel_close_from_another_task_is_misuse)
/* 7 */
ADD(test_cancel_from_another_task_wakes_blocked_sleep)
ADD(test_cancel_from_another_task_wakes_sleep_forever)
ADD(test_cancel_from_another_task_before_deadline_is_not_timeout)
ADD(test_cancel_host_cancels_child_scope)
/* 8 */
ADD(test_cancel_precancelled_group_child_runs_until_first_checkpoint)
ADD(test_cancel_precancelled_outer_scope_child_runs_until_first_checkpoint)
/* 9 */
ADD(test_cancel_nested_outermost_catches)
ADD(test_cancel_only_origin_scope_catches)
ADD(test_cancel_nested_shield_inner_catches)
ADD(test_cancel_nested_deadline_outermost_times_out)
ADD(test_cancel_child_scope_does_not_catch_inherited_cancel)
/* 10 */
ADD(test_cancel_after_last_checkpoint_not_caught)
ADD(test_cancel_from_another_task_after_close_not_caught)
ADD(test_cancel_pending_cancel_dropped_on_exit)
ADD(test_cancel_scope_cleared_after_close)
ADD(test_cancel_expired_deadline_without_checkpoint_not_caught)
/* 11 */
ADD(test_cancel_woken_sleeper_keeps_result)
ADD(test_cancel_cancelled_sleep_leaves_no_timer)
/* 12 */
ADD(test_cancel_shield_blocks_outer_cancel)
ADD(test_cancel_shield_blocks_outer_cancel_from_another_task)
ADD(test_cancel_shield_blocks_outer_deadline)
ADD(test_cancel_shielded_scope_own_cancel_applies)
ADD(test_cancel_shielded_move_on_after_times_out)
ADD(test_cancel_inner_scopes_inside_shield_apply)
ADD(test_cancel_shield_raised_later_blocks_outer_cancel)
ADD(test_cancel_aborted_wait_reports_cancel_despite_later_shield)
/* 13 */
ADD(test_cancel_unshield_wakes_blocked_call)
ADD(test_cancel_unshield_own_scope_delivers_at_next_checkpoint)
/* 14 */
ADD(test_cancel_host_shield_does_not_shield_children)
/* 15 */
ADD(test_cancel_deadline_now_cancels_at_next_checkpoint)
ADD(test_cancel_deadline_in_past_cancels_at_next_checkpoint)
ADD(test_cancel_set_deadline_into_past_cancels_at_next_checkpoint)
ADD(test_cancel_set_deadline_from_another_task_wakes_sleeper)
ADD(test_cancel_deadline_beats_sleep_at_same_instant)
/* 16 */
ADD(test_cancel_deadline_moved_earlier_from_inside)
ADD(test_cancel_deadline_moved_later_from_inside)
ADD(test_cancel_deadline_removed_from_inside)
ADD(test_cancel_closed_scope_deadline_no_longer_applies)
ADD(test_cancel_deadline_moved_by_another_task)
/* 17 */
ADD(test_cancel_effective_deadline_values)
ADD(test_cancel_effective_deadline_inherited_by_children)
/* 18 */
ADD(test_cancel_fail_after_times_out)
ADD(test_cancel_fail_after_explicit_cancel_is_not_timeout)
ADD(test_cancel_nested_fail_after_under_cancelled_outer_is_not_timeout)
ADD(test_cancel_nested_expired_fail_after_under_cancelled_outer_is_not_timeout)
ADD(test_cancel_nested_fail_after_with_shield_times_out)
ADD(test_cancel_move_on_after_idiom)
/* 19 */
ADD(test_cancel_negative_sleep_is_misuse)
ADD(test_cancel_negative_sleep_in_cancelled_child_is_misuse)
/* WEFT_SCOPE_GUARD */
ADD(test_cancel_scope_guard_closes_on_early_return)
ADD(test_cancel_scope_guard_drops_cancel_on_return)
ADD(test_cancel_scope_guard_after_explicit_close)
ADD(test_cancel_catch_decided_at_close)
ADD(test_cancel_negative_timeout_is_misuse)
END_SUITE
