/*
 * scope.c — cancel scopes: deadlines, shields, explicit cancel, delivery.
 *
 * A scope's parent is the scope that was innermost in its task when it was
 * opened; a task's chain of scopes runs through its invisible root scope to
 * the group it belongs to, and on to the scopes that were active in the host
 * when that group was opened. A cancellation reaches a task when a scope on
 * its chain, out to and including the nearest shielded one, is cancelled; it
 * is caught by the outermost such scope (Trio's rule), which is the one whose
 * close reports it.
 *
 * Cancellation is level-triggered: nothing is consumed at delivery, so every
 * later cancellation point inside the scope delivers again.
 */
#include "rt.h"

#include <string.h>

void weft__scope_init(weft__rt *rt, weft_scope *s, weft_scope *parent,
                      weft__task *owner, weft_time deadline, bool shield)
{
    memset(s, 0, sizeof *s);
    s->obj = rt->next_obj++;
    s->parent = parent;
    s->owner = owner;
    s->deadline = deadline;
    s->shield = shield;
    weft__timer_clear(&s->timer);
    s->timer.kind = WEFT__TM_DEADLINE;
    if (deadline == WEFT_FOREVER)
        return;
    if (deadline <= rt->now)
        s->cancel_called = true; /* nobody is inside yet: nothing to wake */
    else if (weft__timers_arm(&rt->timers, &s->timer, deadline) != 0)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory arming a deadline");
}

weft_scope *weft__cancel_catcher(const weft__task *t)
{
    weft_scope *catcher = NULL;
    for (weft_scope *s = t->scope; s; s = s->parent) {
        if (s->cancel_called)
            catcher = s;
        if (s->shield)
            break;
    }
    return catcher;
}

/* Scopes the outside world could cancel at t's cancellation point: group
 * scopes and unshielded user scopes on t's chain that lie outside every
 * shield on it (CONTRACT.md 9). Innermost first; returns the count. */
static size_t inject_candidates(const weft__task *t, weft_scope **out, size_t max)
{
    const weft_scope *outermost_shield = NULL;
    for (const weft_scope *s = t->scope; s; s = s->parent)
        if (s->shield)
            outermost_shield = s;
    const weft_scope *s = t->scope;
    if (outermost_shield)
        s = outermost_shield->parent;
    size_t n = 0;
    for (; s && n < max; s = s->parent)
        if (!s->is_root && !s->shield && !s->cancel_called && !s->closed)
            out[n++] = (weft_scope *)s;
    return n;
}

void weft__maybe_inject_cancel(weft__rt *rt, weft__task *t)
{
    if (!rt->p.inject_cancel || rt->step > rt->p.fair_after)
        return;
    weft_scope *cand[32];
    size_t n = inject_candidates(t, cand, 32);
    if (n == 0)
        return;
    size_t v = weft__choose(rt, WEFT__D_CANCEL, n + 1);
    if (v > 0) {
        rt->cancel_cause = WEFT__CAUSE_INJECTED;
        weft__scope_cancel(rt, cand[v - 1]);
    }
}

int weft__cancel_point(weft__rt *rt, weft__task *t)
{
    weft__maybe_inject_cancel(rt, t);
    if (!weft__cancel_catcher(t))
        return WEFT_OK;
    t->cancel_inflight = true;
    return WEFT_CANCELLED;
}

/* Whether a cancellation of a scope outside s reaches s's extent. */
static bool parent_cancel_visible(const weft_scope *s)
{
    if (s->shield)
        return false;
    for (const weft_scope *p = s->parent; p; p = p->parent) {
        if (p->cancel_called)
            return true;
        if (p->shield)
            break;
    }
    return false;
}

bool weft__scope_catch(weft__task *t, weft_scope *s)
{
    if (!t->cancel_inflight || !s->cancel_called || parent_cancel_visible(s))
        return false;
    t->cancel_inflight = false;
    s->caught = true;
    return true;
}

int weft__deliver(weft__rt *rt, weft__task *t)
{
    /* A wait aborted by a cancellation reports it even if a shield was
     * raised between the abort and this task running again: the operation
     * did not happen, and WEFT_CANCELLED is how a call says so. */
    weft__cancel_point(rt, t);
    t->cancel_inflight = true;
    return WEFT_CANCELLED;
}

void weft__wake_cancelled(weft__rt *rt)
{
    for (size_t i = 0; i < rt->n_tasks; i++) {
        weft__task *t = rt->tasks[i];
        if (t->state != WEFT__T_BLOCKED || !t->cancellable)
            continue;
        if (!weft__cancel_catcher(t))
            continue;
        if (t->wait && t->wait->abort)
            t->wait->abort(t);
        weft__wake(rt, t, WEFT_CANCELLED, WEFT__OP_WAKE);
    }
}

void weft__scope_cancel(weft__rt *rt, weft_scope *s)
{
    if (s->cancel_called) {
        rt->cancel_cause = WEFT__CAUSE_EXPLICIT;
        return;
    }
    s->cancel_called = true;
    WEFT__EMIT(rt, .kind = WEFT__EV_CANCEL, .obj = s->obj, .cause = rt->cancel_cause,
               .task = rt->cur ? rt->cur->id : 0, .file = s->file, .line = s->line,
               .call = s->group ? "task group" : "cancel scope");
    rt->cancel_cause = WEFT__CAUSE_EXPLICIT;
    weft__timers_disarm(&rt->timers, &s->timer);
    if (!s->closed)
        weft__wake_cancelled(rt);
}

