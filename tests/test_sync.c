/*
 * test_sync.c — the synchronization primitives (SEMANTICS.md 27–31), the
 * checkpoint rules as they apply to them (2, 3, 11), weft_wait_all_tasks_blocked
 * (37) and the content of a lock deadlock report.
 *
 * Each semantic test is a weft program that checks the behaviour from inside
 * with WEFT_ASSERT and runs under SEEDS random schedules: what it asserts
 * holds under every interleaving. Programs reset their shared state first
 * (they run many times per process). To put tasks in a known state, the
 * host spawns a task and then waits with weft_wait_all_tasks_blocked
 * (`spawn_settled`), so e.g. waiters queue in a known order.
 *
 * Race tests (a cancel racing a hand-off) also count which outcome each
 * schedule produced and check that the schedules explored both, so that the
 * race is really exercised (skipped when WEFT_SEED selects one seed).
 *
 * "Is a scheduling point" is an existential property: some schedule lets
 * another task run inside the call. Those tests assert the opposite from
 * inside the program and expect some schedule among 200 to fail it.
 */
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static const char *sname(int rc)
{
    const char *n = weft_status_name(rc);
    return n ? n : "a task failure code";
}

/* call must return want; otherwise the execution fails naming both. */
#define EXPECT_RC(call, want)                                                 \
    do {                                                                      \
        int rc_ = (call);                                                     \
        int want_ = (want);                                                   \
        WEFT_ASSERT_MSG(rc_ == want_, "%s returned %s (%d), expected %s",     \
                        #call, sname(rc_), rc_, sname(want_));                \
    } while (0)

#define ID(arg) ((int)(intptr_t)(arg))
#define ARG(i) ((void *)(intptr_t)(i))

/* Returns once every other task is blocked. */
static void settle(void)
{
    EXPECT_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
}

/* Spawns fn(arg) and waits until it (and everyone else) is blocked. */
static void spawn_settled(weft_group *g, weft_task_fn fn, void *arg, const char *name)
{
    EXPECT_RC(weft_spawn(g, fn, arg, name), WEFT_OK);
    settle();
}

static void join_ok(weft_group *g)
{
    EXPECT_RC(weft_group_join(g), WEFT_OK);
}

/* Recorded order of events (task ids), reset by every program. */
static int order[16];
static int n_order;

static void record(int id)
{
    WEFT_ASSERT(n_order < (int)(sizeof order / sizeof order[0]));
    order[n_order++] = id;
}

static void reset_order(void)
{
    memset(order, 0, sizeof order);
    n_order = 0;
}

/* Outcomes of race tests across schedules (reset by the CUnit test). */
static unsigned long seen[2];

static bool single_seed(void)
{
    const char *s = getenv("WEFT_SEED");
    return s && *s;
}

/* Both outcomes of a race showed up among the schedules explored. */
#define CHECK_BOTH_SEEN()                                                     \
    do {                                                                      \
        if (!single_seed()) {                                                 \
            CU_ASSERT(seen[0] > 0);                                           \
            CU_ASSERT(seen[1] > 0);                                           \
        }                                                                     \
    } while (0)

/* A task that only records that it ran. */
static int ran;
static int mark_ran(void *arg)
{
    (void)arg;
    ran = 1;
    return WEFT_OK;
}

/* Shared objects of the programs below. */
static weft_event *ev;
static weft_lock *lk, *lk2;
static weft_semaphore *sem;
static weft_condition *cv;
static weft_limiter *lim;
static weft_scope *victim_scope; /* a scope opened by a task, cancelled by another */
static int victim_rc;
static int victim_done;

/* Cancels victim_scope (spawned to race with a hand-off). */
static int cancel_victim(void *arg)
{
    (void)arg;
    WEFT_ASSERT(victim_scope != NULL);
    weft_scope_cancel(victim_scope);
    return WEFT_OK;
}

/* ================================================================= event */

static int n_woken;

static int event_waiter(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    WEFT_ASSERT(weft_event_is_set(ev));
    n_woken++;
    return WEFT_OK;
}

/* 27: set is idempotent; a set event stays set (there is no reset). */
static int prog_event_set_idempotent(void *arg)
{
    (void)arg;
    ev = weft_event_new();
    WEFT_ASSERT(ev != NULL);
    WEFT_ASSERT(!weft_event_is_set(ev));
    weft_event_set(ev);
    WEFT_ASSERT(weft_event_is_set(ev));
    weft_event_set(ev);
    WEFT_ASSERT(weft_event_is_set(ev));
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    WEFT_ASSERT(weft_event_is_set(ev));
    return WEFT_OK;
}

static void test_sync_event_set_idempotent(void)
{
    EXPECT_PASS(prog_event_set_idempotent, NULL);
}

/* 27: set wakes every waiter, each once, even when set twice; a wait after
 * the set returns at once. */
static int prog_event_set_wakes_every_waiter(void *arg)
{
    (void)arg;
    n_woken = 0;
    ev = weft_event_new();
    weft_group *g = weft_group_open();
    for (int i = 0; i < 5; i++)
        spawn_settled(g, event_waiter, ARG(i), "waiter");
    WEFT_ASSERT_MSG(n_woken == 0, "%d waiters passed an unset event", n_woken);
    weft_event_set(ev);
    weft_event_set(ev);
    EXPECT_RC(weft_spawn(g, event_waiter, NULL, "late waiter"), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(n_woken == 6, "%d of 6 waiters woke", n_woken);
    return WEFT_OK;
}

static void test_sync_event_set_wakes_every_waiter(void)
{
    EXPECT_PASS(prog_event_set_wakes_every_waiter, NULL);
}

/* 27, 2: waiting on a set event is still a cancellation point. */
static int prog_event_wait_set_is_checkpoint(void *arg)
{
    (void)arg;
    ev = weft_event_new();
    weft_event_set(ev);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_event_wait(ev), WEFT_CANCELLED);
    EXPECT_RC(weft_event_wait(ev), WEFT_CANCELLED); /* level-triggered */
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    /* an unset event: WEFT_CANCELLED at once instead of waiting (which,
     * with nobody to set it, would be a deadlock) */
    weft_event *unset = weft_event_new();
    s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_event_wait(unset), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    WEFT_ASSERT(!weft_event_is_set(unset));
    return WEFT_OK;
}

static void test_sync_event_wait_set_is_checkpoint(void)
{
    EXPECT_PASS(prog_event_wait_set_is_checkpoint, NULL);
}

/* 27, 2: waiting on a set event is a scheduling point too: in some schedule
 * a freshly spawned task runs inside the wait. */
static int prog_event_wait_set_schedules(void *arg)
{
    (void)arg;
    ran = 0;
    ev = weft_event_new();
    weft_event_set(ev);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    WEFT_ASSERT_MSG(!ran, "SCHEDULED: another task ran inside the wait");
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_event_wait_set_schedules(void)
{
    CU_ASSERT(fails_with(prog_event_wait_set_schedules, NULL, 200, WEFT_KIND_ASSERT,
                         "SCHEDULED"));
}

/* 7, 11: a blocked waiter whose scope is cancelled returns WEFT_CANCELLED
 * at once, and the event stays unset. */
static int event_victim(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_event_wait(ev);
    victim_done = 1;
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_event_wait_cancelled_while_blocked(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    victim_done = 0;
    ev = weft_event_new();
    weft_group *g = weft_group_open();
    spawn_settled(g, event_victim, NULL, "waiter");
    WEFT_ASSERT(!victim_done);
    weft_scope_cancel(victim_scope);
    settle();
    WEFT_ASSERT_MSG(victim_done, "a cancelled waiter stayed blocked");
    EXPECT_RC(victim_rc, WEFT_CANCELLED);
    WEFT_ASSERT(!weft_event_is_set(ev));
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_event_wait_cancelled_while_blocked(void)
{
    EXPECT_PASS(prog_event_wait_cancelled_while_blocked, NULL);
}

/* 11 (AnyIO test_event_wait_before_set_before_cancel): the host waits; a
 * child sets the event and then cancels the group. The waiter was woken by
 * the set before the cancel, so its wait returns WEFT_OK. */
static int setter_started;

static int set_then_cancel(void *arg)
{
    weft_group *g = arg;
    setter_started = 1;
    WEFT_ASSERT(!weft_event_is_set(ev));
    weft_event_set(ev);
    weft_group_cancel(g);
    return WEFT_OK;
}

static int prog_event_wait_before_set_before_cancel(void *arg)
{
    (void)arg;
    setter_started = 0;
    ev = weft_event_new();
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, set_then_cancel, g, "setter"), WEFT_OK);
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    WEFT_ASSERT(setter_started);
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED); /* the cancel lands here */
    join_ok(g);
    WEFT_ASSERT(weft_group_cancel_called(g));
    return WEFT_OK;
}

static void test_sync_event_wait_before_set_before_cancel(void)
{
    EXPECT_PASS(prog_event_wait_before_set_before_cancel, NULL);
}

/* The same with the waiter a child in its own scope and the canceller
 * another task: set, then cancel, before the waiter runs again. */
static int set_then_cancel_victim(void *arg)
{
    (void)arg;
    weft_event_set(ev);
    weft_scope_cancel(victim_scope);
    return WEFT_OK;
}

static int event_victim_keeps(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_event_wait(ev);
    EXPECT_RC(victim_rc, WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_event_woken_waiter_keeps_ok(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    ev = weft_event_new();
    weft_group *g = weft_group_open();
    spawn_settled(g, event_victim_keeps, NULL, "waiter");
    EXPECT_RC(weft_spawn(g, set_then_cancel_victim, NULL, "setter"), WEFT_OK);
    join_ok(g);
    EXPECT_RC(victim_rc, WEFT_OK);
    return WEFT_OK;
}

static void test_sync_event_woken_waiter_keeps_ok(void)
{
    EXPECT_PASS(prog_event_woken_waiter_keeps_ok, NULL);
}

/* ================================================================== lock */

/* Acquires lk, records its id, holds it across a checkpoint, releases. */
static int lock_user(void *arg)
{
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    WEFT_ASSERT(weft_lock_locked(lk));
    record(ID(arg));
    EXPECT_RC(weft_checkpoint(), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    return WEFT_OK;
}

/* 28: release with a waiter hands the lock over: the releaser's try_acquire
 * gets WEFT_WOULDBLOCK, the lock stays locked, and the releaser's next
 * acquire queues behind the waiter. */
static int prog_lock_fifo_handoff(void *arg)
{
    (void)arg;
    reset_order();
    lk = weft_lock_new();
    WEFT_ASSERT(!weft_lock_locked(lk));
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    WEFT_ASSERT(weft_lock_locked(lk));
    weft_group *g = weft_group_open();
    spawn_settled(g, lock_user, ARG(1), "waiter");
    WEFT_ASSERT(n_order == 0);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    WEFT_ASSERT_MSG(weft_lock_locked(lk), "release with a waiter left the lock free");
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    WEFT_ASSERT_MSG(n_order == 1 && order[0] == 1,
                    "the releaser re-acquired before the waiter it handed off to");
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    WEFT_ASSERT(!weft_lock_locked(lk));
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_lock_fifo_handoff(void)
{
    EXPECT_PASS(prog_lock_fifo_handoff, NULL);
}

/* 28: waiters acquire in the order they started waiting, and a task that
 * comes later (the host's own acquire, a try_acquire) cannot barge in. */
static int prog_lock_waiters_fifo(void *arg)
{
    (void)arg;
    reset_order();
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    for (int i = 0; i < 5; i++)
        spawn_settled(g, lock_user, ARG(i), "waiter");
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    WEFT_ASSERT_MSG(n_order == 5, "host acquired after %d of 5 earlier waiters", n_order);
    for (int i = 0; i < 5; i++)
        WEFT_ASSERT_MSG(order[i] == i, "acquisition %d went to waiter %d", i, order[i]);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_lock_waiters_fifo(void)
{
    EXPECT_PASS(prog_lock_waiters_fifo, NULL);
}

/* 28: re-acquiring a held lock is misuse (acquire and try_acquire). */
static int prog_lock_reacquire(void *arg)
{
    (void)arg;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_lock_acquire(lk);
    weft_fail("re-acquire returned");
}

static int prog_lock_try_reacquire(void *arg)
{
    (void)arg;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_OK);
    weft_lock_try_acquire(lk);
    weft_fail("re-acquire returned");
}

static void test_sync_lock_reacquire_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_lock_reacquire, NULL, 50, WEFT_KIND_MISUSE,
                                "already holds"));
    CU_ASSERT(always_fails_with(prog_lock_try_reacquire, NULL, 50, WEFT_KIND_MISUSE,
                                "already holds"));
}

/* 28: releasing a lock nobody holds, or one another task holds, is misuse. */
static int prog_lock_release_not_held(void *arg)
{
    (void)arg;
    lk = weft_lock_new();
    weft_lock_release(lk);
    weft_fail("release returned");
}

static int release_lk(void *arg)
{
    (void)arg;
    weft_lock_release(lk);
    weft_fail("release returned");
}

static int prog_lock_release_other_owner(void *arg)
{
    (void)arg;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, release_lk, NULL, "thief"), WEFT_OK);
    weft_group_join(g);
    weft_fail("join returned");
}

