/*
 * test_group.c — task groups (SEMANTICS.md items 20–26 and 38) and the
 * failure kinds a group program can end with (CONTRACT.md sections 3 and 9).
 *
 * Every semantic test is a weft program that checks the behaviour from the
 * inside and must hold under every schedule (EXPECT_PASS runs SEEDS of
 * them). Shared state lives in statics that each program resets first: a
 * program runs many times in one process.
 */
#include "testutil.h"

#include <stdio.h>

/* Every one of SEEDS schedules passes, whatever WEFT_SEED/WEFT_ITERATIONS
 * say: for tests that also count what happened across the schedules. */
static bool all_pass(weft_task_fn fn, void *arg)
{
    weft_report r;
    int rc = run_seeds(fn, arg, SEEDS, false, &r);
    if (rc == 1 && r.n_failures)
        fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)r.failures[0].seed,
                r.failures[0].message);
    if (rc != 2)
        weft_report_free(&r);
    return rc == 0;
}

static const int code42 = 42, code43 = 43;

/* A child that fails at once with *arg, before any checkpoint. */
static int fail_now(void *arg)
{
    return *(const int *)arg;
}

/* A child that does nothing. */
static int noop(void *arg)
{
    (void)arg;
    return WEFT_OK;
}

/* A child that sleeps forever and records how and when it woke. */
typedef struct {
    int rc;
    weft_time woke;
} wake_rec;

static int sleep_forever(void *arg)
{
    wake_rec *w = arg;
    w->rc = weft_sleep(WEFT_FOREVER);
    w->woke = weft_now();
    return w->rc;
}

/* ===================================================== 20: join waits */

static int jw_done;
static const weft_time jw_delays[] = {0, WEFT_MS(3), WEFT_MS(1)};

static int jw_child(void *arg)
{
    int rc = weft_sleep(*(const weft_time *)arg);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_checkpoint();
    if (rc != WEFT_OK)
        return rc;
    jw_done++;
    return WEFT_OK;
}

static int prog_join_waits_for_all_children(void *arg)
{
    (void)arg;
    jw_done = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    for (size_t i = 0; i < sizeof jw_delays / sizeof jw_delays[0]; i++)
        weft_spawn(g, jw_child, (void *)&jw_delays[i], "child");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(jw_done == 3, "join returned with %d of 3 children done", jw_done);
    WEFT_ASSERT_MSG(weft_now() - t0 == WEFT_MS(3), "join returned after %lld ns",
                    (long long)(weft_now() - t0));
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    return WEFT_OK;
}

static void test_group_join_waits_for_all_children(void)
{
    EXPECT_PASS(prog_join_waits_for_all_children, NULL);
}

/* Children spawned (by a child) while the host already waits in join. */
static weft_group *late_group;
static int late_done;

static int late_grandchild(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(2));
    if (rc == WEFT_OK)
        late_done++;
    return rc;
}

static int late_spawner(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1)); /* the host is in join by now */
    if (rc != WEFT_OK)
        return rc;
    weft_spawn(late_group, late_grandchild, NULL, "late");
    late_done++;
    return WEFT_OK;
}

static int prog_join_waits_for_children_spawned_during_join(void *arg)
{
    (void)arg;
    late_done = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    late_group = g;
    weft_spawn(g, late_spawner, NULL, "spawner");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(late_done == 2, "join returned with late_done %d", late_done);
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(3));
    return WEFT_OK;
}

static void test_group_join_waits_for_children_spawned_during_join(void)
{
    EXPECT_PASS(prog_join_waits_for_children_spawned_during_join, NULL);
}

/* ============================= 20: children inherit the group's scopes */

static wake_rec inh_rec;
static weft_time inh_eff;

static int inh_child(void *arg)
{
    (void)arg;
    inh_eff = weft_effective_deadline();
    return sleep_forever(&inh_rec);
}

/* A deadline of a scope around the group reaches its children. */
static int prog_children_inherit_scopes_of_group_open(void *arg)
{
    (void)arg;
    inh_rec = (wake_rec){99, 0};
    inh_eff = 0;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(5));
    weft_group *g = weft_group_open();
    weft_spawn(g, inh_child, NULL, "child");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(inh_eff == t0 + WEFT_MS(5),
                    "child's effective deadline is t0%+lld ns, expected t0+5ms",
                    (long long)(inh_eff - t0));
    WEFT_ASSERT_MSG(inh_rec.rc == WEFT_CANCELLED, "child's sleep returned %d", inh_rec.rc);
    WEFT_ASSERT(inh_rec.woke - t0 == WEFT_MS(5));
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "join returned %d", rc);
    int crc = weft_scope_close(s);
    WEFT_ASSERT_MSG(crc == WEFT_TIMEOUT, "scope close returned %d", crc);
    return WEFT_OK;
}

static void test_group_children_inherit_scopes_of_group_open(void)
{
    EXPECT_PASS(prog_children_inherit_scopes_of_group_open, NULL);
}

/* The host spawns from inside a cancelled inner scope: the child runs in
 * the group's scopes, not in the spawner's. */
static int ni_rc1, ni_rc2;
static weft_time ni_eff;

static int ni_child(void *arg)
{
    (void)arg;
    ni_eff = weft_effective_deadline();
    ni_rc1 = weft_checkpoint();
    ni_rc2 = weft_sleep(WEFT_MS(1));
    return WEFT_OK;
}

