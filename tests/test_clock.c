/*
 * test_clock.c — virtual time (SEMANTICS.md items 36 and 37, CONTRACT.md
 * sections 2, 4 and 5): where the clock starts, when it moves, the order in
 * which timers fire, deadlines against sleeps, and
 * weft_wait_all_tasks_blocked.
 *
 * Every semantic test is a weft program that checks the behaviour from the
 * inside under every schedule; statics are reset at the start of each one.
 */
#include "testutil.h"

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

/* ====================================== 36: a fixed starting value */

static bool fs_have;
static weft_time fs_first;
static int fs_child_ok;

static int fs_child(void *arg)
{
    fs_child_ok = weft_now() == *(const weft_time *)arg;
    return WEFT_OK;
}

static int prog_starts_at_fixed_value(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    if (!fs_have) {
        fs_have = true;
        fs_first = t0;
    }
    WEFT_ASSERT_MSG(t0 == fs_first, "this execution starts at %lld, the first at %lld",
                    (long long)t0, (long long)fs_first);
    fs_child_ok = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, fs_child, &t0, "child");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK && fs_child_ok);
    /* Move the clock a lot: the next execution starts from scratch again. */
    rc = weft_sleep(WEFT_SEC(5));
    WEFT_ASSERT(rc == WEFT_OK);
    return WEFT_OK;
}

static void test_clock_starts_at_fixed_value(void)
{
    fs_have = false;
    EXPECT_PASS(prog_starts_at_fixed_value, NULL);
    /* And again, in a second campaign. */
    EXPECT_PASS(prog_starts_at_fixed_value, NULL);
    CU_ASSERT(fs_have);
}

/* ================================= 36: moves only when all are blocked */

static weft_time ob_t0;
static int ob_spinner_done;

static int ob_spinner(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        WEFT_ASSERT(weft_checkpoint() == WEFT_OK);
        weft_yield("spin");
        weft_cancel_shielded_checkpoint();
        WEFT_ASSERT(weft_sleep(0) == WEFT_OK);
        WEFT_ASSERT_MSG(weft_now() == ob_t0, "the clock moved by %lld ns while a task ran",
                        (long long)(weft_now() - ob_t0));
    }
    ob_spinner_done = 1;
    return WEFT_OK;
}

static int ob_sleeper(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(weft_now() - ob_t0 == WEFT_MS(1));
    WEFT_ASSERT_MSG(ob_spinner_done, "the clock jumped while the spinner was runnable");
    return WEFT_OK;
}

static int prog_moves_only_when_all_blocked(void *arg)
{
    (void)arg;
    ob_t0 = weft_now();
    ob_spinner_done = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, ob_sleeper, NULL, "sleeper");
    weft_spawn(g, ob_spinner, NULL, "spinner a");
    weft_spawn(g, ob_spinner, NULL, "spinner b");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(weft_now() - ob_t0 == WEFT_MS(1));
    return WEFT_OK;
}

static void test_clock_moves_only_when_all_blocked(void)
{
    EXPECT_PASS(prog_moves_only_when_all_blocked, NULL);
}

/* ==================================== sleeps wake in deadline order */

typedef struct {
    weft_time at; /* offset from t0 */
    bool until;   /* weft_sleep_until(t0 + at) rather than weft_sleep(at) */
} do_sleep;

static const do_sleep do_sleeps[] = {
    {WEFT_MS(30), false}, {WEFT_MS(10), false}, {WEFT_MS(20), true},
    {WEFT_MS(10) + 1, false}, {WEFT_MS(15), true}, {WEFT_MS(1), false},
};
#define DO_N (sizeof do_sleeps / sizeof do_sleeps[0])
static weft_time do_t0;
static weft_time do_order[DO_N];
static size_t do_n;

static int do_sleeper(void *arg)
{
    const do_sleep *d = arg;
    int rc = d->until ? weft_sleep_until(do_t0 + d->at) : weft_sleep(d->at);
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT_MSG(weft_now() - do_t0 == d->at, "woke at t0%+lld ns, due at t0%+lld ns",
                    (long long)(weft_now() - do_t0), (long long)d->at);
    do_order[do_n++] = d->at;
    return WEFT_OK;
}