static void test_sync_lock_release_not_held_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_lock_release_not_held, NULL, 50, WEFT_KIND_MISUSE,
                                "not held"));
    CU_ASSERT(always_fails_with(prog_lock_release_other_owner, NULL, 50, WEFT_KIND_MISUSE,
                                "weft_lock_release"));
}

/* 28, 11: a waiter cancelled while blocked returns WEFT_CANCELLED and never
 * owns the lock: the owner's release leaves it free. */
static int lock_victim(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_lock_acquire(lk);
    victim_done = 1;
    if (victim_rc == WEFT_OK) {
        WEFT_ASSERT(weft_lock_locked(lk));
        EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    }
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_lock_cancelled_waiter_never_owns(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    victim_done = 0;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, lock_victim, NULL, "waiter");
    weft_scope_cancel(victim_scope);
    settle();
    WEFT_ASSERT_MSG(victim_done, "a cancelled lock waiter stayed blocked");
    EXPECT_RC(victim_rc, WEFT_CANCELLED);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    WEFT_ASSERT_MSG(!weft_lock_locked(lk), "the lock went to a cancelled waiter");
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_lock_cancelled_waiter_never_owns(void)
{
    EXPECT_PASS(prog_lock_cancelled_waiter_never_owns, NULL);
}

/* 28: a waiter cancelled in the middle of the queue leaves it; the others
 * keep their FIFO order. */
static int lock_user_in_scope(void *arg)
{
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_lock_acquire(lk);
    if (victim_rc == WEFT_OK) {
        record(ID(arg));
        EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    }
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_lock_cancelled_waiter_leaves_queue(void *arg)
{
    (void)arg;
    reset_order();
    victim_scope = NULL;
    victim_rc = 99;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, lock_user, ARG(0), "waiter 0");
    spawn_settled(g, lock_user_in_scope, ARG(1), "waiter 1");
    spawn_settled(g, lock_user, ARG(2), "waiter 2");
    weft_scope_cancel(victim_scope);
    settle();
    EXPECT_RC(victim_rc, WEFT_CANCELLED);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(n_order == 2 && order[0] == 0 && order[1] == 2,
                    "acquired by %d waiters, first %d, second %d", n_order, order[0], order[1]);
    WEFT_ASSERT(!weft_lock_locked(lk));
    return WEFT_OK;
}

static void test_sync_lock_cancelled_waiter_leaves_queue(void)
{
    EXPECT_PASS(prog_lock_cancelled_waiter_leaves_queue, NULL);
}

/* 28, 11: the cancel and the release race (a canceller task against the
 * host's release). Either the waiter got the lock (WEFT_OK, and then the
 * cancel lands at its next checkpoint) or it returned WEFT_CANCELLED and the
 * lock is free; never both, never neither. */
static int lock_victim_race(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_lock_acquire(lk);
    if (victim_rc == WEFT_OK) {
        WEFT_ASSERT(weft_lock_locked(lk));
        int rc = weft_checkpoint();
        /* the cancel lands at this checkpoint if it was made by now */
        WEFT_ASSERT_MSG((rc == WEFT_CANCELLED) == weft_scope_cancel_called(victim_scope),
                        "checkpoint after a kept hand-off returned %s", sname(rc));
        EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    } else {
        EXPECT_RC(victim_rc, WEFT_CANCELLED);
    }
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_lock_cancel_release_race(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, lock_victim_race, NULL, "waiter");
    EXPECT_RC(weft_spawn(g, cancel_victim, NULL, "canceller"), WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(victim_rc == WEFT_OK || victim_rc == WEFT_CANCELLED);
    WEFT_ASSERT_MSG(!weft_lock_locked(lk), "lock still held after everyone finished "
                                           "(waiter returned %s)", sname(victim_rc));
    seen[victim_rc == WEFT_OK]++;
    return WEFT_OK;
}

static void test_sync_lock_cancel_release_race(void)
{
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_lock_cancel_release_race, NULL);
    CHECK_BOTH_SEEN();
}

/* 11: a waiter handed the lock keeps it when cancelled before it runs. */
static int lock_victim_keeps(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_lock_acquire(lk);
    EXPECT_RC(victim_rc, WEFT_OK);
    WEFT_ASSERT(weft_lock_locked(lk));
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_lock_handoff_kept_when_cancelled(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    lk = weft_lock_new();
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, lock_victim_keeps, NULL, "waiter");
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    weft_scope_cancel(victim_scope);
    join_ok(g);
    WEFT_ASSERT(!weft_lock_locked(lk));
    return WEFT_OK;
}

static void test_sync_lock_handoff_kept_when_cancelled(void)
{
    EXPECT_PASS(prog_lock_handoff_kept_when_cancelled, NULL);
}

/* 28, 2: an uncontended acquire is a checkpoint: inside a cancelled scope
 * it returns WEFT_CANCELLED and does not take the lock. */
static int prog_lock_uncontended_acquire_is_checkpoint(void *arg)
{
    (void)arg;
    lk = weft_lock_new();
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_lock_acquire(lk), WEFT_CANCELLED);
    WEFT_ASSERT_MSG(!weft_lock_locked(lk), "a cancelled acquire took the lock");
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    return WEFT_OK;
}