static int prog_children_do_not_inherit_spawner_scopes(void *arg)
{
    (void)arg;
    ni_rc1 = ni_rc2 = 99;
    ni_eff = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_scope *inner = weft_scope_open(t0 + WEFT_MS(50));
    weft_scope_cancel(inner);
    weft_spawn(g, ni_child, NULL, "child");
    int rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "host's checkpoint in its cancelled scope returned %d", rc);
    rc = weft_scope_close(inner);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "inner scope close returned %d", rc);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(ni_rc1 == WEFT_OK, "child's checkpoint returned %d", ni_rc1);
    WEFT_ASSERT_MSG(ni_rc2 == WEFT_OK, "child's sleep returned %d", ni_rc2);
    WEFT_ASSERT_MSG(ni_eff == WEFT_FOREVER, "child's effective deadline is %lld",
                    (long long)ni_eff);
    return WEFT_OK;
}

static void test_group_children_do_not_inherit_spawner_scopes(void)
{
    EXPECT_PASS(prog_children_do_not_inherit_spawner_scopes, NULL);
}

/* A child spawns a sibling from inside its own cancelled scope. */
static weft_group *sib_group;
static int sib_rc;

static int sib_second(void *arg)
{
    (void)arg;
    sib_rc = weft_sleep(WEFT_MS(1));
    return WEFT_OK;
}

static int sib_first(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    weft_spawn(sib_group, sib_second, NULL, "second");
    int rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_scope_close(s);
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_child_spawned_by_sibling_gets_group_scopes(void *arg)
{
    (void)arg;
    sib_rc = 99;
    weft_group *g = weft_group_open();
    sib_group = g;
    weft_spawn(g, sib_first, NULL, "first");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(sib_rc == WEFT_OK, "the sibling's sleep returned %d", sib_rc);
    return WEFT_OK;
}

static void test_group_child_spawned_by_sibling_gets_group_scopes(void)
{
    EXPECT_PASS(prog_child_spawned_by_sibling_gets_group_scopes, NULL);
}

/* ============================================== 21: a failing child */

static wake_rec fc_sib[2];

static int fail_after_1ms(void *arg)
{
    int rc = weft_sleep(WEFT_MS(1));
    if (rc != WEFT_OK)
        return rc;
    return *(const int *)arg;
}

static int prog_failing_child_cancels_siblings_and_host(void *arg)
{
    (void)arg;
    fc_sib[0] = fc_sib[1] = (wake_rec){99, 0};
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_spawn(g, sleep_forever, &fc_sib[0], "sibling 0");
    weft_spawn(g, fail_after_1ms, (void *)&code42, "failing");
    weft_spawn(g, sleep_forever, &fc_sib[1], "sibling 1");
    int hrc = weft_sleep(WEFT_SEC(10));
    WEFT_ASSERT_MSG(hrc == WEFT_CANCELLED, "host's sleep in the body returned %d", hrc);
    WEFT_ASSERT_MSG(weft_now() - t0 == WEFT_MS(1), "host's sleep returned after %lld ns",
                    (long long)(weft_now() - t0));
    WEFT_ASSERT(weft_group_cancel_called(g));
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == 42, "join returned %d, expected 42", rc);
    for (int i = 0; i < 2; i++) {
        WEFT_ASSERT_MSG(fc_sib[i].rc == WEFT_CANCELLED, "sibling %d's sleep returned %d", i,
                        fc_sib[i].rc);
        WEFT_ASSERT_MSG(fc_sib[i].woke - t0 == WEFT_MS(1), "sibling %d woke after %lld ns", i,
                        (long long)(fc_sib[i].woke - t0));
    }
    int codes[4] = {0};
    size_t n = weft_group_failures(g, codes, 4);
    WEFT_ASSERT_MSG(n == 1 && codes[0] == 42, "failures: %zu, first %d", n, codes[0]);
    /* The group's scope absorbed its own cancellation. */
    rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_OK, "checkpoint after join returned %d", rc);
    return WEFT_OK;
}

static void test_group_failing_child_cancels_siblings_and_host(void)
{
    EXPECT_PASS(prog_failing_child_cancels_siblings_and_host, NULL);
}

/* Two children fail at once: both codes are kept; join returns the first. */
static int prog_failures_keeps_every_code(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, fail_now, (void *)&code42, "fail 42");
    weft_spawn(g, fail_now, (void *)&code43, "fail 43");
    int rc = weft_group_join(g);
    int codes[4] = {0};
    size_t n = weft_group_failures(g, codes, 4);
    WEFT_ASSERT_MSG(n == 2, "%zu failures kept, expected 2", n);
    WEFT_ASSERT_MSG((codes[0] == 42 && codes[1] == 43) || (codes[0] == 43 && codes[1] == 42),
                    "codes %d, %d", codes[0], codes[1]);
    WEFT_ASSERT_MSG(rc == codes[0], "join returned %d, first failure %d", rc, codes[0]);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 2);
    int one[2] = {0, -100};
    WEFT_ASSERT(weft_group_failures(g, one, 1) == 2);
    WEFT_ASSERT(one[0] == codes[0] && one[1] == -100);
    return WEFT_OK;
}

static void test_group_failures_keeps_every_code(void)
{
    EXPECT_PASS(prog_failures_keeps_every_code, NULL);
}

/* A sibling that fails while unwinding from the first failure's
 * cancellation: its failure is kept too, after the first. */
static int fail_when_cancelled(void *arg)
{
    int rc = weft_sleep(WEFT_FOREVER);
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    return *(const int *)arg;
}

static int prog_failure_while_unwinding_is_kept(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, fail_when_cancelled, (void *)&code43, "unwinds into 43");
    weft_spawn(g, fail_after_1ms, (void *)&code42, "fails 42");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == 42, "join returned %d", rc);
    int codes[4] = {0};
    size_t n = weft_group_failures(g, codes, 4);
    WEFT_ASSERT_MSG(n == 2 && codes[0] == 42 && codes[1] == 43, "failures %zu: %d, %d", n,
                    codes[0], codes[1]);
    return WEFT_OK;
}