static int prog_sleeps_wake_in_deadline_order(void *arg)
{
    (void)arg;
    do_t0 = weft_now();
    do_n = 0;
    weft_group *g = weft_group_open();
    for (size_t i = 0; i < DO_N; i++)
        weft_spawn(g, do_sleeper, (void *)&do_sleeps[i], "sleeper");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(do_n == DO_N);
    for (size_t i = 1; i < DO_N; i++)
        WEFT_ASSERT_MSG(do_order[i - 1] < do_order[i], "wake %zu due at %lld before %lld", i,
                        (long long)do_order[i - 1], (long long)do_order[i]);
    WEFT_ASSERT(weft_now() - do_t0 == WEFT_MS(30));
    return WEFT_OK;
}

static void test_clock_sleeps_wake_in_deadline_order(void)
{
    EXPECT_PASS(prog_sleeps_wake_in_deadline_order, NULL);
}

/* ================================ two sleeps due at the same instant */

static weft_time si_t0;
static int si_first;
static unsigned si_a_first, si_b_first;

static int si_sleeper(void *arg)
{
    int id = *(const int *)arg;
    int rc;
    if (id == 1) {
        rc = weft_sleep(WEFT_MS(5));
    } else {
        /* Armed later, due at the same instant. */
        rc = weft_sleep(WEFT_MS(2));
        WEFT_ASSERT(rc == WEFT_OK);
        rc = weft_sleep_until(si_t0 + WEFT_MS(5));
    }
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(weft_now() - si_t0 == WEFT_MS(5));
    if (!si_first)
        si_first = id;
    return WEFT_OK;
}

static int prog_same_instant_sleeps(void *arg)
{
    (void)arg;
    static const int a = 1, b = 2;
    si_t0 = weft_now();
    si_first = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, si_sleeper, (void *)&a, "a");
    weft_spawn(g, si_sleeper, (void *)&b, "b");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK && si_first != 0);
    if (si_first == a)
        si_a_first++;
    else
        si_b_first++;
    return WEFT_OK;
}

static void test_clock_same_instant_sleeps_wake_in_both_orders(void)
{
    si_a_first = si_b_first = 0;
    CU_ASSERT(all_pass(prog_same_instant_sleeps, NULL));
    CU_ASSERT(si_a_first > 0); /* the earlier-armed timer first */
    CU_ASSERT(si_b_first > 0); /* the later-armed timer first */
}

/* ===================== a sleep and a deadline due at the same instant */

typedef struct {
    int rc;
    weft_time woke;
} rec;

static rec sd_child;

static int sd_child_fn(void *arg)
{
    (void)arg;
    sd_child.rc = weft_sleep(WEFT_MS(5));
    sd_child.woke = weft_now();
    return sd_child.rc;
}

/* The scope's deadline (armed first) and the sleep are both due at t0+5ms. */
static int prog_deadline_beats_sleep(void *arg)
{
    (void)arg;
    sd_child = (rec){99, 0};
    weft_time t0 = weft_now();
    weft_scope *s = weft_scope_open(t0 + WEFT_MS(5));
    int rc = weft_sleep(WEFT_MS(5));
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "sleep due with the deadline returned %d", rc);
    WEFT_ASSERT(weft_now() - t0 == WEFT_MS(5));
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_TIMEOUT, "scope close returned %d", rc);

    /* The same with the sleep in a child of a group inside the scope. */
    t0 = weft_now();
    s = weft_scope_open(t0 + WEFT_MS(5));
    weft_group *g = weft_group_open();
    weft_spawn(g, sd_child_fn, NULL, "child");
    rc = weft_group_join(g);
    WEFT_ASSERT_MSG(sd_child.rc == WEFT_CANCELLED, "child's sleep returned %d", sd_child.rc);
    WEFT_ASSERT(sd_child.woke - t0 == WEFT_MS(5));
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_TIMEOUT, "scope close returned %d", rc);
    return WEFT_OK;
}

