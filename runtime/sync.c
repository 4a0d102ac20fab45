/*
 * sync.c — Event, Lock, Semaphore and Condition with AnyIO/Trio semantics.
 *
 * Every blocking call follows Trio's shape: a cancellation point first
 * (when cancelled: a scheduling point, then WEFT_CANCELLED, and nothing
 * happened), then the non-blocking attempt; on success a scheduling point
 * that cannot be cancelled (so the call is a checkpoint even when it does
 * not block); otherwise a cancellable wait in FIFO order.
 *
 * Hand-off: a release with waiters gives the lock, slot or token straight
 * to the first waiter, so nobody can barge in between the wake-up and the
 * waiter running (SEMANTICS.md 28, 29). A waiter woken with WEFT_OK owns
 * what it waited for even if a cancellation arrives before it runs.
 */
#include "rt.h"

#include <string.h>

void *weft__alloc(weft__rt *rt, size_t size)
{
    void *p = weft__arena_alloc(&rt->arena, size);
    if (!p)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory");
    return p;
}

int weft__pre_checkpoint(weft__rt *rt, uint16_t op, uint32_t obj)
{
    weft__maybe_inject_cancel(rt, rt->cur);
    if (!weft__cancel_catcher(rt->cur))
        return WEFT_OK;
    weft__schedule_point(rt, op, obj);
    return weft__cancel_point(rt, rt->cur);
}