static void test_group_failure_while_unwinding_is_kept(void)
{
    EXPECT_PASS(prog_failure_while_unwinding_is_kept, NULL);
}

/* Cancellations absorbed by the children's own scopes, or a child giving up
 * with WEFT_CANCELLED, are not failures: nothing else is cancelled. */
static int ab_survived;

static int ab_absorbs(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(weft_now() + WEFT_MS(1));
    int rc = weft_sleep(WEFT_FOREVER);
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_scope_close(s);
    WEFT_ASSERT(rc == WEFT_TIMEOUT);
    return WEFT_OK;
}

static int ab_returns_cancelled(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    int rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_close(s) == WEFT_CANCELLED);
    return rc;
}

static int ab_survivor(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(5));
    ab_survived = rc == WEFT_OK;
    return rc;
}

static int prog_absorbed_cancellation_is_not_failure(void *arg)
{
    (void)arg;
    ab_survived = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_spawn(g, ab_absorbs, NULL, "absorbs");
    weft_spawn(g, ab_returns_cancelled, NULL, "returns cancelled");
    weft_spawn(g, ab_survivor, NULL, "survivor");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    WEFT_ASSERT(!weft_group_cancel_called(g));
    WEFT_ASSERT_MSG(ab_survived, "the survivor was cancelled");
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(5));
    return WEFT_OK;
}

static void test_group_absorbed_cancellation_is_not_failure(void)
{
    EXPECT_PASS(prog_absorbed_cancellation_is_not_failure, NULL);
}

/* A failure in an inner group is absorbed by that group: the host, having
 * received it from join, goes on; the outer group is not cancelled. */
static int ig_outer_rc;

static int ig_outer_child(void *arg)
{
    (void)arg;
    ig_outer_rc = weft_sleep(WEFT_MS(3));
    return ig_outer_rc;
}

static int prog_inner_group_failure_does_not_cancel_outer(void *arg)
{
    (void)arg;
    ig_outer_rc = 99;
    weft_group *outer = weft_group_open();
    weft_spawn(outer, ig_outer_child, NULL, "outer child");
    weft_group *inner = weft_group_open();
    weft_spawn(inner, fail_after_1ms, (void *)&code42, "inner failing");
    int rc = weft_group_join(inner);
    WEFT_ASSERT_MSG(rc == 42, "inner join returned %d", rc);
    rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_OK, "checkpoint after inner join returned %d", rc);
    WEFT_ASSERT(!weft_group_cancel_called(outer));
    rc = weft_group_join(outer);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "outer join returned %d", rc);
    WEFT_ASSERT_MSG(ig_outer_rc == WEFT_OK, "outer child's sleep returned %d", ig_outer_rc);
    return WEFT_OK;
}

static void test_group_inner_group_failure_does_not_cancel_outer(void)
{
    EXPECT_PASS(prog_inner_group_failure_does_not_cancel_outer, NULL);
}

/* ============================= 22: group cancelled while host in join */

static weft_group *cj_group;
static int cj_done, cj_in_join;
static int cj_rc[2];

static int cj_worker(void *arg)
{
    int *out = arg;
    *out = weft_sleep(WEFT_FOREVER);
    /* Cleanup that takes time: the host must keep waiting for it. */
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    int rc = weft_sleep(WEFT_MS(2));
    weft_scope_close(sh);
    WEFT_ASSERT(rc == WEFT_OK);
    cj_done++;
    return *out;
}

static int cj_canceller(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(cj_in_join);
    weft_group_cancel(cj_group);
    return WEFT_OK;
}

static int prog_cancel_while_host_joins(void *arg)
{
    (void)arg;
    cj_done = cj_in_join = 0;
    cj_rc[0] = cj_rc[1] = 99;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    cj_group = g;
    weft_spawn(g, cj_worker, &cj_rc[0], "worker 0");
    weft_spawn(g, cj_worker, &cj_rc[1], "worker 1");
    weft_spawn(g, cj_canceller, NULL, "canceller");
    cj_in_join = 1;
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(cj_done == 2, "join returned with %d of 2 workers done", cj_done);
    WEFT_ASSERT_MSG(weft_now() - t0 == WEFT_MS(3), "join returned after %lld ns",
                    (long long)(weft_now() - t0));
    WEFT_ASSERT(cj_rc[0] == WEFT_CANCELLED && cj_rc[1] == WEFT_CANCELLED);
    WEFT_ASSERT(weft_group_cancel_called(g));
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    return WEFT_OK;
}

static void test_group_cancel_while_host_joins(void)
{
    EXPECT_PASS(prog_cancel_while_host_joins, NULL);
}

/* weft_group_cancel from the host: children cancelled, join returns OK. */
static int prog_group_cancel_join_returns_ok(void *arg)
{
    (void)arg;
    static wake_rec rec[2];
    rec[0] = rec[1] = (wake_rec){99, 0};
    weft_group *g = weft_group_open();
    weft_spawn(g, sleep_forever, &rec[0], "a");
    weft_spawn(g, sleep_forever, &rec[1], "b");
    int rc = weft_checkpoint(); /* let them block (in some schedules) */
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(!weft_group_cancel_called(g));
    weft_group_cancel(g);
    WEFT_ASSERT(weft_group_cancel_called(g));
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join after weft_group_cancel returned %d", rc);
    WEFT_ASSERT(rec[0].rc == WEFT_CANCELLED && rec[1].rc == WEFT_CANCELLED);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    return WEFT_OK;
}

