/*
 * checkpoint.c — checkpoints, sleeping, weft_yield, weft_inject and
 * weft_wait_all_tasks_blocked.
 *
 * A checkpoint is a scheduling point followed by a cancellation point
 * (SEMANTICS.md 1). Sleeping parks the task on a timer in a cancellable
 * wait; a sleep that is already due is a plain checkpoint.
 */
#include "rt.h"

int weft__checkpoint_at(const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_checkpoint");
    weft__set_location(file, line);
    weft__schedule_point(rt, WEFT__OP_CHECKPOINT, 0);
    return weft__cancel_point(rt, rt->cur);
}

int (weft_checkpoint)(void)
{
    return weft__checkpoint_at(NULL, 0);
}

int weft__checkpoint_if_cancelled_at(const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_checkpoint_if_cancelled");
    weft__set_location(file, line);
    return weft__cancel_point(rt, rt->cur);
}

int (weft_checkpoint_if_cancelled)(void)
{
    return weft__checkpoint_if_cancelled_at(NULL, 0);
}

void weft__cancel_shielded_checkpoint_at(const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_cancel_shielded_checkpoint");
    weft__set_location(file, line);
    weft__schedule_point(rt, WEFT__OP_CHECKPOINT, 0);
}

void (weft_cancel_shielded_checkpoint)(void)
{
    weft__cancel_shielded_checkpoint_at(NULL, 0);
}

void weft__yield_at(const char *label, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_yield");
    (void)label;
    weft__set_location(file, line);
    weft__schedule_point(rt, WEFT__OP_YIELD, 0);
}

void (weft_yield)(const char *label)
{
    weft__yield_at(label, NULL, 0);
}

/* ------------------------------------------------------------- sleeping */

static void sleep_describe(const weft__task *t, char *buf, size_t len)
{
    if (!weft__timer_armed(&t->sleep_timer)) {
        snprintf(buf, len, "forever (no deadline)");
        return;
    }
    weft_time left = t->sleep_timer.when - weft__cur_rt->now;
    snprintf(buf, len, "until %lld ns from now", (long long)left);
}

static void sleep_abort(weft__task *t)
{
    weft__timers_disarm(&weft__cur_rt->timers, &t->sleep_timer);
}

static const weft__wait_ops sleep_ops = {"weft_sleep", sleep_describe, sleep_abort};

void weft__sleep_timer_fired(weft__rt *rt, weft__timer *tm)
{
    weft__task *t = WEFT__CONTAINER_OF(tm, weft__task, sleep_timer);
    weft__wake(rt, t, WEFT_OK, WEFT__OP_SLEEP);
}

int weft__sleep_until_at(weft_time deadline, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_sleep_until");
    weft__set_location(file, line);
    weft__task *t = rt->cur;
    if (deadline <= rt->now)
        return weft__checkpoint_at(file, line);
    if (deadline != WEFT_FOREVER &&
        weft__timers_arm(&rt->timers, &t->sleep_timer, deadline) != 0)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory arming a timer");
    int rc = weft__block(rt, &sleep_ops, &t->sleep_timer, 0, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    return WEFT_OK;
}

int (weft_sleep_until)(weft_time deadline)
{
    return weft__sleep_until_at(deadline, NULL, 0);
}

int weft__sleep_at(weft_time delay, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_sleep");
    weft__set_location(file, line);
    if (delay < 0)
        weft__misuse("weft_sleep: negative delay %lld ns", (long long)delay);
    weft_time until = delay > WEFT_FOREVER - rt->now ? WEFT_FOREVER : rt->now + delay;
    return weft__sleep_until_at(until, file, line);
}

int (weft_sleep)(weft_time delay)
{
    return weft__sleep_at(delay, NULL, 0);
}

weft_time weft_now(void)
{
    weft__rt *rt = weft__rt_get();
    return rt ? rt->now : 0;
}

/* ------------------------------------------------ all tasks blocked, inject */

static const weft__wait_ops idle_ops = {"weft_wait_all_tasks_blocked", NULL, NULL};

bool weft__wake_idle_waiters(weft__rt *rt)
{
    if (!rt->idle_waiters.n)
        return false;
    weft__task *t;
    while ((t = weft__waitq_pop(&rt->idle_waiters)))
        weft__wake(rt, t, WEFT_OK, WEFT__OP_WAKE);
    return true;
}

int weft__wait_all_tasks_blocked_at(const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_wait_all_tasks_blocked");
    weft__set_location(file, line);
    weft__task *t = rt->cur;
    weft__waitq_push(&rt->idle_waiters, t);
    int rc = weft__block(rt, &idle_ops, NULL, 0, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    return WEFT_OK;
}

int (weft_wait_all_tasks_blocked)(void)
{
    return weft__wait_all_tasks_blocked_at(NULL, 0);
}

/* Swarm testing: whether a site is enabled in this execution, from its
 * name and the execution's key (FNV-1a of the name, mixed with the key). */
static bool site_enabled(uint64_t key, const char *site)
{
    if (!key)
        return true;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)(site ? site : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h = (h ^ key) * 0x9e3779b97f4a7c15ull;
    return (h >> 63) != 0;
}

bool weft_inject(const char *site)
{
    weft__rt *rt = weft__need_rt("weft_inject");
    if (!rt->p.inject || !site_enabled(rt->p.inject_sites, site))
        return false;
    return weft__choose(rt, WEFT__D_INJECT, 2) == 1;
}