void weft__scope_deadline_fired(weft__rt *rt, weft__timer *tm)
{
    rt->cancel_cause = WEFT__CAUSE_DEADLINE;
    weft__scope_cancel(rt, WEFT__CONTAINER_OF(tm, weft_scope, timer));
}

/* ------------------------------------------------------------ public API */

static weft_scope *open_scope(weft_time deadline, bool shield)
{
    weft__rt *rt = weft__need_rt("weft_scope_open");
    weft__task *t = rt->cur;
    weft_scope *s = weft__arena_alloc(&rt->arena, sizeof *s);
    if (!s)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory opening a scope");
    weft__scope_init(rt, s, t->scope, t, deadline, shield);
    s->file = t->loc_file;
    s->line = t->loc_line;
    t->scope = s;
    return s;
}

weft_scope *(weft_scope_open)(weft_time deadline)
{
    return open_scope(deadline, false);
}

weft_scope *(weft_scope_open_shielded)(weft_time deadline)
{
    return open_scope(deadline, true);
}

static weft_scope *open_after(weft_time delay, const char *fn)
{
    weft__rt *rt = weft__need_rt(fn);
    if (delay < 0)
        weft__misuse("%s: negative delay %lld ns", fn, (long long)delay);
    weft_time d = delay > WEFT_FOREVER - rt->now ? WEFT_FOREVER : rt->now + delay;
    return open_scope(d, false);
}

weft_scope *(weft_move_on_after)(weft_time delay)
{
    return open_after(delay, "weft_move_on_after");
}

weft_scope *(weft_fail_after)(weft_time delay)
{
    return open_after(delay, "weft_fail_after");
}

static weft__rt *scope_rt(const weft_scope *s, const char *fn)
{
    weft__rt *rt = weft__need_rt(fn);
    if (!s)
        weft__misuse("%s: NULL scope", fn);
    return rt;
}

void weft_scope_cancel(weft_scope *s)
{
    weft__rt *rt = scope_rt(s, "weft_scope_cancel");
    weft__scope_cancel(rt, s);
}

void weft_scope_set_deadline(weft_scope *s, weft_time deadline)
{
    weft__rt *rt = scope_rt(s, "weft_scope_set_deadline");
    s->deadline = deadline;
    if (s->closed || s->cancel_called)
        return;
    if (deadline == WEFT_FOREVER) {
        weft__timers_disarm(&rt->timers, &s->timer);
    } else if (deadline <= rt->now) {
        rt->cancel_cause = WEFT__CAUSE_DEADLINE;
        weft__scope_cancel(rt, s);
    } else if (weft__timers_arm(&rt->timers, &s->timer, deadline) != 0) {
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory arming a deadline");
    }
}

weft_time weft_scope_deadline(const weft_scope *s)
{
    return s ? s->deadline : WEFT_FOREVER;
}

void weft_scope_set_shield(weft_scope *s, bool shield)
{
    weft__rt *rt = scope_rt(s, "weft_scope_set_shield");
    bool was = s->shield;
    s->shield = shield;
    if (was && !shield && !s->closed)
        weft__wake_cancelled(rt); /* an outer cancellation now reaches in */
}

bool weft_scope_shield(const weft_scope *s)
{
    return s && s->shield;
}

bool weft_scope_cancel_called(const weft_scope *s)
{
    return s && s->cancel_called;
}

bool weft_scope_cancelled_caught(const weft_scope *s)
{
    return s && s->caught;
}

int (weft_scope_close)(weft_scope *s)
{
    weft__rt *rt = scope_rt(s, "weft_scope_close");
    weft__task *t = rt->cur;
    if (s->closed)
        weft__misuse("weft_scope_close: the scope opened at %s:%d is already closed",
                     s->file ? s->file : "?", s->line);
    if (s->owner != t)
        weft__misuse("weft_scope_close: the scope opened at %s:%d belongs to another task",
                     s->file ? s->file : "?", s->line);
    if (t->scope != s) {
        const weft_scope *in = t->scope;
        weft__misuse("weft_scope_close: out of order: the %s opened at %s:%d inside "
                     "the scope opened at %s:%d is still open",
                     in->group ? "task group" : "cancel scope",
                     in->file ? in->file : "?", in->line, s->file ? s->file : "?", s->line);
    }
    s->closed = true;
    weft__timers_disarm(&rt->timers, &s->timer);
    t->scope = s->parent;
    if (!weft__scope_catch(t, s))
        return WEFT_OK;
    return rt->now >= s->deadline ? WEFT_TIMEOUT : WEFT_CANCELLED;
}

void weft__scope_guard_close(weft_scope **s)
{
    if (*s && !(*s)->closed && weft__rt_get())
        (weft_scope_close)(*s);
}

weft_time weft_effective_deadline(void)
{
    weft__rt *rt = weft__need_rt("weft_effective_deadline");
    weft_time d = WEFT_FOREVER;
    for (const weft_scope *s = rt->cur->scope; s; s = s->parent) {
        if (s->cancel_called)
            return INT64_MIN;
        if (s->deadline < d)
            d = s->deadline;
        if (s->shield)
            break;
    }
    return d;
}