static void test_sync_lock_uncontended_acquire_is_checkpoint(void)
{
    EXPECT_PASS(prog_lock_uncontended_acquire_is_checkpoint, NULL);
}

/* 2: ... and a scheduling point. */
static int prog_lock_uncontended_acquire_schedules(void *arg)
{
    (void)arg;
    ran = 0;
    lk = weft_lock_new();
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    WEFT_ASSERT_MSG(!ran, "SCHEDULED: another task ran inside the acquire");
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_lock_uncontended_acquire_schedules(void)
{
    CU_ASSERT(fails_with(prog_lock_uncontended_acquire_schedules, NULL, 200,
                         WEFT_KIND_ASSERT, "SCHEDULED"));
}

/* ============================================================= semaphore */

/* 29: an initial value above the maximum is misuse. */
static int prog_semaphore_initial_above_max(void *arg)
{
    (void)arg;
    weft_semaphore_new(3, 2);
    weft_fail("weft_semaphore_new(3, 2) returned");
}

static void test_sync_semaphore_initial_above_max_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_semaphore_initial_above_max, NULL, 50,
                                WEFT_KIND_MISUSE, "weft_semaphore_new"));
}

/* 29: a release past the maximum is misuse. */
static int prog_semaphore_release_past_max(void *arg)
{
    (void)arg;
    sem = weft_semaphore_new(0, 1);
    EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    WEFT_ASSERT(weft_semaphore_value(sem) == 1);
    weft_semaphore_release(sem);
    weft_fail("release past the maximum returned");
}

static void test_sync_semaphore_release_past_max_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_semaphore_release_past_max, NULL, 50,
                                WEFT_KIND_MISUSE, "maximum"));
}

/* 29: value and max_value accessors; try_acquire and release move the value. */
static int prog_semaphore_value_and_max(void *arg)
{
    (void)arg;
    sem = weft_semaphore_new(2, 5);
    WEFT_ASSERT(weft_semaphore_value(sem) == 2);
    WEFT_ASSERT(weft_semaphore_max_value(sem) == 5);
    EXPECT_RC(weft_semaphore_try_acquire(sem), WEFT_OK);
    WEFT_ASSERT(weft_semaphore_value(sem) == 1);
    EXPECT_RC(weft_semaphore_acquire(sem), WEFT_OK);
    WEFT_ASSERT(weft_semaphore_value(sem) == 0);
    EXPECT_RC(weft_semaphore_try_acquire(sem), WEFT_WOULDBLOCK);
    WEFT_ASSERT(weft_semaphore_value(sem) == 0);
    for (size_t i = 1; i <= 5; i++) {
        EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
        WEFT_ASSERT(weft_semaphore_value(sem) == i);
    }
    WEFT_ASSERT(weft_semaphore_max_value(sem) == 5);

    weft_semaphore *u = weft_semaphore_new(0, WEFT_UNBOUNDED);
    WEFT_ASSERT(weft_semaphore_max_value(u) == WEFT_UNBOUNDED);
    WEFT_ASSERT(weft_semaphore_value(u) == 0);
    for (size_t i = 1; i <= 100; i++)
        EXPECT_RC(weft_semaphore_release(u), WEFT_OK);
    WEFT_ASSERT(weft_semaphore_value(u) == 100);

    weft_semaphore *eq = weft_semaphore_new(3, 3); /* initial == max is fine */
    WEFT_ASSERT(weft_semaphore_value(eq) == 3);
    return WEFT_OK;
}

static void test_sync_semaphore_value_and_max(void)
{
    EXPECT_PASS(prog_semaphore_value_and_max, NULL);
}

/* 29: a release with a waiter gives the slot to the waiter: the value stays
 * 0 and neither the releaser nor a third task's try_acquire can take it. */
static int sem_holder(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_semaphore_acquire(sem), WEFT_OK);
    record(1);
    EXPECT_RC(weft_event_wait(ev), WEFT_OK); /* hold until the thief tried */
    EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    return WEFT_OK;
}

static int sem_thief(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_semaphore_try_acquire(sem), WEFT_WOULDBLOCK);
    record(2);
    weft_event_set(ev);
    return WEFT_OK;
}

