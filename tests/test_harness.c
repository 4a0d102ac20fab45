/*
 * test_harness.c — weft_check, weft_replay and the explorer loop:
 * determinism (same seed, same schedule hash — pinned, so every build type
 * and every process must agree), replay of recorded traces, divergence,
 * deduplication, seed lists, time limits, injection, steady-state memory.
 */
#include <malloc.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scheduler/explore.h"
#include "scheduler/trace.h"
#include "testutil.h"

/* ---------------------------------------------------------- programs */

#include "lost_update.h"

/* A busier program: sleeps, scopes, a lock, an event, a stream. */
static weft_lock *mix_lock;
static weft_event *mix_event;

static int mixer(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < 3; i++) {
        weft_scope *s = weft_scope_open(weft_now() + WEFT_MS(5 + id));
        weft_sleep(WEFT_MS(id + i));
        weft_scope_close(s);
        if (weft_lock_acquire(mix_lock) == WEFT_OK) {
            weft_checkpoint();
            weft_lock_release(mix_lock);
        }
    }
    if (id == 3)
        weft_event_set(mix_event);
    else
        weft_event_wait(mix_event);
    return WEFT_OK;
}

static int busy(void *arg)
{
    (void)arg;
    mix_lock = weft_lock_new();
    mix_event = weft_event_new();
    weft_group *g = weft_group_open();
    for (intptr_t i = 0; i < 4; i++)
        weft_spawn(g, mixer, (void *)i, NULL);
    return weft_group_join(g);
}

static int two_tasks(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, bump, NULL, "a");
    weft_spawn(g, bump, NULL, "b");
    return weft_group_join(g);
}

static int three_tasks(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, bump, NULL, "a");
    weft_spawn(g, bump, NULL, "b");
    weft_spawn(g, bump, NULL, "c");
    return weft_group_join(g);
}

/* ---------------------------------------------------------- helpers */

static uint64_t hash_of(weft_task_fn fn, uint64_t seed, weft__outcome *oc)
{
    weft_options o = WEFT_OPTIONS_INIT;
    weft__strategy st;
    char err[128];
    CU_ASSERT_FATAL(weft__options_check(&o, &st, err, sizeof err) == 0);
    weft__trace rec;
    weft__trace_init(&rec);
    CU_ASSERT(weft__run_seed("t", fn, NULL, &o, &st, seed, &rec, oc) == 0);
    uint64_t h = weft__trace_hash(&rec);
    weft__trace_free(&rec);
    return h;
}

/* ------------------------------------------------------------ tests */

static void test_harness_same_seed_same_hash(void)
{
    weft__outcome a, b;
    for (uint64_t seed = 0; seed < 200; seed++) {
        CU_ASSERT_EQUAL(hash_of(busy, seed, &a), hash_of(busy, seed, &b));
        CU_ASSERT_EQUAL(a.steps, b.steps);
        CU_ASSERT_EQUAL(a.kind, WEFT_KIND_NONE);
    }
}

/* Pinned schedule identities: if a change moves these, it changed which
 * schedule a seed means, and every stored seed of every user with it. Such
 * a change must be deliberate (bump the trace format, update the pins). */
static void test_harness_pinned_hashes(void)
{
    weft__outcome oc;
    char hex[17];
    weft__hash_hex(hash_of(busy, 1, &oc), hex);
    CU_ASSERT_STRING_EQUAL(hex, "6ecf2fbf451452e2");
    CU_ASSERT_EQUAL(oc.steps, 44);
    weft__hash_hex(hash_of(lost_update, 7, &oc), hex);
    CU_ASSERT_STRING_EQUAL(hex, "2694e2ffc104603e");
    CU_ASSERT_EQUAL(oc.kind, WEFT_KIND_ASSERT);
}

static void test_harness_same_hash_in_another_process(void)
{
    weft__outcome oc;
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        uint64_t h = hash_of(busy, 12345, &oc);
        ssize_t w = write(fds[1], &h, sizeof h);
        _exit(w == sizeof h ? 0 : 1);
    }
    close(fds[1]);
    uint64_t theirs = 0;
    CU_ASSERT(read(fds[0], &theirs, sizeof theirs) == sizeof theirs);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL(theirs, hash_of(busy, 12345, &oc));
}

static void test_harness_different_seeds_explore_schedules(void)
{
    weft_report r;
    CU_ASSERT(run_seeds(busy, NULL, 300, true, &r) == 0);
    CU_ASSERT(r.distinct_schedules > 250);
    CU_ASSERT_EQUAL(r.executions, 300);
    weft_report_free(&r);
}