/* Waits on q until woken (WEFT_OK) or cancelled (WEFT_CANCELLED). */
static int wait_on(weft__rt *rt, weft__waitq *q, const weft__wait_ops *ops,
                   const void *on, uint32_t obj)
{
    weft__task *t = rt->cur;
    weft__waitq_push(q, t);
    int rc = weft__block(rt, ops, on, obj, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    return rc;
}

static void created_at(char *buf, size_t len, const char *what, uint32_t obj,
                       const char *file, int line)
{
    snprintf(buf, len, "%s #%u (created at %s:%d)", what, obj, file ? file : "?", line);
}

/* ------------------------------------------------------------------ event */

struct weft_event {
    uint32_t obj;
    bool set;
    weft__waitq waiters;
    const char *file;
    int line;
};

static void event_describe(const weft__task *t, char *buf, size_t len)
{
    const weft_event *e = t->wait_on;
    created_at(buf, len, "on event", e->obj, e->file, e->line);
}

static const weft__wait_ops event_ops = {"weft_event_wait", event_describe, NULL};

weft_event *(weft_event_new)(void)
{
    weft__rt *rt = weft__need_rt("weft_event_new");
    weft_event *e = weft__alloc(rt, sizeof *e);
    e->obj = weft__new_obj(rt);
    e->file = rt->cur->loc_file;
    e->line = rt->cur->loc_line;
    return e;
}

void weft_event_set(weft_event *e)
{
    weft__rt *rt = weft__need_rt("weft_event_set");
    if (!e)
        weft__misuse("weft_event_set: NULL event");
    if (e->set)
        return;
    e->set = true;
    weft__task *t;
    while ((t = weft__waitq_pop(&e->waiters)))
        weft__wake(rt, t, WEFT_OK, WEFT__OP_EVENT);
}

bool weft_event_is_set(const weft_event *e)
{
    return e && e->set;
}

int (weft_event_wait)(weft_event *e)
{
    weft__rt *rt = weft__need_rt("weft_event_wait");
    if (!e)
        weft__misuse("weft_event_wait: NULL event");
    if (e->set) {
        weft__schedule_point(rt, WEFT__OP_EVENT, e->obj);
        return weft__cancel_point(rt, rt->cur);
    }
    return wait_on(rt, &e->waiters, &event_ops, e, e->obj);
}

/* ------------------------------------------------------------------- lock */

struct weft_lock {
    uint32_t obj;
    weft__task *owner;
    weft__waitq waiters;
    const char *file;
    int line;
};

static void lock_describe(const weft__task *t, char *buf, size_t len)
{
    const weft_lock *l = t->wait_on;
    char what[160], holder[96] = "nobody";
    created_at(what, sizeof what, "on lock", l->obj, l->file, l->line);
    if (l->owner)
        weft__task_label(l->owner, holder, sizeof holder);
    snprintf(buf, len, "%s held by %s", what, holder);
}

static const weft__wait_ops lock_ops = {"weft_lock_acquire", lock_describe, NULL};

weft_lock *(weft_lock_new)(void)
{
    weft__rt *rt = weft__need_rt("weft_lock_new");
    weft_lock *l = weft__alloc(rt, sizeof *l);
    l->obj = weft__new_obj(rt);
    l->file = rt->cur->loc_file;
    l->line = rt->cur->loc_line;
    return l;
}

static void lock_check_reacquire(const weft__task *t, const weft_lock *l,
                                 const char *fn)
{
    if (!l)
        weft__misuse("%s: NULL lock", fn);
    if (l->owner == t)
        weft__misuse("%s: the task already holds the lock created at %s:%d", fn,
                     l->file ? l->file : "?", l->line);
}

int (weft_lock_acquire)(weft_lock *l)
{
    weft__rt *rt = weft__need_rt("weft_lock_acquire");
    weft__task *t = rt->cur;
    lock_check_reacquire(t, l, "weft_lock_acquire");
    int rc = weft__pre_checkpoint(rt, WEFT__OP_LOCK, l->obj);
    if (rc != WEFT_OK)
        return rc;
    if (!l->owner && !l->waiters.n) {
        l->owner = t;
        weft__schedule_point(rt, WEFT__OP_LOCK, l->obj);
        return WEFT_OK;
    }
    rc = wait_on(rt, &l->waiters, &lock_ops, l, l->obj);
    WEFT__CHECK(rc != WEFT_OK || l->owner == t);
    return rc;
}

/* Takes l for t without a checkpoint when free; else waits uncancellably.
 * For the condition's re-acquire, which runs shielded. */
static void lock_acquire_shielded(weft__rt *rt, weft_lock *l)
{
    weft__task *t = rt->cur;
    if (!l->owner && !l->waiters.n) {
        l->owner = t;
        weft__schedule_point(rt, WEFT__OP_LOCK, l->obj);
        return;
    }
    weft__waitq_push(&l->waiters, t);
    weft__block(rt, &lock_ops, l, l->obj, false);
    WEFT__CHECK(l->owner == t);
}

int (weft_lock_try_acquire)(weft_lock *l)
{
    weft__rt *rt = weft__need_rt("weft_lock_try_acquire");
    lock_check_reacquire(rt->cur, l, "weft_lock_try_acquire");
    if (l->owner || l->waiters.n)
        return WEFT_WOULDBLOCK;
    l->owner = rt->cur;
    return WEFT_OK;
}

static void lock_hand_off(weft__rt *rt, weft_lock *l)
{
    weft__task *next = weft__waitq_pop(&l->waiters);
    l->owner = next;
    if (next)
        weft__wake(rt, next, WEFT_OK, WEFT__OP_LOCK);
}

int (weft_lock_release)(weft_lock *l)
{
    weft__rt *rt = weft__need_rt("weft_lock_release");
    if (!l)
        weft__misuse("weft_lock_release: NULL lock");
    if (l->owner != rt->cur)
        weft__misuse("weft_lock_release: the lock created at %s:%d is %s", l->file ? l->file : "?",
                     l->line, l->owner ? "held by another task" : "not held");
    lock_hand_off(rt, l);
    return WEFT_OK;
}

bool weft_lock_locked(const weft_lock *l)
{
    return l && l->owner;
}

/* -------------------------------------------------------------- semaphore */

struct weft_semaphore {
    uint32_t obj;
    size_t value, max;
    weft__waitq waiters;
    const char *file;
    int line;
};

static void sem_describe(const weft__task *t, char *buf, size_t len)
{
    const weft_semaphore *s = t->wait_on;
    char what[160];
    created_at(what, sizeof what, "on semaphore", s->obj, s->file, s->line);
    snprintf(buf, len, "%s, value %zu", what, s->value);
}

static const weft__wait_ops sem_ops = {"weft_semaphore_acquire", sem_describe, NULL};

weft_semaphore *(weft_semaphore_new)(size_t initial, size_t max)
{
    weft__rt *rt = weft__need_rt("weft_semaphore_new");
    if ((ptrdiff_t)initial < 0)
        weft__misuse("weft_semaphore_new: negative initial value");
    if (max != WEFT_UNBOUNDED && ((ptrdiff_t)max < 0 || initial > max))
        weft__misuse("weft_semaphore_new: initial value %zu exceeds the maximum %zu",
                     initial, max);
    weft_semaphore *s = weft__alloc(rt, sizeof *s);
    s->obj = weft__new_obj(rt);
    s->value = initial;
    s->max = max;
    s->file = rt->cur->loc_file;
    s->line = rt->cur->loc_line;
    return s;
}

int (weft_semaphore_acquire)(weft_semaphore *s)
{
    weft__rt *rt = weft__need_rt("weft_semaphore_acquire");
    if (!s)
        weft__misuse("weft_semaphore_acquire: NULL semaphore");
    int rc = weft__pre_checkpoint(rt, WEFT__OP_SEMAPHORE, s->obj);
    if (rc != WEFT_OK)
        return rc;
    if (s->value > 0 && !s->waiters.n) {
        s->value--;
        weft__schedule_point(rt, WEFT__OP_SEMAPHORE, s->obj);
        return WEFT_OK;
    }
    return wait_on(rt, &s->waiters, &sem_ops, s, s->obj);
}

int weft_semaphore_try_acquire(weft_semaphore *s)
{
    weft__need_rt("weft_semaphore_try_acquire");
    if (!s)
        weft__misuse("weft_semaphore_try_acquire: NULL semaphore");
    if (s->value == 0 || s->waiters.n)
        return WEFT_WOULDBLOCK;
    s->value--;
    return WEFT_OK;
}

int (weft_semaphore_release)(weft_semaphore *s)
{
    weft__rt *rt = weft__need_rt("weft_semaphore_release");
    if (!s)
        weft__misuse("weft_semaphore_release: NULL semaphore");
    if (s->max != WEFT_UNBOUNDED && s->value >= s->max)
        weft__misuse("weft_semaphore_release: released past its maximum %zu (created at %s:%d)",
                     s->max, s->file ? s->file : "?", s->line);
    weft__task *next = weft__waitq_pop(&s->waiters);
    if (next)
        weft__wake(rt, next, WEFT_OK, WEFT__OP_SEMAPHORE); /* the slot goes to it */
    else
        s->value++;
    return WEFT_OK;
}

size_t weft_semaphore_value(const weft_semaphore *s)
{
    return s ? s->value : 0;
}

size_t weft_semaphore_max_value(const weft_semaphore *s)
{
    return s ? s->max : 0;
}

/* -------------------------------------------------------------- condition */

struct weft_condition {
    uint32_t obj;
    weft_lock *lock;
    weft__waitq waiters;
    const char *file;
    int line;
};

static void cond_describe(const weft__task *t, char *buf, size_t len)
{
    const weft_condition *c = t->wait_on;
    created_at(buf, len, "on condition", c->obj, c->file, c->line);
}

static const weft__wait_ops cond_ops = {"weft_condition_wait", cond_describe, NULL};

weft_condition *(weft_condition_new)(weft_lock *l)
{
    weft__rt *rt = weft__need_rt("weft_condition_new");
    weft_condition *c = weft__alloc(rt, sizeof *c);
    c->lock = l ? l : (weft_lock_new)();
    c->obj = weft__new_obj(rt);
    c->file = rt->cur->loc_file;
    c->line = rt->cur->loc_line;
    return c;
}

weft_lock *weft_condition_lock(weft_condition *c)
{
    return c ? c->lock : NULL;
}

static void cond_check_held(const weft__rt *rt, const weft_condition *c,
                            const char *fn)
{
    if (!c)
        weft__misuse("%s: NULL condition", fn);
    if (c->lock->owner != rt->cur)
        weft__misuse("%s: the condition's lock (created at %s:%d) is not held by this task",
                     fn, c->lock->file ? c->lock->file : "?", c->lock->line);
}

int (weft_condition_wait)(weft_condition *c)
{
    weft__rt *rt = weft__need_rt("weft_condition_wait");
    cond_check_held(rt, c, "weft_condition_wait");
    int rc = weft__pre_checkpoint(rt, WEFT__OP_CONDITION, c->obj);
    if (rc != WEFT_OK)
        return rc; /* still holding the lock: nothing happened */
    lock_hand_off(rt, c->lock);
    weft__waitq_push(&c->waiters, rt->cur);
    rc = weft__block(rt, &cond_ops, c, c->obj, true);
    lock_acquire_shielded(rt, c->lock);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, rt->cur);
    return WEFT_OK; /* notified: kept even if a cancellation arrived since */
}

int (weft_condition_notify)(weft_condition *c, size_t n)
{
    weft__rt *rt = weft__need_rt("weft_condition_notify");
    cond_check_held(rt, c, "weft_condition_notify");
    weft__task *t;
    while (n-- > 0 && (t = weft__waitq_pop(&c->waiters)))
        weft__wake(rt, t, WEFT_OK, WEFT__OP_CONDITION);
    return WEFT_OK;
}

int (weft_condition_notify_all)(weft_condition *c)
{
    return (weft_condition_notify)(c, SIZE_MAX);
}