static void test_clock_deadline_beats_sleep_at_same_instant(void)
{
    EXPECT_PASS(prog_deadline_beats_sleep, NULL);
}

/* The sleep is armed before the deadline (set later from another task);
 * a bystander's sleep due at the same instant is not cancelled. */
static weft_time sl_t0;
static weft_scope *sl_scope;
static rec sl_victim, sl_bystander;
static int sl_close;

static int sl_victim_fn(void *arg)
{
    (void)arg;
    sl_scope = weft_scope_open(WEFT_FOREVER);
    sl_victim.rc = weft_sleep_until(sl_t0 + WEFT_MS(5));
    sl_victim.woke = weft_now();
    sl_close = weft_scope_close(sl_scope);
    return WEFT_OK;
}

static int sl_mover_fn(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT(rc == WEFT_OK);
    weft_scope_set_deadline(sl_scope, sl_t0 + WEFT_MS(5));
    return WEFT_OK;
}

static int sl_bystander_fn(void *arg)
{
    (void)arg;
    sl_bystander.rc = weft_sleep(WEFT_MS(5));
    sl_bystander.woke = weft_now();
    return sl_bystander.rc;
}

static int prog_deadline_set_later_beats_sleep(void *arg)
{
    (void)arg;
    sl_t0 = weft_now();
    sl_scope = NULL;
    sl_victim = sl_bystander = (rec){99, 0};
    sl_close = 99;
    weft_group *g = weft_group_open();
    weft_spawn(g, sl_victim_fn, NULL, "victim");
    weft_spawn(g, sl_bystander_fn, NULL, "bystander");
    weft_spawn(g, sl_mover_fn, NULL, "mover");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(sl_victim.rc == WEFT_CANCELLED, "victim's sleep returned %d", sl_victim.rc);
    WEFT_ASSERT(sl_victim.woke - sl_t0 == WEFT_MS(5));
    WEFT_ASSERT_MSG(sl_close == WEFT_TIMEOUT, "victim's scope close returned %d", sl_close);
    WEFT_ASSERT_MSG(sl_bystander.rc == WEFT_OK, "bystander's sleep returned %d", sl_bystander.rc);
    WEFT_ASSERT(sl_bystander.woke - sl_t0 == WEFT_MS(5));
    return WEFT_OK;
}

static void test_clock_deadline_set_later_beats_sleep_at_same_instant(void)
{
    EXPECT_PASS(prog_deadline_set_later_beats_sleep, NULL);
}

/* ================================== weft_sleep(0) / past: checkpoints */

static int zc_flag;
static unsigned zc_ran;

static int zc_set_flag(void *arg)
{
    (void)arg;
    zc_flag = 1;
    return WEFT_OK;
}

/* past: weft_sleep_until a moment before t0; else weft_sleep(0). */
static int zc_sleep(bool past, weft_time t0)
{
    return past ? weft_sleep_until(t0 - WEFT_MS(1)) : weft_sleep(0);
}

/* arg: NULL for weft_sleep(0), non-NULL for weft_sleep_until in the past. */
static int prog_zero_sleep_is_checkpoint(void *arg)
{
    bool past = arg != NULL;
    zc_flag = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    weft_spawn(g, zc_set_flag, NULL, "sibling");
    WEFT_ASSERT(zc_flag == 0);
    int rc = zc_sleep(past, t0);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "returned %d", rc);
    WEFT_ASSERT_MSG(weft_now() == t0, "the clock moved by %lld ns", (long long)(weft_now() - t0));
    if (zc_flag)
        zc_ran++; /* the sibling ran: a scheduling point */
    if (past) {
        rc = weft_sleep_until(weft_now()); /* exactly now: also due */
        WEFT_ASSERT(rc == WEFT_OK && weft_now() == t0);
    }
    /* A cancellation point. */
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    rc = zc_sleep(past, t0);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "in a cancelled scope returned %d", rc);
    WEFT_ASSERT(weft_now() == t0);
    rc = weft_scope_close(s);
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "scope close returned %d", rc);
    rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK && zc_flag == 1);
    return WEFT_OK;
}