static void test_harness_replay_reproduces(void)
{
    weft_report r, again;
    CU_ASSERT_FATAL(run_seeds(lost_update, NULL, 1000, false, &r) == 1);
    weft_failure *f = &r.failures[0];
    CU_ASSERT_FATAL(f->trace != NULL);
    CU_ASSERT_EQUAL(weft_replay("t", lost_update, NULL, f->trace, f->trace_len, &again), 1);
    CU_ASSERT_EQUAL(again.n_failures, 1);
    CU_ASSERT_EQUAL(again.failures[0].signature, f->signature);
    CU_ASSERT_EQUAL(again.failures[0].trace_hash, f->trace_hash);
    CU_ASSERT_EQUAL(again.failures[0].steps, f->steps);
    weft_report_free(&again);
    weft_report_free(&r);
}

static void test_harness_replay_detects_divergence(void)
{
    weft__trace rec;
    weft__outcome oc;
    weft_options o = WEFT_OPTIONS_INIT;
    weft__strategy st;
    char err[128];
    weft__options_check(&o, &st, err, sizeof err);
    weft__trace_init(&rec);
    /* find a seed whose 3-task schedule picks task 3 at some point */
    uint64_t seed = 0;
    for (;; seed++) {
        weft__run_seed("t", three_tasks, NULL, &o, &st, seed, &rec, &oc);
        bool picks3 = false;
        for (size_t i = 0; i < rec.len; i++)
            picks3 |= rec.d[i].kind == WEFT__D_PICK && rec.d[i].value == 3;
        if (picks3)
            break;
    }
    uint8_t *buf;
    size_t len;
    CU_ASSERT_FATAL(weft__trace_encode(&rec, &buf, &len) == 0);
    weft_report r;
    FILE *devnull = fopen("/dev/null", "w");
    FILE *saved = stderr;
    stderr = devnull;
    int rc = weft_replay("t", two_tasks, NULL, buf, len, &r);
    stderr = saved;
    fclose(devnull);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT(r.diverged);
    weft_report_free(&r);
    free(buf);
    weft__trace_free(&rec);
}

static void test_harness_replay_rejects_other_test(void)
{
    weft_report r;
    CU_ASSERT_FATAL(run_seeds(lost_update, NULL, 1000, false, &r) == 1);
    FILE *devnull = fopen("/dev/null", "w");
    FILE *saved = stderr;
    stderr = devnull;
    CU_ASSERT_EQUAL(weft_replay("other", lost_update, NULL, r.failures[0].trace,
                                r.failures[0].trace_len, NULL), 2);
    CU_ASSERT_EQUAL(weft_replay("t", lost_update, NULL, (const uint8_t *)"junk", 4, NULL), 2);
    stderr = saved;
    fclose(devnull);
    weft_report_free(&r);
}

static void test_harness_keep_going_deduplicates(void)
{
    weft_report r;
    CU_ASSERT(run_seeds(lost_update, NULL, 2000, true, &r) == 1);
    CU_ASSERT_EQUAL(r.executions, 2000);
    CU_ASSERT_EQUAL(r.n_failures, 1);
    CU_ASSERT_EQUAL(r.failures[0].hits, r.failed_executions);
    CU_ASSERT(r.failed_executions > 500 && r.failed_executions < 1500);
    weft_report_free(&r);
}

static void test_harness_seed_list(void)
{
    static const uint64_t seeds[] = {7, 8, 9};
    weft_options o = WEFT_OPTIONS_INIT;
    o.seeds = seeds;
    o.n_seeds = 3;
    o.quiet = true;
    weft_report r;
    CU_ASSERT(weft_check("t", lost_update, NULL, &o, &r) == 1);
    CU_ASSERT_EQUAL(r.failures[0].seed, 7); /* seed 7 fails (pinned above) */
    CU_ASSERT_EQUAL(r.first_failure_execution, 0);
    weft_report_free(&r);
}

static void test_harness_bad_options(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    FILE *devnull = fopen("/dev/null", "w");
    FILE *saved = stderr;
    stderr = devnull;
    o.strategy = "nope";
    CU_ASSERT_EQUAL(weft_check("t", lost_update, NULL, &o, NULL), 2);
    o.strategy = "random";
    o.inject_rate = 2;
    CU_ASSERT_EQUAL(weft_check("t", lost_update, NULL, &o, NULL), 2);
    o.inject_rate = 0;
    o.n_seeds = 3;
    CU_ASSERT_EQUAL(weft_check("t", lost_update, NULL, &o, NULL), 2);
    stderr = saved;
    fclose(devnull);
}

static void test_harness_time_limit(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = UINT64_MAX;
    o.time_limit = 0.2;
    o.quiet = true;
    weft_report r;
    CU_ASSERT(weft_check("t", busy, NULL, &o, &r) == 0);
    CU_ASSERT(r.time_limited);
    CU_ASSERT(r.elapsed_s >= 0.2 && r.elapsed_s < 5);
    weft_report_free(&r);
}

static int inject_count;

static int injector(void *arg)
{
    (void)arg;
    inject_count = 0;
    for (int i = 0; i < 20; i++)
        if (weft_inject("site"))
            inject_count++;
    WEFT_ASSERT(inject_count < 20);
    return WEFT_OK;
}