static int prog_semaphore_woken_waiter_keeps_slot(void *arg)
{
    (void)arg;
    reset_order();
    ev = weft_event_new();
    sem = weft_semaphore_new(0, 1);
    weft_group *g = weft_group_open();
    spawn_settled(g, sem_holder, NULL, "waiter");
    WEFT_ASSERT(n_order == 0);
    EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    WEFT_ASSERT_MSG(weft_semaphore_value(sem) == 0,
                    "the released slot went back to the pool (value %zu)",
                    weft_semaphore_value(sem));
    EXPECT_RC(weft_semaphore_try_acquire(sem), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_spawn(g, sem_thief, NULL, "thief"), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(n_order == 2);
    WEFT_ASSERT(weft_semaphore_value(sem) == 1);
    return WEFT_OK;
}

static void test_sync_semaphore_woken_waiter_keeps_slot(void)
{
    EXPECT_PASS(prog_semaphore_woken_waiter_keeps_slot, NULL);
}

/* 29: waiters get slots in FIFO order, one per release. */
static int sem_taker(void *arg)
{
    EXPECT_RC(weft_semaphore_acquire(sem), WEFT_OK);
    record(ID(arg));
    return WEFT_OK; /* keeps the slot */
}

static int prog_semaphore_waiters_fifo(void *arg)
{
    (void)arg;
    reset_order();
    sem = weft_semaphore_new(0, WEFT_UNBOUNDED);
    weft_group *g = weft_group_open();
    for (int i = 0; i < 4; i++)
        spawn_settled(g, sem_taker, ARG(i), "waiter");
    for (int i = 0; i < 4; i++) {
        EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
        settle();
        WEFT_ASSERT_MSG(n_order == i + 1, "release %d woke %d waiters", i, n_order - i);
        WEFT_ASSERT_MSG(order[i] == i, "release %d went to waiter %d", i, order[i]);
    }
    join_ok(g);
    WEFT_ASSERT(weft_semaphore_value(sem) == 0);
    return WEFT_OK;
}

static void test_sync_semaphore_waiters_fifo(void)
{
    EXPECT_PASS(prog_semaphore_waiters_fifo, NULL);
}

/* 29, 2: acquire with a free slot is a checkpoint: inside a cancelled scope
 * it returns WEFT_CANCELLED and takes nothing. */
static int prog_semaphore_acquire_is_checkpoint(void *arg)
{
    (void)arg;
    sem = weft_semaphore_new(2, 2);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_semaphore_acquire(sem), WEFT_CANCELLED);
    WEFT_ASSERT_MSG(weft_semaphore_value(sem) == 2, "a cancelled acquire took a slot");
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    EXPECT_RC(weft_semaphore_acquire(sem), WEFT_OK);
    WEFT_ASSERT(weft_semaphore_value(sem) == 1);
    return WEFT_OK;
}

static void test_sync_semaphore_acquire_is_checkpoint(void)
{
    EXPECT_PASS(prog_semaphore_acquire_is_checkpoint, NULL);
}

/* 29, 11: a cancel racing a release: the slot is never lost. */
static int sem_victim_race(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_semaphore_acquire(sem);
    if (victim_rc == WEFT_OK)
        EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    else
        EXPECT_RC(victim_rc, WEFT_CANCELLED);
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_semaphore_cancel_release_race(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    sem = weft_semaphore_new(0, 1);
    weft_group *g = weft_group_open();
    spawn_settled(g, sem_victim_race, NULL, "waiter");
    EXPECT_RC(weft_spawn(g, cancel_victim, NULL, "canceller"), WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_OK);
    EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(weft_semaphore_value(sem) == 1, "slot lost: value %zu (waiter got %s)",
                    weft_semaphore_value(sem), sname(victim_rc));
    seen[victim_rc == WEFT_OK]++;
    return WEFT_OK;
}

static void test_sync_semaphore_cancel_release_race(void)
{
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_semaphore_cancel_release_race, NULL);
    CHECK_BOTH_SEEN();
}

/* ============================================================= condition */

/* 30: wait and notify without holding the lock are misuse. */
static int prog_condition_wait_without_lock(void *arg)
{
    (void)arg;
    cv = weft_condition_new(NULL);
    weft_condition_wait(cv);
    weft_fail("wait without the lock returned");
}

static int prog_condition_notify_without_lock(void *arg)
{
    (void)arg;
    cv = weft_condition_new(NULL);
    weft_condition_notify(cv, 1);
    weft_fail("notify without the lock returned");
}

static int prog_condition_notify_all_without_lock(void *arg)
{
    (void)arg;
    cv = weft_condition_new(NULL);
    weft_condition_notify_all(cv);
    weft_fail("notify_all without the lock returned");
}

static int notify_cv(void *arg)
{
    (void)arg;
    weft_condition_notify(cv, 1);
    weft_fail("notify by a task that does not hold the lock returned");
}

/* The lock is held, but by another task. */
static int prog_condition_notify_by_non_owner(void *arg)
{
    (void)arg;
    cv = weft_condition_new(NULL);
    EXPECT_RC(weft_lock_acquire(weft_condition_lock(cv)), WEFT_OK);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, notify_cv, NULL, "notifier"), WEFT_OK);
    weft_group_join(g);
    weft_fail("join returned");
}

static void test_sync_condition_wait_without_lock_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_condition_wait_without_lock, NULL, 50,
                                WEFT_KIND_MISUSE, "weft_condition_wait"));
}

static void test_sync_condition_notify_without_lock_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_condition_notify_without_lock, NULL, 50,
                                WEFT_KIND_MISUSE, "weft_condition_notify"));
    CU_ASSERT(always_fails_with(prog_condition_notify_all_without_lock, NULL, 50,
                                WEFT_KIND_MISUSE, NULL));
    CU_ASSERT(always_fails_with(prog_condition_notify_by_non_owner, NULL, 50,
                                WEFT_KIND_MISUSE, "weft_condition_notify"));
}