static void test_group_cancel_join_returns_ok(void)
{
    EXPECT_PASS(prog_group_cancel_join_returns_ok, NULL);
}

/* ============================== 24: outer cancellation during join */

static int oc_done;
static int oc_rc;

static int oc_child(void *arg)
{
    (void)arg;
    oc_rc = weft_sleep(WEFT_FOREVER);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    int rc = weft_sleep(WEFT_MS(2));
    weft_scope_close(sh);
    WEFT_ASSERT(rc == WEFT_OK);
    oc_done = 1;
    return oc_rc;
}

/* The deadline of a scope around the group expires while the host joins. */
static int prog_outer_deadline_during_join_still_waits(void *arg)
{
    (void)arg;
    oc_done = 0;
    oc_rc = 99;
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(1));
    weft_group *g = weft_group_open();
    weft_spawn(g, oc_child, NULL, "child");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(oc_done, "join returned before the child finished");
    WEFT_ASSERT_MSG(weft_now() - t0 == WEFT_MS(3), "join returned after %lld ns",
                    (long long)(weft_now() - t0));
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "join returned %d", rc);
    WEFT_ASSERT(oc_rc == WEFT_CANCELLED);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_TIMEOUT, "scope close returned %d", rc);
    return WEFT_OK;
}

static void test_group_outer_deadline_during_join_still_waits(void)
{
    EXPECT_PASS(prog_outer_deadline_during_join_still_waits, NULL);
}

/* An explicit cancel of a scope around the group, from a task of an outer
 * group, while the host joins. */
static weft_scope *ocx_scope;

static int ocx_canceller(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT_MSG(rc == WEFT_OK, "the outer canceller was cancelled (%d)", rc);
    weft_scope_cancel(ocx_scope);
    return WEFT_OK;
}

static int prog_outer_cancel_during_join_still_waits(void *arg)
{
    (void)arg;
    oc_done = 0;
    oc_rc = 99;
    weft_time t0 = weft_now();
    weft_group *outer = weft_group_open();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    ocx_scope = s;
    weft_group *g = weft_group_open();
    weft_spawn(g, oc_child, NULL, "child");
    weft_spawn(outer, ocx_canceller, NULL, "canceller");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(oc_done, "join returned before the child finished");
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(3));
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "join returned %d", rc);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "scope close returned %d", rc);
    rc = weft_group_join(outer);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "outer join returned %d", rc);
    return WEFT_OK;
}

static void test_group_outer_cancel_during_join_still_waits(void)
{
    EXPECT_PASS(prog_outer_cancel_during_join_still_waits, NULL);
}

/* ========================================= 24: join is a checkpoint */

static int prog_empty_join_in_cancelled_scope(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    weft_group *g = weft_group_open();
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "empty join in a cancelled scope returned %d", rc);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "scope close returned %d (the join's cancel not caught)",
                    rc);
    return WEFT_OK;
}

static void test_group_empty_join_in_cancelled_scope(void)
{
    EXPECT_PASS(prog_empty_join_in_cancelled_scope, NULL);
}

/* An empty join is a scheduling point: a runnable sibling task in an outer
 * group may run during it (in some schedule). */
static int ey_flag;
static unsigned ey_ran;

static int ey_set_flag(void *arg)
{
    (void)arg;
    ey_flag = 1;
    return WEFT_OK;
}

static int prog_empty_join_is_scheduling_point(void *arg)
{
    (void)arg;
    ey_flag = 0;
    weft_group *outer = weft_group_open();
    weft_spawn(outer, ey_set_flag, NULL, "sibling");
    weft_group *g = weft_group_open();
    WEFT_ASSERT(ey_flag == 0);
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "empty join returned %d", rc);
    if (ey_flag)
        ey_ran++;
    rc = weft_group_join(outer);
    WEFT_ASSERT(rc == WEFT_OK && ey_flag == 1);
    return WEFT_OK;
}

static void test_group_empty_join_is_scheduling_point(void)
{
    ey_ran = 0;
    CU_ASSERT(all_pass(prog_empty_join_is_scheduling_point, NULL));
    CU_ASSERT(ey_ran > 0); /* the sibling ran during the empty join */
}

/* ======================================== 23: spawning into a joined */

static int prog_spawn_into_joined_group(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, noop, NULL, "first");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    weft_spawn(g, noop, NULL, "too late");
    return WEFT_OK;
}

static void test_group_spawn_into_joined_group_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_spawn_into_joined_group, NULL, 50, WEFT_KIND_MISUSE,
                                "already joined"));
}

static int prog_start_into_joined_group(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    weft_start(g, noop, NULL, "too late", NULL);
    return WEFT_OK;
}

static void test_group_start_into_joined_group_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_start_into_joined_group, NULL, 50, WEFT_KIND_MISUSE,
                                "already joined"));
}

/* A child of the host's outer group tries to join the host's inner group. */
static int nh_joiner(void *arg)
{
    weft_group_join((weft_group *)arg);
    return WEFT_OK;
}

static int prog_join_from_non_host(void *arg)
{
    (void)arg;
    weft_group *outer = weft_group_open();
    weft_group *g = weft_group_open();
    weft_spawn(outer, nh_joiner, g, "joiner");
    weft_sleep(WEFT_MS(1)); /* the joiner runs before this returns */
    weft_group_join(g);
    weft_group_join(outer);
    return WEFT_OK;
}

static void test_group_join_from_non_host_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_join_from_non_host, NULL, 50, WEFT_KIND_MISUSE,
                                "other than its host"));
}

/* ============================================= 25: start / started */

static int st_token;
static int st_before, st_after;