static void test_harness_inject_rates_and_replay(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.quiet = true;
    o.iterations = 200;
    weft_report r;
    CU_ASSERT(weft_check("t", injector, NULL, &o, &r) == 0); /* rate 0: never */
    weft_report_free(&r);
    o.inject_rate = 1.0;
    o.iterations = 1;
    CU_ASSERT(weft_check("t", injector, NULL, &o, &r) == 1); /* rate 1: always */
    CU_ASSERT_FATAL(r.n_failures == 1);
    weft_report again;
    CU_ASSERT(weft_replay("t", injector, NULL, r.failures[0].trace, r.failures[0].trace_len,
                          &again) == 1);
    CU_ASSERT_EQUAL(again.failures[0].trace_hash, r.failures[0].trace_hash);
    weft_report_free(&again);
    weft_report_free(&r);
    o.inject_rate = 0.5;
    o.iterations = 300;
    o.stop_on_failure = false;
    CU_ASSERT(weft_check("t", injector, NULL, &o, &r) == 0);
    weft_report_free(&r);
}

static void test_harness_memory_steady(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.quiet = true;
    o.iterations = 2000;
    CU_ASSERT(weft_check("t", busy, NULL, &o, NULL) == 0);
    size_t before = mallinfo2().uordblks;
    o.seed = 2000;
    o.iterations = 20000;
    CU_ASSERT(weft_check("t", busy, NULL, &o, NULL) == 0);
    size_t after = mallinfo2().uordblks;
    CU_ASSERT(after <= before + 4096);
}

static void test_harness_json(void)
{
    weft_report r;
    CU_ASSERT(run_seeds(lost_update, NULL, 100, false, &r) == 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    weft_report_json(&r, f);
    fclose(f);
    CU_ASSERT(strstr(buf, "\"test\":\"t\"") != NULL);
    CU_ASSERT(strstr(buf, "\"failures\":[{\"kind\":\"assert\"") != NULL);
    CU_ASSERT(strstr(buf, "\"first_failure_execution\":") != NULL);
    CU_ASSERT(strstr(buf, "\"distinct_schedules\":") != NULL);
    CU_ASSERT(strstr(buf, "\"elapsed_s\":") != NULL);
    free(buf);
    weft_report_free(&r);
}

static void test_harness_outside_execution(void)
{
    CU_ASSERT_EQUAL(weft_now(), 0);
    CU_ASSERT_EQUAL(weft_task_id(), -1);
    CU_ASSERT_STRING_EQUAL(weft_strstatus(WEFT_CANCELLED),
                           "cancelled by an enclosing cancel scope");
    CU_ASSERT_STRING_EQUAL(weft_status_name(WEFT_TIMEOUT), "WEFT_TIMEOUT");
    CU_ASSERT_PTR_NULL(weft_status_name(42));
    CU_ASSERT_STRING_EQUAL(weft_kind_name(WEFT_KIND_DEADLOCK), "deadlock");
    CU_ASSERT_EQUAL(weft_kind_from_name("livelock"), WEFT_KIND_LIVELOCK);
    CU_ASSERT_EQUAL(weft_kind_from_name("bogus"), -1);
}

static int cu_fails(void *arg)
{
    (void)arg;
    return lost_update(NULL);
}

static void test_harness_cunit_assertion_reports_seed(void)
{
    /* The CUnit helper must fail the CUnit test with the seed; run it in a
     * child registry-free way: weft_cu_check records a CUnit failure, which
     * we count and then remove by running it in a fork. */
    pid_t pid = fork();
    if (pid == 0) {
        unsigned before = CU_get_number_of_failures();
        WEFT_CU_ASSERT_ITERATIONS(cu_fails, NULL, 1000);
        const CU_FailureRecord *f = CU_get_failure_list();
        while (f && f->pNext)
            f = f->pNext;
        bool ok = CU_get_number_of_failures() == before + 1 && f &&
                  strstr(f->strCondition, "seed 7") && strstr(f->strCondition, "WEFT_SEED=7");
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    WEFT_CU_ASSERT_SEEDS(lost_update, NULL, 0, 1, 2); /* these seeds pass */
}

SUITE(harness)
ADD(test_harness_same_seed_same_hash)
ADD(test_harness_pinned_hashes)
ADD(test_harness_same_hash_in_another_process)
ADD(test_harness_different_seeds_explore_schedules)
ADD(test_harness_replay_reproduces)
ADD(test_harness_replay_detects_divergence)
ADD(test_harness_replay_rejects_other_test)
ADD(test_harness_keep_going_deduplicates)
ADD(test_harness_seed_list)
ADD(test_harness_bad_options)
ADD(test_harness_time_limit)
ADD(test_harness_inject_rates_and_replay)
ADD(test_harness_memory_steady)
ADD(test_harness_json)
ADD(test_harness_outside_execution)
ADD(test_harness_cunit_assertion_reports_seed)
END_SUITE