/* 30: the condition's lock: its own when made with NULL, else the one given. */
static int prog_condition_lock_accessor(void *arg)
{
    (void)arg;
    weft_condition *own = weft_condition_new(NULL);
    weft_lock *l = weft_condition_lock(own);
    WEFT_ASSERT(l != NULL);
    WEFT_ASSERT(!weft_lock_locked(l));
    lk = weft_lock_new();
    weft_condition *shared = weft_condition_new(lk);
    WEFT_ASSERT(weft_condition_lock(shared) == lk);
    WEFT_ASSERT(l != lk);
    /* holding the given lock is holding the condition's lock */
    EXPECT_RC(weft_lock_acquire(lk), WEFT_OK);
    EXPECT_RC(weft_condition_notify(shared, 1), WEFT_OK);
    EXPECT_RC(weft_condition_notify_all(shared), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    return WEFT_OK;
}

static void test_sync_condition_lock_accessor(void)
{
    EXPECT_PASS(prog_condition_lock_accessor, NULL);
}

/* Takes cv's lock, waits, records its id, releases. */
static int cond_waiter(void *arg)
{
    weft_lock *l = weft_condition_lock(cv);
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    EXPECT_RC(weft_condition_wait(cv), WEFT_OK);
    WEFT_ASSERT(weft_lock_locked(l));
    record(ID(arg));
    EXPECT_RC(weft_lock_release(l), WEFT_OK); /* misuse unless wait re-acquired it */
    return WEFT_OK;
}

static void notify_locked(size_t n)
{
    weft_lock *l = weft_condition_lock(cv);
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    if (n == SIZE_MAX)
        EXPECT_RC(weft_condition_notify_all(cv), WEFT_OK);
    else
        EXPECT_RC(weft_condition_notify(cv, n), WEFT_OK);
    EXPECT_RC(weft_lock_release(l), WEFT_OK);
}

static bool recorded(int from, int to, int id)
{
    for (int i = from; i < to; i++)
        if (order[i] == id)
            return true;
    return false;
}

/* 30: notify(n) wakes the n longest waiting, in FIFO order; notify_all the
 * rest. (Woken together, they then re-acquire the lock in the scheduler's
 * order, so a batch of two is checked as a set.) */
static int prog_condition_notify_fifo(void *arg)
{
    (void)arg;
    reset_order();
    cv = weft_condition_new(NULL);
    weft_group *g = weft_group_open();
    for (int i = 0; i < 6; i++)
        spawn_settled(g, cond_waiter, ARG(i), "waiter");
    WEFT_ASSERT(n_order == 0);

    notify_locked(1);
    settle();
    WEFT_ASSERT_MSG(n_order == 1 && order[0] == 0, "notify(1) woke %d waiters, first %d",
                    n_order, order[0]);
    notify_locked(1);
    settle();
    WEFT_ASSERT_MSG(n_order == 2 && order[1] == 1, "notify(1) woke %d waiters, last %d",
                    n_order - 1, order[n_order - 1]);
    notify_locked(2);
    settle();
    WEFT_ASSERT_MSG(n_order == 4 && recorded(2, 4, 2) && recorded(2, 4, 3),
                    "notify(2) woke the wrong waiters (%d woken)", n_order - 2);
    notify_locked(0);
    settle();
    WEFT_ASSERT_MSG(n_order == 4, "notify(0) woke a waiter");
    notify_locked(SIZE_MAX);
    join_ok(g);
    WEFT_ASSERT(n_order == 6 && recorded(4, 6, 4) && recorded(4, 6, 5));
    return WEFT_OK;
}

static void test_sync_condition_notify_fifo(void)
{
    EXPECT_PASS(prog_condition_notify_fifo, NULL);
}

/* 30: a cancelled wait re-acquires the lock before it returns
 * WEFT_CANCELLED, waiting for it if another task holds it. */
static int host_released;

static int cond_victim_cancelled(void *arg)
{
    (void)arg;
    weft_lock *l = weft_condition_lock(cv);
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_condition_wait(cv);
    victim_done = 1;
    EXPECT_RC(victim_rc, WEFT_CANCELLED);
    WEFT_ASSERT_MSG(host_released, "the cancelled wait returned while another task "
                                   "held the lock");
    WEFT_ASSERT(weft_lock_locked(l));
    EXPECT_RC(weft_lock_release(l), WEFT_OK); /* misuse unless it re-acquired */
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_condition_cancelled_wait_reacquires(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    victim_done = 0;
    host_released = 0;
    cv = weft_condition_new(NULL);
    weft_lock *l = weft_condition_lock(cv);
    weft_group *g = weft_group_open();
    spawn_settled(g, cond_victim_cancelled, NULL, "waiter");
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK); /* wait released it */
    weft_scope_cancel(victim_scope);
    settle(); /* the waiter woke and now waits for the lock */
    WEFT_ASSERT(!victim_done);
    host_released = 1;
    EXPECT_RC(weft_lock_release(l), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(victim_done);
    WEFT_ASSERT(!weft_lock_locked(l));
    return WEFT_OK;
}

static void test_sync_condition_cancelled_wait_reacquires_lock(void)
{
    EXPECT_PASS(prog_condition_cancelled_wait_reacquires, NULL);
}

/* 30, 11: a waiter notified, then cancelled before it runs, keeps the
 * notification: wait returns WEFT_OK with the lock held; the cancel lands
 * at its next checkpoint. */
static int cond_victim_notified(void *arg)
{
    (void)arg;
    weft_lock *l = weft_condition_lock(cv);
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_condition_wait(cv);
    EXPECT_RC(victim_rc, WEFT_OK);
    WEFT_ASSERT(weft_lock_locked(l));
    EXPECT_RC(weft_lock_release(l), WEFT_OK); /* misuse unless it holds the lock */
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    return WEFT_OK;
}

static int prog_condition_notified_then_cancelled(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    cv = weft_condition_new(NULL);
    weft_lock *l = weft_condition_lock(cv);
    weft_group *g = weft_group_open();
    spawn_settled(g, cond_victim_notified, NULL, "waiter");
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    EXPECT_RC(weft_condition_notify(cv, 1), WEFT_OK);
    weft_scope_cancel(victim_scope);
    EXPECT_RC(weft_checkpoint(), WEFT_OK); /* the waiter may run: it needs the lock */
    EXPECT_RC(weft_lock_release(l), WEFT_OK);
    join_ok(g);
    EXPECT_RC(victim_rc, WEFT_OK);
    return WEFT_OK;
}

static void test_sync_condition_notified_then_cancelled_keeps_ok(void)
{
    EXPECT_PASS(prog_condition_notified_then_cancelled, NULL);
}

/* 30, 2: wait inside a cancelled scope returns WEFT_CANCELLED at once and
 * keeps the lock (nothing happened). */
static int prog_condition_wait_in_cancelled_scope(void *arg)
{
    (void)arg;
    cv = weft_condition_new(NULL);
    weft_lock *l = weft_condition_lock(cv);
    EXPECT_RC(weft_lock_acquire(l), WEFT_OK);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_condition_wait(cv), WEFT_CANCELLED);
    WEFT_ASSERT(weft_lock_locked(l));
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    EXPECT_RC(weft_lock_release(l), WEFT_OK);
    return WEFT_OK;
}

static void test_sync_condition_wait_in_cancelled_scope(void)
{
    EXPECT_PASS(prog_condition_wait_in_cancelled_scope, NULL);
}

/* ======================================================= capacity limiter */

/* 31: a total of 0 is misuse, at creation and when set later. */
static int prog_limiter_new_zero(void *arg)
{
    (void)arg;
    weft_limiter_new(0);
    weft_fail("weft_limiter_new(0) returned");
}

static int prog_limiter_set_total_zero(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(1);
    weft_limiter_set_total_tokens(lim, 0);
    weft_fail("weft_limiter_set_total_tokens(0) returned");
}

static void test_sync_limiter_total_zero_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_limiter_new_zero, NULL, 50, WEFT_KIND_MISUSE,
                                "at least 1"));
    CU_ASSERT(always_fails_with(prog_limiter_set_total_zero, NULL, 50, WEFT_KIND_MISUSE,
                                "at least 1"));
}

/* 31: one token per borrower: borrowing twice is misuse, whichever call. */
static const char borrower_a[] = "borrower a";
static int borrower_b;
static struct {
    double x;
} borrower_c;

static int prog_limiter_acquire_twice(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(5);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_limiter_acquire(lim);
    weft_fail("second acquire returned");
}

static int prog_limiter_try_acquire_twice(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(5);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_limiter_try_acquire(lim);
    weft_fail("second try_acquire returned");
}

static int prog_limiter_on_behalf_twice(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(5);
    EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, &borrower_b), WEFT_OK);
    weft_limiter_acquire_on_behalf_of(lim, &borrower_b);
    weft_fail("second acquire on behalf of the same borrower returned");
}

static void test_sync_limiter_borrow_twice_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_limiter_acquire_twice, NULL, 50, WEFT_KIND_MISUSE,
                                "already holds"));
    CU_ASSERT(always_fails_with(prog_limiter_try_acquire_twice, NULL, 50, WEFT_KIND_MISUSE,
                                "already holds"));
    CU_ASSERT(always_fails_with(prog_limiter_on_behalf_twice, NULL, 50, WEFT_KIND_MISUSE,
                                "already holds"));
}

/* 31: releasing without holding a token is misuse. */
static int prog_limiter_release_unheld(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(2);
    weft_limiter_release(lim);
    weft_fail("release without a token returned");
}