static int st_child(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint();
    if (rc != WEFT_OK)
        return rc;
    st_before = 1;
    weft_started(&st_token);
    rc = weft_sleep(WEFT_MS(1));
    st_after = 1;
    return rc;
}

static int prog_start_returns_started_value(void *arg)
{
    (void)arg;
    st_before = st_after = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    void *v = NULL;
    int rc = weft_start(g, st_child, NULL, "service", &v);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "weft_start returned %d", rc);
    WEFT_ASSERT_MSG(v == &st_token, "weft_start gave %p, expected %p", v, (void *)&st_token);
    WEFT_ASSERT_MSG(st_before == 1, "weft_start returned before the child called started");
    WEFT_ASSERT_MSG(st_after == 0, "weft_start waited for the child to finish");
    WEFT_ASSERT(weft_now() == t0);
    /* A NULL started_value is allowed. */
    rc = weft_start(g, st_child, NULL, "service 2", NULL);
    WEFT_ASSERT(rc == WEFT_OK);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(st_after == 1);
    return WEFT_OK;
}

static void test_group_start_returns_started_value(void)
{
    EXPECT_PASS(prog_start_returns_started_value, NULL);
}

/* A failure before weft_started comes out of weft_start, not the group. */
static int sb_sib_ok;

static int sb_sibling(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(2));
    sb_sib_ok = rc == WEFT_OK;
    return rc;
}

static int sb_child(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint();
    if (rc != WEFT_OK)
        return rc;
    return 42;
}

static int prog_start_failure_before_started(void *arg)
{
    (void)arg;
    sb_sib_ok = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, sb_sibling, NULL, "sibling");
    int rc = weft_start(g, sb_child, NULL, "fails early", NULL);
    WEFT_ASSERT_MSG(rc == 42, "weft_start returned %d, expected the child's 42", rc);
    WEFT_ASSERT_MSG(!weft_group_cancel_called(g), "the early failure cancelled the group");
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    WEFT_ASSERT_MSG(sb_sib_ok, "the sibling was cancelled");
    return WEFT_OK;
}

static void test_group_start_failure_before_started(void)
{
    EXPECT_PASS(prog_start_failure_before_started, NULL);
}

/* A failure after weft_started goes to the group. */
static wake_rec sa_sib;

static int sa_child(void *arg)
{
    (void)arg;
    weft_started(NULL);
    int rc = weft_sleep(WEFT_MS(1));
    if (rc != WEFT_OK)
        return rc;
    return 42;
}

static int prog_start_failure_after_started(void *arg)
{
    (void)arg;
    sa_sib = (wake_rec){99, 0};
    weft_group *g = weft_group_open();
    weft_spawn(g, sleep_forever, &sa_sib, "sibling");
    int rc = weft_start(g, sa_child, NULL, "fails late", NULL);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "weft_start returned %d", rc);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == 42, "join returned %d, expected 42", rc);
    int codes[2] = {0};
    WEFT_ASSERT(weft_group_failures(g, codes, 2) == 1 && codes[0] == 42);
    WEFT_ASSERT_MSG(sa_sib.rc == WEFT_CANCELLED, "sibling's sleep returned %d", sa_sib.rc);
    return WEFT_OK;
}

static void test_group_start_failure_after_started(void)
{
    EXPECT_PASS(prog_start_failure_after_started, NULL);
}

/* Once started, the child runs in the group's scopes: cancelling the scope
 * that was around weft_start no longer reaches it. */
static int mv_rc;

static int mv_child(void *arg)
{
    (void)arg;
    weft_started(NULL);
    mv_rc = weft_sleep(WEFT_MS(1));
    return mv_rc;
}

static int prog_started_child_runs_in_group_scopes(void *arg)
{
    (void)arg;
    mv_rc = 99;
    weft_group *g = weft_group_open();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    int rc = weft_start(g, mv_child, NULL, "child", NULL);
    WEFT_ASSERT(rc == WEFT_OK);
    weft_scope_cancel(s);
    rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_scope_close(s);
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(mv_rc == WEFT_OK, "started child's sleep returned %d", mv_rc);
    return WEFT_OK;
}

static void test_group_started_child_runs_in_group_scopes(void)
{
    EXPECT_PASS(prog_started_child_runs_in_group_scopes, NULL);
}

static int no_started_child(void *arg)
{
    (void)arg;
    weft_checkpoint();
    return WEFT_OK;
}

static int prog_start_ok_without_started(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_start(g, no_started_child, NULL, "never started", NULL);
    weft_group_join(g);
    return WEFT_OK;
}

static void test_group_start_ok_without_started_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_start_ok_without_started, NULL, 50, WEFT_KIND_MISUSE,
                                "without calling weft_started"));
}

static int twice_child(void *arg)
{
    (void)arg;
    weft_started(NULL);
    weft_started(NULL);
    return WEFT_OK;
}

static int prog_started_twice(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_start(g, twice_child, NULL, "twice", NULL);
    weft_group_join(g);
    return WEFT_OK;
}

static void test_group_started_twice_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_started_twice, NULL, 50, WEFT_KIND_MISUSE, "twice"));
}

/* weft_started in a spawned task does nothing (calling it twice too). */
static int sp_token, sp_done;

static int spawned_calls_started(void *arg)
{
    (void)arg;
    weft_started(&sp_token);
    int rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_OK);
    weft_started(&sp_token);
    sp_done = 1;
    return WEFT_OK;
}

static int prog_started_in_spawned_task(void *arg)
{
    (void)arg;
    sp_done = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, spawned_calls_started, NULL, "spawned");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(sp_done == 1);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    return WEFT_OK;
}

static void test_group_started_in_spawned_task_does_nothing(void)
{
    EXPECT_PASS(prog_started_in_spawned_task, NULL);
}