static void test_clock_sleep_zero_is_checkpoint(void)
{
    zc_ran = 0;
    CU_ASSERT(all_pass(prog_zero_sleep_is_checkpoint, NULL));
    CU_ASSERT(zc_ran > 0);
}

static void test_clock_sleep_until_past_is_checkpoint(void)
{
    static int past = 1;
    zc_ran = 0;
    CU_ASSERT(all_pass(prog_zero_sleep_is_checkpoint, &past));
    CU_ASSERT(zc_ran > 0);
}

/* ============================== deadline moved from another task */

typedef struct {
    weft_time initial;  /* the victim scope's deadline, from t0 */
    weft_time moved;    /* the mover sets it to this (from t0; FOREVER: none) */
    int want_rc;        /* the victim's sleep */
    weft_time want_woke;
    int want_close;
} mv_case;

static const mv_case mv_later = {WEFT_MS(5), WEFT_MS(10), WEFT_CANCELLED, WEFT_MS(10),
                                 WEFT_TIMEOUT};
static const mv_case mv_earlier = {WEFT_MS(5), WEFT_MS(3), WEFT_CANCELLED, WEFT_MS(3),
                                   WEFT_TIMEOUT};
static const mv_case mv_past = {WEFT_MS(5), 0, WEFT_CANCELLED, WEFT_MS(1), WEFT_TIMEOUT};
static const mv_case mv_removed = {WEFT_MS(5), WEFT_FOREVER, WEFT_OK, WEFT_SEC(1), WEFT_OK};

static const mv_case *mv;
static weft_time mv_t0;
static weft_scope *mv_scope;
static rec mv_victim;
static int mv_close;

static int mv_victim_fn(void *arg)
{
    (void)arg;
    mv_scope = weft_scope_open(mv_t0 + mv->initial);
    mv_victim.rc = weft_sleep(WEFT_SEC(1));
    mv_victim.woke = weft_now();
    mv_close = weft_scope_close(mv_scope);
    return WEFT_OK;
}

static int mv_mover_fn(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(1));
    WEFT_ASSERT(rc == WEFT_OK && mv_scope != NULL);
    weft_time d = mv->moved == WEFT_FOREVER ? WEFT_FOREVER : mv_t0 + mv->moved;
    weft_scope_set_deadline(mv_scope, d);
    WEFT_ASSERT(weft_scope_deadline(mv_scope) == d);
    return WEFT_OK;
}

static int prog_deadline_moved_from_another_task(void *arg)
{
    mv = arg;
    mv_t0 = weft_now();
    mv_scope = NULL;
    mv_victim = (rec){99, 0};
    mv_close = 99;
    weft_group *g = weft_group_open();
    weft_spawn(g, mv_victim_fn, NULL, "victim");
    weft_spawn(g, mv_mover_fn, NULL, "mover");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc == WEFT_OK, "join returned %d", rc);
    WEFT_ASSERT_MSG(mv_victim.rc == mv->want_rc, "victim's sleep returned %d, expected %d",
                    mv_victim.rc, mv->want_rc);
    WEFT_ASSERT_MSG(mv_victim.woke - mv_t0 == mv->want_woke,
                    "victim woke at t0%+lld ns, expected t0%+lld ns",
                    (long long)(mv_victim.woke - mv_t0), (long long)mv->want_woke);
    WEFT_ASSERT_MSG(mv_close == mv->want_close, "victim's scope close returned %d, expected %d",
                    mv_close, mv->want_close);
    return WEFT_OK;
}

static void test_clock_deadline_moved_later_from_another_task(void)
{
    EXPECT_PASS(prog_deadline_moved_from_another_task, (void *)&mv_later);
}

static void test_clock_deadline_moved_earlier_from_another_task(void)
{
    EXPECT_PASS(prog_deadline_moved_from_another_task, (void *)&mv_earlier);
    EXPECT_PASS(prog_deadline_moved_from_another_task, (void *)&mv_past);
}