static int prog_limiter_release_other_borrower(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(2);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_b), WEFT_OK);
    weft_limiter_release_on_behalf_of(lim, &borrower_c); /* c borrowed nothing */
    weft_fail("release on behalf of a non-borrower returned");
}

static int prog_limiter_release_twice(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(2);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    weft_limiter_release(lim);
    weft_fail("second release returned");
}

static void test_sync_limiter_release_without_holding_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_limiter_release_unheld, NULL, 50, WEFT_KIND_MISUSE,
                                "holds no token"));
    CU_ASSERT(always_fails_with(prog_limiter_release_other_borrower, NULL, 50,
                                WEFT_KIND_MISUSE, "holds no token"));
    CU_ASSERT(always_fails_with(prog_limiter_release_twice, NULL, 50, WEFT_KIND_MISUSE,
                                "holds no token"));
}

/* Borrows a token, records its id, holds it across a checkpoint, returns it. */
static int limiter_user(void *arg)
{
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    record(ID(arg));
    EXPECT_RC(weft_checkpoint(), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    return WEFT_OK;
}

/* 31: waiters get tokens first come, first served; a later try_acquire
 * cannot barge in while they wait. */
static int prog_limiter_waiters_fifo(void *arg)
{
    (void)arg;
    reset_order();
    lim = weft_limiter_new(1);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_group *g = weft_group_open();
    for (int i = 0; i < 5; i++)
        spawn_settled(g, limiter_user, ARG(i), "waiter");
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    WEFT_ASSERT_MSG(n_order == 5, "host borrowed after %d of 5 earlier waiters", n_order);
    for (int i = 0; i < 5; i++)
        WEFT_ASSERT_MSG(order[i] == i, "token %d went to waiter %d", i, order[i]);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 0);
    return WEFT_OK;
}

static void test_sync_limiter_waiters_fifo(void)
{
    EXPECT_PASS(prog_limiter_waiters_fifo, NULL);
}

/* Borrows, records, holds until ev is set. */
static int limiter_holder(void *arg)
{
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    record(ID(arg));
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    return WEFT_OK;
}

/* 31: raising the total hands the new tokens to waiters, oldest first. */
static int prog_limiter_raise_total_wakes(void *arg)
{
    (void)arg;
    reset_order();
    ev = weft_event_new();
    lim = weft_limiter_new(1);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_group *g = weft_group_open();
    for (int i = 0; i < 3; i++)
        spawn_settled(g, limiter_holder, ARG(i), "waiter");
    WEFT_ASSERT(n_order == 0);
    EXPECT_RC(weft_limiter_set_total_tokens(lim, 3), WEFT_OK);
    WEFT_ASSERT(weft_limiter_total_tokens(lim) == 3);
    WEFT_ASSERT_MSG(weft_limiter_borrowed(lim) == 3,
                    "raising the total did not hand out tokens (%zu borrowed)",
                    weft_limiter_borrowed(lim));
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    settle();
    WEFT_ASSERT_MSG(n_order == 2 && recorded(0, 2, 0) && recorded(0, 2, 1),
                    "raising the total by 2 woke %d waiters", n_order);
    EXPECT_RC(weft_limiter_set_total_tokens(lim, 10), WEFT_OK);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 4);
    WEFT_ASSERT(weft_limiter_available(lim) == 6);
    settle();
    WEFT_ASSERT(n_order == 3 && order[2] == 2);
    weft_event_set(ev);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 0);
    WEFT_ASSERT(weft_limiter_available(lim) == 10);
    return WEFT_OK;
}

static void test_sync_limiter_raise_total_wakes_waiters(void)
{
    EXPECT_PASS(prog_limiter_raise_total_wakes, NULL);
}

/* 31: lowering the total takes nothing back: available() goes negative,
 * and waiters wait until borrowed drops below the new total. */
static int prog_limiter_lower_total(void *arg)
{
    (void)arg;
    reset_order();
    ev = weft_event_new();
    weft_event_set(ev);
    lim = weft_limiter_new(3);
    WEFT_ASSERT(weft_limiter_available(lim) == 3);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, borrower_a), WEFT_OK);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_b), WEFT_OK);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_c), WEFT_OK);
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    EXPECT_RC(weft_limiter_set_total_tokens(lim, 1), WEFT_OK);
    WEFT_ASSERT(weft_limiter_total_tokens(lim) == 1);
    WEFT_ASSERT_MSG(weft_limiter_borrowed(lim) == 3, "lowering took tokens back");
    WEFT_ASSERT_MSG(weft_limiter_available(lim) == -2, "available %td, expected -2",
                    weft_limiter_available(lim));
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_WOULDBLOCK);
    weft_group *g = weft_group_open();
    spawn_settled(g, limiter_holder, ARG(7), "waiter");
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, borrower_a), WEFT_OK);
    WEFT_ASSERT(weft_limiter_available(lim) == -1);
    settle();
    WEFT_ASSERT_MSG(n_order == 0, "a waiter got a token while borrowed >= total");
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, &borrower_b), WEFT_OK);
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    settle();
    WEFT_ASSERT(n_order == 0);
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, &borrower_c), WEFT_OK);
    /* borrowed 0 < total 1: the token goes to the waiter */
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 1);
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    join_ok(g);
    WEFT_ASSERT(n_order == 1 && order[0] == 7);
    WEFT_ASSERT(weft_limiter_available(lim) == 1);
    return WEFT_OK;
}

static void test_sync_limiter_lower_total_takes_nothing_back(void)
{
    EXPECT_PASS(prog_limiter_lower_total, NULL);
}

/* 31: a released token is reserved for the waiter it wakes: neither the
 * releaser nor a third task's try_acquire can take it. */
static int limiter_thief(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, &borrower_c), WEFT_WOULDBLOCK);
    record(2);
    weft_event_set(ev);
    return WEFT_OK;
}

static int prog_limiter_released_token_reserved(void *arg)
{
    (void)arg;
    reset_order();
    ev = weft_event_new();
    lim = weft_limiter_new(1);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, limiter_holder, ARG(1), "waiter");
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    WEFT_ASSERT_MSG(weft_limiter_borrowed(lim) == 1, "the released token went back to the pool");
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_spawn(g, limiter_thief, NULL, "thief"), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(n_order == 2);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 0);
    return WEFT_OK;
}

static void test_sync_limiter_released_token_reserved(void)
{
    EXPECT_PASS(prog_limiter_released_token_reserved, NULL);
}

/* 31: borrowers are arbitrary pointers, compared by identity: tokens may be
 * borrowed and returned on behalf of them by any task, blocking or not. */
static int acquire_for_c(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_c), WEFT_OK);
    record(3);
    return WEFT_OK; /* &borrower_c keeps the token after this task ends */
}

static int release_for_a(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, borrower_a), WEFT_OK);
    return WEFT_OK;
}

static int prog_limiter_on_behalf_of(void *arg)
{
    (void)arg;
    reset_order();
    const void *opaque = (const void *)(uintptr_t)0x10; /* never dereferenced */
    lim = weft_limiter_new(3);
    EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, borrower_a), WEFT_OK);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_b), WEFT_OK);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, opaque), WEFT_OK);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 3);
    WEFT_ASSERT(weft_limiter_available(lim) == 0);
    EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, &borrower_c), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, opaque), WEFT_OK);
    /* the current task is a borrower of its own, distinct from those above */
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_OK);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 3);

    weft_group *g = weft_group_open();
    spawn_settled(g, acquire_for_c, NULL, "waiter for c");
    WEFT_ASSERT(n_order == 0);
    EXPECT_RC(weft_spawn(g, release_for_a, NULL, "releaser for a"), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(n_order == 1);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 3); /* b, c and the host */
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, &borrower_c), WEFT_OK);
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, &borrower_b), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 0);
    WEFT_ASSERT(weft_limiter_available(lim) == 3);
    return WEFT_OK;
}