/* Cancelling the scope around a waiting weft_start cancels the child being
 * started, not the group: the other children keep running. */
static wake_rec cw_child_rec;
static int cw_sib_ok;

static int cw_child(void *arg)
{
    (void)arg;
    return sleep_forever(&cw_child_rec); /* never gets to weft_started */
}

static int cw_sibling(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(5));
    cw_sib_ok = rc == WEFT_OK;
    return rc;
}

static int prog_cancel_waiting_start(void *arg)
{
    (void)arg;
    cw_child_rec = (wake_rec){99, 0};
    cw_sib_ok = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_spawn(g, cw_sibling, NULL, "sibling");
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(1));
    int rc = weft_start(g, cw_child, NULL, "slow starter", NULL);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "weft_start returned %d", rc);
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(1));
    WEFT_ASSERT_MSG(cw_child_rec.rc == WEFT_CANCELLED, "the child's sleep returned %d",
                    cw_child_rec.rc);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_TIMEOUT, "scope close returned %d", rc);
    WEFT_ASSERT_MSG(!weft_group_cancel_called(g), "the group was cancelled");
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 0);
    WEFT_ASSERT_MSG(cw_sib_ok, "the sibling was cancelled");
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(5));
    return WEFT_OK;
}

static void test_group_cancel_waiting_start_cancels_child_not_group(void)
{
    EXPECT_PASS(prog_cancel_waiting_start, NULL);
}

/* ====================================== 26: when spawned children run */

static int sp_ran;

static int sp_grandchild(void *arg)
{
    (void)arg;
    sp_ran++;
    return WEFT_OK;
}

static int sp_child(void *arg)
{
    weft_group *g = arg;
    sp_ran++;
    int before = sp_ran;
    weft_spawn(g, sp_grandchild, NULL, "grandchild");
    WEFT_ASSERT(sp_ran == before); /* not yet */
    return WEFT_OK;
}

static int prog_spawned_children_wait_for_scheduling_point(void *arg)
{
    (void)arg;
    sp_ran = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, sp_child, g, "a");
    weft_spawn(g, sp_child, g, "b");
    WEFT_ASSERT(sp_ran == 0);
    /* Calls that are not scheduling points. */
    (void)weft_now();
    (void)weft_group_cancel_called(g);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    WEFT_ASSERT(weft_scope_close(s) == WEFT_OK);
    WEFT_ASSERT(weft_checkpoint_if_cancelled() == WEFT_OK);
    WEFT_ASSERT_MSG(sp_ran == 0, "a child ran before the spawner reached a scheduling point");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(sp_ran == 4);
    return WEFT_OK;
}

static void test_group_spawned_children_wait_for_scheduling_point(void)
{
    EXPECT_PASS(prog_spawned_children_wait_for_scheduling_point, NULL);
}

static int ord_first;
static unsigned ord_a_first, ord_b_first;

static int ord_child(void *arg)
{
    if (!ord_first)
        ord_first = *(const int *)arg;
    return WEFT_OK;
}

static int prog_children_order_is_scheduler_decision(void *arg)
{
    (void)arg;
    static const int a = 1, b = 2;
    ord_first = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, ord_child, (void *)&a, "a");
    weft_spawn(g, ord_child, (void *)&b, "b");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK && ord_first != 0);
    if (ord_first == a)
        ord_a_first++;
    else
        ord_b_first++;
    return WEFT_OK;
}

static void test_group_children_order_is_scheduler_decision(void)
{
    ord_a_first = ord_b_first = 0;
    CU_ASSERT(all_pass(prog_children_order_is_scheduler_decision, NULL));
    CU_ASSERT(ord_a_first > 0);
    CU_ASSERT(ord_b_first > 0);
}

/* ================================ 38: the body is in the group's scope */

static int prog_group_cancel_cancels_host_body(void *arg)
{
    (void)arg;
    static wake_rec rec;
    rec = (wake_rec){99, 0};
    weft_time t0 = weft_now();
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, sleep_forever, &rec, "child");
    WEFT_ASSERT(weft_checkpoint_if_cancelled() == WEFT_OK);
    weft_group_cancel(g);
    int rc = weft_checkpoint_if_cancelled();
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "body checkpoint after weft_group_cancel returned %d", rc);
    rc = weft_sleep(WEFT_SEC(1));
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "body sleep returned %d", rc);
    WEFT_ASSERT(weft_now() == t0);
    WEFT_ASSERT(weft_effective_deadline() == INT64_MIN);
    /* A scope opened in the body: the cancellation is the group's. */
    weft_scope *in = weft_scope_open(WEFT_FOREVER);
    rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_scope_close(in);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "a body scope closed with %d: it caught the group's cancel", rc);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT(rec.rc == WEFT_CANCELLED);
    /* Absorbed by the group's scope: nothing outside it is cancelled. */
    rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_OK, "checkpoint after join returned %d", rc);
    WEFT_ASSERT(!weft_scope_cancel_called(outer));
    rc = weft_scope_close(outer);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "outer scope close returned %d", rc);
    return WEFT_OK;
}

static void test_group_cancel_cancels_host_body(void)
{
    EXPECT_PASS(prog_group_cancel_cancels_host_body, NULL);
}

/* A failing child cancels the host's body at its next checkpoint (here
 * after a shielded sleep, during which the child failed). */