static void test_clock_deadline_removed_from_another_task(void)
{
    EXPECT_PASS(prog_deadline_moved_from_another_task, (void *)&mv_removed);
}

/* ========================== 37: weft_wait_all_tasks_blocked */

static weft_time wb_t0;
static int wb_a_reached, wb_b_reached, wb_a_woke, wb_b_woke, wb_w_done;

static int wb_a(void *arg)
{
    (void)arg;
    wb_a_reached = 1;
    int rc = weft_sleep(WEFT_MS(10));
    wb_a_woke = 1;
    return rc;
}

static int wb_b(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        WEFT_ASSERT(weft_checkpoint() == WEFT_OK);
    wb_b_reached = 1;
    int rc = weft_sleep(WEFT_MS(10));
    wb_b_woke = 1;
    return rc;
}

static int wb_waiter(void *arg)
{
    (void)arg;
    /* Inside a scope whose deadline is pending: the wait still comes first. */
    weft_scope *s = weft_scope_open(wb_t0 + WEFT_MS(5));
    int rc = weft_wait_all_tasks_blocked();
    WEFT_ASSERT_MSG(rc == WEFT_OK, "weft_wait_all_tasks_blocked returned %d", rc);
    WEFT_ASSERT_MSG(wb_a_reached && wb_b_reached, "returned while a task was still running");
    WEFT_ASSERT_MSG(!wb_a_woke && !wb_b_woke, "returned after a timer fired");
    WEFT_ASSERT_MSG(weft_now() == wb_t0, "returned after the clock jumped by %lld ns",
                    (long long)(weft_now() - wb_t0));
    WEFT_ASSERT(weft_scope_close(s) == WEFT_OK);
    wb_w_done = 1;
    return WEFT_OK;
}

static int prog_wait_all_tasks_blocked(void *arg)
{
    (void)arg;
    wb_t0 = weft_now();
    wb_a_reached = wb_b_reached = wb_a_woke = wb_b_woke = wb_w_done = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, wb_waiter, NULL, "waiter");
    weft_spawn(g, wb_a, NULL, "a");
    weft_spawn(g, wb_b, NULL, "b");
    int rc = weft_group_join(g);
    WEFT_ASSERT(rc == WEFT_OK);
    WEFT_ASSERT(wb_w_done && wb_a_woke && wb_b_woke);
    WEFT_ASSERT(weft_now() - wb_t0 == WEFT_MS(10));
    return WEFT_OK;
}

static void test_clock_wait_all_tasks_blocked(void)
{
    EXPECT_PASS(prog_wait_all_tasks_blocked, NULL);
}

/* It is a cancellation point like every blocking call. */
static int prog_wait_all_tasks_blocked_cancelled(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    int rc = weft_wait_all_tasks_blocked();
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED, "returned %d in a cancelled scope", rc);
    rc = weft_scope_close(s);
    WEFT_ASSERT(rc == WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_clock_wait_all_tasks_blocked_is_cancellable(void)
{
    EXPECT_PASS(prog_wait_all_tasks_blocked_cancelled, NULL);
}

SUITE(clock)
ADD(test_clock_starts_at_fixed_value)
ADD(test_clock_moves_only_when_all_blocked)
ADD(test_clock_sleeps_wake_in_deadline_order)
ADD(test_clock_same_instant_sleeps_wake_in_both_orders)
ADD(test_clock_deadline_beats_sleep_at_same_instant)
ADD(test_clock_deadline_set_later_beats_sleep_at_same_instant)
ADD(test_clock_sleep_zero_is_checkpoint)
ADD(test_clock_sleep_until_past_is_checkpoint)
ADD(test_clock_deadline_moved_later_from_another_task)
ADD(test_clock_deadline_moved_earlier_from_another_task)
ADD(test_clock_deadline_removed_from_another_task)
ADD(test_clock_wait_all_tasks_blocked)
ADD(test_clock_wait_all_tasks_blocked_is_cancellable)
END_SUITE