static void test_sync_limiter_on_behalf_of(void)
{
    EXPECT_PASS(prog_limiter_on_behalf_of, NULL);
}

/* 31: an unbounded limiter never blocks and reports PTRDIFF_MAX available. */
static int prog_limiter_unbounded(void *arg)
{
    (void)arg;
    static char borrowers[200];
    lim = weft_limiter_new(WEFT_UNBOUNDED);
    WEFT_ASSERT(weft_limiter_total_tokens(lim) == WEFT_UNBOUNDED);
    WEFT_ASSERT(weft_limiter_available(lim) == PTRDIFF_MAX);
    for (size_t i = 0; i < sizeof borrowers; i++) {
        if (i % 2)
            EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, &borrowers[i]), WEFT_OK);
        else
            EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrowers[i]), WEFT_OK);
    }
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == sizeof borrowers + 1);
    WEFT_ASSERT(weft_limiter_available(lim) == PTRDIFF_MAX);
    /* bounded again, below what is borrowed */
    EXPECT_RC(weft_limiter_set_total_tokens(lim, 100), WEFT_OK);
    WEFT_ASSERT(weft_limiter_available(lim) == 100 - (ptrdiff_t)(sizeof borrowers + 1));
    EXPECT_RC(weft_limiter_set_total_tokens(lim, WEFT_UNBOUNDED), WEFT_OK);
    WEFT_ASSERT(weft_limiter_available(lim) == PTRDIFF_MAX);
    return WEFT_OK;
}

static void test_sync_limiter_unbounded(void)
{
    EXPECT_PASS(prog_limiter_unbounded, NULL);
}

/* 31, 2: acquire with a free token is a checkpoint: inside a cancelled
 * scope it returns WEFT_CANCELLED and borrows nothing. */
static int prog_limiter_acquire_is_checkpoint(void *arg)
{
    (void)arg;
    lim = weft_limiter_new(2);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_CANCELLED);
    EXPECT_RC(weft_limiter_acquire_on_behalf_of(lim, &borrower_b), WEFT_CANCELLED);
    WEFT_ASSERT_MSG(weft_limiter_borrowed(lim) == 0, "a cancelled acquire borrowed a token");
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK); /* not misuse: nothing was borrowed */
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    return WEFT_OK;
}

static void test_sync_limiter_acquire_is_checkpoint(void)
{
    EXPECT_PASS(prog_limiter_acquire_is_checkpoint, NULL);
}

/* 31: a waiter cancelled in the middle of the queue leaves it without a
 * token; the others keep their FIFO order. */
static int limiter_user_in_scope(void *arg)
{
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_limiter_acquire(lim);
    if (victim_rc == WEFT_OK) {
        record(ID(arg));
        EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    }
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_limiter_cancelled_waiter_leaves_queue(void *arg)
{
    (void)arg;
    reset_order();
    victim_scope = NULL;
    victim_rc = 99;
    lim = weft_limiter_new(1);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, limiter_user, ARG(0), "waiter 0");
    spawn_settled(g, limiter_user_in_scope, ARG(1), "waiter 1");
    spawn_settled(g, limiter_user, ARG(2), "waiter 2");
    weft_scope_cancel(victim_scope);
    settle();
    EXPECT_RC(victim_rc, WEFT_CANCELLED);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 1);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(n_order == 2 && order[0] == 0 && order[1] == 2,
                    "borrowed by %d waiters, first %d, second %d", n_order, order[0], order[1]);
    WEFT_ASSERT(weft_limiter_borrowed(lim) == 0);
    return WEFT_OK;
}

static void test_sync_limiter_cancelled_waiter_leaves_queue(void)
{
    EXPECT_PASS(prog_limiter_cancelled_waiter_leaves_queue, NULL);
}

/* 31, 11: a cancel racing a release: the token is never lost. */
static int limiter_victim_race(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    victim_rc = weft_limiter_acquire(lim);
    if (victim_rc == WEFT_OK)
        EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    else
        EXPECT_RC(victim_rc, WEFT_CANCELLED);
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_limiter_cancel_release_race(void *arg)
{
    (void)arg;
    victim_scope = NULL;
    victim_rc = 99;
    lim = weft_limiter_new(1);
    EXPECT_RC(weft_limiter_acquire(lim), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, limiter_victim_race, NULL, "waiter");
    EXPECT_RC(weft_spawn(g, cancel_victim, NULL, "canceller"), WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(weft_limiter_borrowed(lim) == 0,
                    "token lost: %zu borrowed (waiter got %s)", weft_limiter_borrowed(lim),
                    sname(victim_rc));
    seen[victim_rc == WEFT_OK]++;
    return WEFT_OK;
}

static void test_sync_limiter_cancel_release_race(void)
{
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_limiter_cancel_release_race, NULL);
    CHECK_BOTH_SEEN();
}

/* ================================================== non-blocking calls (3) */

/* 3: set, release, notify, try_* never checkpoint: inside a cancelled scope
 * they act normally, and a freshly spawned task never runs inside them. */
static int prog_nonblocking_calls_never_checkpoint(void *arg)
{
    (void)arg;
    ran = 0;
    ev = weft_event_new();
    lk = weft_lock_new();
    sem = weft_semaphore_new(1, 1);
    cv = weft_condition_new(lk);
    lim = weft_limiter_new(1);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    weft_event_set(ev);
    EXPECT_RC(weft_lock_try_acquire(lk), WEFT_OK);
    EXPECT_RC(weft_condition_notify(cv, 1), WEFT_OK);
    EXPECT_RC(weft_condition_notify_all(cv), WEFT_OK);
    EXPECT_RC(weft_lock_release(lk), WEFT_OK);
    EXPECT_RC(weft_semaphore_try_acquire(sem), WEFT_OK);
    EXPECT_RC(weft_semaphore_release(sem), WEFT_OK);
    EXPECT_RC(weft_limiter_try_acquire(lim), WEFT_OK);
    EXPECT_RC(weft_limiter_set_total_tokens(lim, 2), WEFT_OK);
    EXPECT_RC(weft_limiter_release(lim), WEFT_OK);
    EXPECT_RC(weft_limiter_try_acquire_on_behalf_of(lim, &borrower_b), WEFT_OK);
    EXPECT_RC(weft_limiter_release_on_behalf_of(lim, &borrower_b), WEFT_OK);
    WEFT_ASSERT_MSG(!ran, "another task ran inside a non-blocking call");
    /* nothing above was a cancellation point: the scope caught nothing */
    EXPECT_RC(weft_scope_close(s), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(ran);
    return WEFT_OK;
}

static void test_sync_nonblocking_calls_never_checkpoint(void)
{
    EXPECT_PASS(prog_nonblocking_calls_never_checkpoint, NULL);
}

/* ============================================ wait_all_tasks_blocked (37) */

static int progress[4];

/* Runs a few checkpoints, then blocks on ev. */
static int busy_then_block(void *arg)
{
    int id = ID(arg);
    for (int i = 0; i < 5; i++) {
        EXPECT_RC(weft_checkpoint(), WEFT_OK);
        progress[id]++;
    }
    EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    progress[id]++;
    return WEFT_OK;
}

/* 37: returns only once every other task is blocked. */
static int prog_wait_all_tasks_blocked(void *arg)
{
    (void)arg;
    memset(progress, 0, sizeof progress);
    ev = weft_event_new();
    weft_group *g = weft_group_open();
    for (int i = 0; i < 4; i++)
        EXPECT_RC(weft_spawn(g, busy_then_block, ARG(i), "busy"), WEFT_OK);
    settle();
    for (int i = 0; i < 4; i++)
        WEFT_ASSERT_MSG(progress[i] == 5, "task %d returned before task %d blocked "
                                          "(progress %d)", weft_task_id(), i, progress[i]);
    weft_event_set(ev);
    settle();
    for (int i = 0; i < 4; i++)
        WEFT_ASSERT(progress[i] == 6);
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_wait_all_tasks_blocked(void)
{
    EXPECT_PASS(prog_wait_all_tasks_blocked, NULL);
}

/* 37 (Trio test_wait_all_tasks_blocked_with_timeouts): a sleeping task counts
 * as blocked, and waking the waiter comes before the clock's jump. */
static int sleeper_done;

static int sleeper(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_sleep(WEFT_SEC(5)), WEFT_OK);
    sleeper_done = 1;
    return WEFT_OK;
}

static int prog_wait_all_tasks_blocked_before_clock(void *arg)
{
    (void)arg;
    sleeper_done = 0;
    weft_time t0 = weft_now();
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, sleeper, NULL, "sleeper"), WEFT_OK);
    settle();
    WEFT_ASSERT_MSG(!sleeper_done, "the clock jumped before waking the waiter");
    WEFT_ASSERT(weft_now() == t0);
    EXPECT_RC(weft_sleep(WEFT_SEC(10)), WEFT_OK);
    WEFT_ASSERT(sleeper_done);
    WEFT_ASSERT(weft_now() - t0 == WEFT_SEC(10));
    join_ok(g);
    return WEFT_OK;
}