static int prog_failing_child_cancels_body_at_next_checkpoint(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, fail_now, (void *)&code42, "failing");
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT_MSG(rc == WEFT_OK, "shielded sleep returned %d", rc);
    WEFT_ASSERT(weft_scope_close(sh) == WEFT_OK);
    WEFT_ASSERT_MSG(weft_group_cancel_called(g), "the failure did not cancel the group");
    rc = weft_checkpoint_if_cancelled();
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "body checkpoint returned %d", rc);
    rc = weft_checkpoint(); /* level-triggered */
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "second body checkpoint returned %d", rc);
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == 42, "join returned %d", rc);
    rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_OK, "checkpoint after join returned %d", rc);
    return WEFT_OK;
}

static void test_group_failing_child_cancels_body_at_next_checkpoint(void)
{
    EXPECT_PASS(prog_failing_child_cancels_body_at_next_checkpoint, NULL);
}

/* ======================== 20/21/24: more on scopes around the group */

/* A shielded scope around the group shields its children too. */
static int sh_rc;

static int sh_child(void *arg)
{
    (void)arg;
    sh_rc = weft_sleep(WEFT_MS(1));
    return sh_rc;
}

static int prog_children_inherit_shield(void *arg)
{
    (void)arg;
    sh_rc = 99;
    weft_scope *outer = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(outer);
    weft_scope *sh = weft_scope_open_shielded(WEFT_FOREVER);
    weft_group *g = weft_group_open();
    weft_spawn(g, sh_child, NULL, "shielded child");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join inside the shield returned %d", rc);
    WEFT_ASSERT_MSG(sh_rc == WEFT_OK, "the child's sleep returned %d", sh_rc);
    WEFT_ASSERT(weft_scope_close(sh) == WEFT_OK);
    rc = weft_checkpoint();
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    WEFT_ASSERT(weft_scope_close(outer) == WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_group_children_inherit_shield(void)
{
    EXPECT_PASS(prog_children_inherit_shield, NULL);
}

/* A child failure and an outer cancellation: join reports the failure; the
 * outer cancellation still holds at the next checkpoint. */
static int prog_failure_prevails_over_outer_cancel(void *arg)
{
    (void)arg;
    static wake_rec rec;
    rec = (wake_rec){99, 0};
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(1));
    weft_group *g = weft_group_open();
    weft_spawn(g, fail_when_cancelled, (void *)&code43, "fails when cancelled");
    weft_spawn(g, sleep_forever, &rec, "sibling");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == 43, "join returned %d, expected the failure 43", rc);
    WEFT_ASSERT(rec.rc == WEFT_CANCELLED);
    WEFT_ASSERT(weft_group_failures(g, NULL, 0) == 1);
    rc = weft_checkpoint();
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "checkpoint in the expired scope returned %d", rc);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_TIMEOUT, "scope close returned %d", rc);
    return WEFT_OK;
}

static void test_group_failure_prevails_over_outer_cancel(void)
{
    EXPECT_PASS(prog_failure_prevails_over_outer_cancel, NULL);
}

/* Joining while a scope opened in the body is still open closes scopes
 * out of order: misuse. */
static int prog_join_with_body_scope_open(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_group_join(g);
    weft_scope_close(s);
    return WEFT_OK;
}

static void test_group_join_with_body_scope_open_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_join_with_body_scope_open, NULL, 50, WEFT_KIND_MISUSE,
                                "still open"));
}

/* ============================================ failure kinds: violation */

static int open_group_child(void *arg)
{
    (void)arg;
    weft_group_open();
    return WEFT_OK;
}

static int prog_task_returns_with_open_group(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, open_group_child, NULL, "leaky");
    weft_group_join(g);
    return WEFT_OK;
}

static void test_group_task_returning_with_open_group_is_violation(void)
{
    CU_ASSERT(always_fails_with(prog_task_returns_with_open_group, NULL, 50,
                                WEFT_KIND_VIOLATION, "un-joined"));
}

static int prog_main_returns_with_open_scope(void *arg)
{
    (void)arg;
    weft_scope_open(WEFT_FOREVER);
    return WEFT_OK;
}

static int prog_main_returns_with_open_group(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, noop, NULL, "child");
    return WEFT_OK;
}

static void test_group_task_returning_with_open_scope_is_violation(void)
{
    CU_ASSERT(always_fails_with(prog_main_returns_with_open_scope, NULL, 50,
                                WEFT_KIND_VIOLATION, "still open"));
    CU_ASSERT(always_fails_with(prog_main_returns_with_open_group, NULL, 50,
                                WEFT_KIND_VIOLATION, "un-joined"));
}

/* ============================================== failure kinds: failure */

static int prog_main_returns_7(void *arg)
{
    (void)arg;
    return 7;
}

static void test_group_test_returning_code_is_failure(void)
{
    CU_ASSERT(always_fails_with(prog_main_returns_7, NULL, 50, WEFT_KIND_FAILURE, "returned 7"));
}

static int prog_main_returns_child_failure(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, fail_after_1ms, (void *)&code42, "failing");
    return weft_group_join(g);
}

static int prog_main_handles_child_failure(void *arg)
{
    (void)arg;
    int rc = prog_main_returns_child_failure(NULL);
    WEFT_ASSERT(rc == 42);
    return WEFT_OK; /* handled: not a failure */
}

static int prog_main_returns_cancelled(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    int rc = weft_checkpoint();
    weft_scope_close(s);
    return rc; /* WEFT_CANCELLED: not a failure */
}

static void test_group_unhandled_child_failure_is_failure(void)
{
    CU_ASSERT(always_fails_with(prog_main_returns_child_failure, NULL, 50, WEFT_KIND_FAILURE,
                                "returned 42"));
    EXPECT_PASS(prog_main_handles_child_failure, NULL);
    EXPECT_PASS(prog_main_returns_cancelled, NULL);
}

/* ============================================= failure kinds: deadlock */

static int dl_sleep_line, dl_join_line;

static int dl_sleeper(void *arg)
{
    (void)arg;
    dl_sleep_line = __LINE__; return weft_sleep(WEFT_FOREVER); /* same line */
}

static int prog_deadlock(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, dl_sleeper, NULL, "sleeper");
    dl_join_line = __LINE__; return weft_group_join(g); /* same line */
}

static void test_group_deadlock_names_waiting_tasks(void)
{
    weft_report r;
    const uint64_t n = 20;
    dl_sleep_line = dl_join_line = 0;
    int rc = run_seeds(prog_deadlock, NULL, n, true, &r);
    CU_ASSERT_EQUAL_FATAL(rc, 1);
    CU_ASSERT(r.failed_executions == n);
    CU_ASSERT_FATAL(r.n_failures >= 1);
    char sleep_at[64], join_at[64];
    snprintf(sleep_at, sizeof sleep_at, "test_group.c:%d", dl_sleep_line);
    snprintf(join_at, sizeof join_at, "test_group.c:%d", dl_join_line);
    CU_ASSERT(dl_sleep_line > 0 && dl_join_line > 0);
    for (size_t i = 0; i < r.n_failures; i++) {
        const char *m = r.failures[i].message;
        CU_ASSERT_EQUAL(r.failures[i].kind, WEFT_KIND_DEADLOCK);
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "deadlock"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "weft_group_join"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "weft_sleep"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "sleeper"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, sleep_at));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, join_at));
        if (!strstr(m, sleep_at) || !strstr(m, join_at))
            fprintf(stderr, "\n  deadlock message (want %s and %s): %s\n", sleep_at, join_at, m);
    }
    weft_report_free(&r);
}

/* ============================================= failure kinds: livelock */

static int ll_flag;

static int ll_spinner(void *arg)
{
    int limit = *(const int *)arg; /* < 0: wait for the flag forever */
    for (int i = 0; !ll_flag; i++) {
        if (limit >= 0 && i == limit)
            ll_flag = 1;
        weft_yield("spin");
    }
    return WEFT_OK;
}

static int prog_livelock(void *arg)
{
    static const int forever = -1;
    const int *second = arg ? arg : &forever;
    ll_flag = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, ll_spinner, (void *)&forever, "spinner a");
    weft_spawn(g, ll_spinner, (void *)second, "spinner b");
    return weft_group_join(g);
}

static void test_group_livelock_is_detected(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = 3;
    o.max_steps = 1000;
    o.quiet = true;
    weft_report r;
    int rc = weft_check("livelock", prog_livelock, NULL, &o, &r);
    CU_ASSERT_EQUAL_FATAL(rc, 1);
    CU_ASSERT(r.failed_executions == 3);
    for (size_t i = 0; i < r.n_failures; i++) {
        CU_ASSERT_EQUAL(r.failures[i].kind, WEFT_KIND_LIVELOCK);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.failures[i].message, "livelock"));
    }
    weft_report_free(&r);

    /* Control: the same spinning, but one spinner sets the flag after 100
     * turns, terminates and is not a livelock. */
    static const int hundred = 100;
    rc = weft_check("spin", prog_livelock, (void *)&hundred, &o, &r);
    CU_ASSERT_EQUAL(rc, 0);
    weft_report_free(&r);
}

SUITE(group)
ADD(test_group_join_waits_for_all_children)
ADD(test_group_join_waits_for_children_spawned_during_join)
ADD(test_group_children_inherit_scopes_of_group_open)
ADD(test_group_children_do_not_inherit_spawner_scopes)
ADD(test_group_child_spawned_by_sibling_gets_group_scopes)
ADD(test_group_failing_child_cancels_siblings_and_host)
ADD(test_group_failures_keeps_every_code)
ADD(test_group_failure_while_unwinding_is_kept)
ADD(test_group_absorbed_cancellation_is_not_failure)
ADD(test_group_inner_group_failure_does_not_cancel_outer)
ADD(test_group_cancel_while_host_joins)
ADD(test_group_cancel_join_returns_ok)
ADD(test_group_outer_deadline_during_join_still_waits)
ADD(test_group_outer_cancel_during_join_still_waits)
ADD(test_group_empty_join_in_cancelled_scope)
ADD(test_group_empty_join_is_scheduling_point)
ADD(test_group_spawn_into_joined_group_is_misuse)
ADD(test_group_start_into_joined_group_is_misuse)
ADD(test_group_join_from_non_host_is_misuse)
ADD(test_group_start_returns_started_value)
ADD(test_group_start_failure_before_started)
ADD(test_group_start_failure_after_started)
ADD(test_group_started_child_runs_in_group_scopes)
ADD(test_group_start_ok_without_started_is_misuse)
ADD(test_group_started_twice_is_misuse)
ADD(test_group_started_in_spawned_task_does_nothing)
ADD(test_group_cancel_waiting_start_cancels_child_not_group)
ADD(test_group_spawned_children_wait_for_scheduling_point)
ADD(test_group_children_order_is_scheduler_decision)
ADD(test_group_cancel_cancels_host_body)
ADD(test_group_failing_child_cancels_body_at_next_checkpoint)
ADD(test_group_children_inherit_shield)
ADD(test_group_failure_prevails_over_outer_cancel)
ADD(test_group_join_with_body_scope_open_is_misuse)
ADD(test_group_task_returning_with_open_group_is_violation)
ADD(test_group_task_returning_with_open_scope_is_violation)
ADD(test_group_test_returning_code_is_failure)
ADD(test_group_unhandled_child_failure_is_failure)
ADD(test_group_deadlock_names_waiting_tasks)
ADD(test_group_livelock_is_detected)
END_SUITE