static void test_sync_wait_all_tasks_blocked_before_clock_jump(void)
{
    EXPECT_PASS(prog_wait_all_tasks_blocked_before_clock, NULL);
}

/* 37: alone, it returns at once; it is a checkpoint (cancellable). */
static int prog_wait_all_tasks_blocked_alone(void *arg)
{
    (void)arg;
    weft_time t0 = weft_now();
    settle();
    WEFT_ASSERT(weft_now() == t0);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_wait_all_tasks_blocked(), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    return WEFT_OK;
}

static void test_sync_wait_all_tasks_blocked_alone(void)
{
    EXPECT_PASS(prog_wait_all_tasks_blocked_alone, NULL);
}

/* ======================================================= deadlock report */

/* Two tasks, each holding one lock and waiting for the other's: the report
 * names both locks with the file:line where they were made and who holds
 * them. The barrier (an event) makes the deadlock happen in every schedule. */
static int lk_line, lk2_line;
static int n_first;

static int lock_pair(void *arg)
{
    bool ab = ID(arg) == 0;
    weft_lock *first = ab ? lk : lk2, *second = ab ? lk2 : lk;
    EXPECT_RC(weft_lock_acquire(first), WEFT_OK);
    if (++n_first == 2)
        weft_event_set(ev);
    else
        EXPECT_RC(weft_event_wait(ev), WEFT_OK);
    weft_lock_acquire(second);
    weft_fail("the second acquire returned");
}

static int prog_deadlock_two_locks(void *arg)
{
    (void)arg;
    n_first = 0;
    ev = weft_event_new();
    lk = weft_lock_new(); lk_line = __LINE__;
    lk2 = weft_lock_new(); lk2_line = __LINE__;
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, lock_pair, ARG(0), "ab"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, lock_pair, ARG(1), "ba"), WEFT_OK);
    weft_group_join(g);
    weft_fail("join returned");
}

static void test_sync_deadlock_report_names_locks(void)
{
    weft_report r;
    int rc = run_seeds(prog_deadlock_two_locks, NULL, 50, true, &r);
    CU_ASSERT_EQUAL_FATAL(rc, 1);
    CU_ASSERT(r.failed_executions == 50);
    CU_ASSERT_FATAL(r.n_failures >= 1);
    char at1[64], at2[64];
    snprintf(at1, sizeof at1, "test_sync.c:%d", lk_line);
    snprintf(at2, sizeof at2, "test_sync.c:%d", lk2_line);
    for (size_t i = 0; i < r.n_failures; i++) {
        const char *m = r.failures[i].message;
        CU_ASSERT_EQUAL(r.failures[i].kind, WEFT_KIND_DEADLOCK);
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "held by task"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, at1));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, at2));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "'ab'"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "'ba'"));
        CU_ASSERT_PTR_NOT_NULL(strstr(m, "weft_lock_acquire"));
        if (!strstr(m, at1) || !strstr(m, at2) || !strstr(m, "held by task"))
            fprintf(stderr, "\n  deadlock report: %s\n", m);
    }
    weft_report_free(&r);
}

/* ================================================================= suite */

SUITE(sync)
ADD(test_sync_event_set_idempotent)
ADD(test_sync_event_set_wakes_every_waiter)
ADD(test_sync_event_wait_set_is_checkpoint)
ADD(test_sync_event_wait_set_schedules)
ADD(test_sync_event_wait_cancelled_while_blocked)
ADD(test_sync_event_wait_before_set_before_cancel)
ADD(test_sync_event_woken_waiter_keeps_ok)
ADD(test_sync_lock_fifo_handoff)
ADD(test_sync_lock_waiters_fifo)
ADD(test_sync_lock_reacquire_is_misuse)
ADD(test_sync_lock_release_not_held_is_misuse)
ADD(test_sync_lock_cancelled_waiter_never_owns)
ADD(test_sync_lock_cancelled_waiter_leaves_queue)
ADD(test_sync_lock_cancel_release_race)
ADD(test_sync_lock_handoff_kept_when_cancelled)
ADD(test_sync_lock_uncontended_acquire_is_checkpoint)
ADD(test_sync_lock_uncontended_acquire_schedules)
ADD(test_sync_semaphore_initial_above_max_is_misuse)
ADD(test_sync_semaphore_release_past_max_is_misuse)
ADD(test_sync_semaphore_value_and_max)
ADD(test_sync_semaphore_woken_waiter_keeps_slot)
ADD(test_sync_semaphore_waiters_fifo)
ADD(test_sync_semaphore_acquire_is_checkpoint)
ADD(test_sync_semaphore_cancel_release_race)
ADD(test_sync_condition_wait_without_lock_is_misuse)
ADD(test_sync_condition_notify_without_lock_is_misuse)
ADD(test_sync_condition_lock_accessor)
ADD(test_sync_condition_notify_fifo)
ADD(test_sync_condition_cancelled_wait_reacquires_lock)
ADD(test_sync_condition_notified_then_cancelled_keeps_ok)
ADD(test_sync_condition_wait_in_cancelled_scope)
ADD(test_sync_limiter_total_zero_is_misuse)
ADD(test_sync_limiter_borrow_twice_is_misuse)
ADD(test_sync_limiter_release_without_holding_is_misuse)
ADD(test_sync_limiter_waiters_fifo)
ADD(test_sync_limiter_raise_total_wakes_waiters)
ADD(test_sync_limiter_lower_total_takes_nothing_back)
ADD(test_sync_limiter_released_token_reserved)
ADD(test_sync_limiter_on_behalf_of)
ADD(test_sync_limiter_unbounded)
ADD(test_sync_limiter_acquire_is_checkpoint)
ADD(test_sync_limiter_cancelled_waiter_leaves_queue)
ADD(test_sync_limiter_cancel_release_race)
ADD(test_sync_nonblocking_calls_never_checkpoint)
ADD(test_sync_wait_all_tasks_blocked)
ADD(test_sync_wait_all_tasks_blocked_before_clock_jump)
ADD(test_sync_wait_all_tasks_blocked_alone)
ADD(test_sync_deadlock_report_names_locks)
END_SUITE
