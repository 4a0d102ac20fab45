/*
 * cond.c — condition variables, barriers and POSIX semaphores.
 *
 * Condition variables. pthread_cond_signal must wake at least one of the
 * threads waiting at the time it is sent, and which one is up to the
 * implementation; weft leaves it to the scheduler. A signal records a token
 * (its sequence number) and makes every blocked waiter runnable; the first
 * eligible waiter to run consumes the oldest token it may take (one sent
 * after it started waiting) and returns, the others wait again. So every
 * choice of the woken thread is a schedule, reached through ordinary pick
 * decisions. Broadcast wakes everyone waiting when it is sent. A signal
 * with nobody waiting is lost, as in POSIX. With fault injection on, a
 * wait may return without any signal (site "spurious wakeup").
 *
 * Invariants: n_tokens <= n_waiting after every signal; a token no waiter
 * could consume (sent before every remaining waiter began) is dropped when
 * waiters leave, so tokens never block later signals.
 *
 * sem_post is not a scheduling point (a release: see mutex.c); sem_wait,
 * signalling and waiting are.
 *
 * Storage: the condition's object hangs in its first 16 bytes (zero in
 * PTHREAD_COND_INITIALIZER); its clock (pthread_condattr_setclock) is kept
 * at byte 16 as clock + 1. Barriers and semaphores use their first 16 bytes;
 * a semaphore initialised outside an execution keeps its value at byte 16.
 */
#include "posix.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(pthread_cond_t) >= 24, "pthread_cond_t layout");
_Static_assert(sizeof(sem_t) >= 24, "sem_t layout");
_Static_assert(sizeof(pthread_barrier_t) >= 16, "pthread_barrier_t layout");

#define COND_CLOCK_OFF 16
#define SEM_VALUE_OFF 16
#define SEM_INIT_OFF 20
#define SEM_INIT_MAGIC 0x53454d49u

typedef struct wp_cond {
    uint32_t obj;
    clockid_t clock;
    weft__waitq blocked;       /* waiters not yet runnable */
    wp_thread **waiting;       /* every thread inside a wait */
    uint32_t n_waiting, cap_waiting;
    uint64_t seq;              /* wait starts and signals, numbered */
    uint64_t *tokens;          /* signals not yet consumed, ascending */
    uint32_t n_tokens, cap_tokens;
    uint64_t bcast;            /* number of the last broadcast */
    uintptr_t created_pc;
    wp_vc vc;
} wp_cond;

static void created(char *buf, size_t len, const char *what, uint32_t obj, uintptr_t pc)
{
    char where[256];
    wp_where(pc, where, sizeof where);
    snprintf(buf, len, "on %s #%u (created at %s)", what, obj, where);
}

static void cond_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_cond *c = th ? th->wait_obj : NULL;
    if (c)
        created(buf, len, "condition", c->obj, c->created_pc);
    else
        snprintf(buf, len, "on a condition");
}

static const weft__wait_ops cond_ops = {"pthread_cond_wait", cond_describe, NULL};

/* Appends v to an arena array of 8-byte elements. */
static void *push(wp_exec *x, void *arr, uint32_t *n, uint32_t *cap, const void *v)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 4;
        void *p = weft__alloc(x->rt, (size_t)c * 8);
        if (*n)
            memcpy(p, arr, (size_t)*n * 8);
        arr = p;
        *cap = c;
    }
    memcpy((char *)arr + (size_t)*n * 8, v, 8);
    (*n)++;
    return arr;
}

static wp_cond *cond_of(wp_exec *x, pthread_cond_t *pc_, uintptr_t pc)
{
    if (!pc_)
        wp_misuse(pc, "NULL pthread_cond_t");
    wp_check_mem(pc_, sizeof *pc_, pc);
    wp_cond *c = wp_slot_get(pc_);
    if (!c) {
        c = weft__alloc(x->rt, sizeof *c);
        c->obj = weft__new_obj(x->rt);
        c->created_pc = pc;
        int ck;
        memcpy(&ck, (char *)pc_ + COND_CLOCK_OFF, sizeof ck);
        c->clock = ck > 0 ? (clockid_t)(ck - 1) : CLOCK_REALTIME;
        wp_slot_set(pc_, c);
    }
    return c;
}

int weft_pthread_cond_init(pthread_cond_t *pc_, const pthread_condattr_t *attr)
{
    uintptr_t pc = WP_PC();
    clockid_t clock = CLOCK_REALTIME;
    if (attr && pthread_condattr_getclock(attr, &clock) != 0)
        return EINVAL;
    memset(pc_, 0, sizeof *pc_);
    int ck = (int)clock + 1;
    memcpy((char *)pc_ + COND_CLOCK_OFF, &ck, sizeof ck);
    wp_exec *x = wp_exec_get();
    if (x)
        cond_of(x, pc_, pc);
    return 0;
}

int weft_pthread_cond_destroy(pthread_cond_t *pc_)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_cond *c = wp_slot_get(pc_);
    if (c && c->n_waiting)
        return EBUSY;
    wp_slot_set(pc_, NULL);
    return 0;
}

/* Drops tokens that no remaining waiter may consume. */
static void prune(wp_cond *c)
{
    uint64_t min = UINT64_MAX;
    for (uint32_t i = 0; i < c->n_waiting; i++)
        if (c->waiting[i]->cond_epoch < min)
            min = c->waiting[i]->cond_epoch;
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n_tokens; i++)
        if (c->tokens[i] > min)
            c->tokens[k++] = c->tokens[i];
    c->n_tokens = k;
}

/* Whether me, just woken, has a signal or broadcast to return with. */
static bool consume(wp_cond *c, wp_thread *me)
{
    if (c->bcast > me->cond_epoch)
        return true;
    for (uint32_t i = 0; i < c->n_tokens; i++)
        if (c->tokens[i] > me->cond_epoch) {
            memmove(c->tokens + i, c->tokens + i + 1, (c->n_tokens - i - 1) * sizeof *c->tokens);
            c->n_tokens--;
            return true;
        }
    return false;
}

static void leave(wp_cond *c, wp_thread *me)
{
    for (uint32_t i = 0; i < c->n_waiting; i++)
        if (c->waiting[i] == me) {
            c->waiting[i] = c->waiting[--c->n_waiting];
            break;
        }
    prune(c);
}

static int cond_wait(pthread_cond_t *pc_, pthread_mutex_t *pm, bool timed, bool own_clock,
                     clockid_t clock, const struct timespec *abs, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0; /* outside an execution: a spurious wake-up */
    wp_thread *me = wp_self(x);
    wp_cond *c = cond_of(x, pc_, pc);
    wp_mutex *m = wp_mutex_of(x, pm, pc);
    if (m->owner != me)
        wp_misuse(pc, "pthread_cond_wait on condition #%u: the mutex is not locked by "
                      "this thread", c->obj);
    weft_time deadline = WEFT_FOREVER;
    if (timed && wp_deadline(own_clock ? clock : c->clock, abs, &deadline) != 0)
        return EINVAL;
    wp_point(x, me, WEFT__OP_CONDITION, c->obj);
    unsigned depth = m->count;
    m->count = 1;
    if (weft_inject("spurious wakeup")) {
        wp_mutex_release(x, me, m, pc);
        wp_point(x, me, WEFT__OP_CONDITION, c->obj);
        wp_mutex_acquire(x, me, m, WEFT_FOREVER, pc);
        m->count = depth;
        return 0;
    }
    me->cond_epoch = ++c->seq;
    c->waiting = push(x, c->waiting, &c->n_waiting, &c->cap_waiting, &me);
    wp_mutex_release(x, me, m, pc);
    int rc = 0;
    for (;;) {
        if (!wp_block(x, me, &c->blocked, &cond_ops, c, c->obj, deadline, pc)) {
            rc = ETIMEDOUT;
            break;
        }
        if (consume(c, me))
            break;
    }
    leave(c, me);
    if (rc == 0 && wp_cfg_races)
        wp_vc_acquire(x, me, &c->vc);
    wp_mutex_acquire(x, me, m, WEFT_FOREVER, pc);
    m->count = depth;
    return rc;
}

int weft_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return cond_wait(c, m, false, false, CLOCK_REALTIME, NULL, WP_PC());
}

int weft_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                const struct timespec *abstime)
{
    return cond_wait(c, m, true, false, CLOCK_REALTIME, abstime, WP_PC());
}

int weft_pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                const struct timespec *abstime)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    return cond_wait(c, m, true, true, clock, abstime, WP_PC());
}

static int cond_wake(pthread_cond_t *pc_, bool all, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_cond *c = cond_of(x, pc_, pc);
    wp_point(x, me, WEFT__OP_CONDITION, c->obj);
    if (wp_cfg_races) {
        wp_vc_release(x, me, &c->vc);
        wp_vc_tick(me);
    }
    if (!c->n_waiting)
        return 0;
    if (all) {
        c->bcast = ++c->seq;
    } else {
        prune(c);
        if (c->n_tokens >= c->n_waiting)
            return 0; /* every waiter already has a signal coming */
        uint64_t tok = ++c->seq;
        c->tokens = push(x, c->tokens, &c->n_tokens, &c->cap_tokens, &tok);
    }
    wp_wake_all(x, &c->blocked, WEFT__OP_CONDITION);
    return 0;
}

int weft_pthread_cond_signal(pthread_cond_t *c)
{
    return cond_wake(c, false, WP_PC());
}

int weft_pthread_cond_broadcast(pthread_cond_t *c)
{
    return cond_wake(c, true, WP_PC());
}

/* -------------------------------------------------------------- barrier */

typedef struct wp_barrier {
    uint32_t obj;
    unsigned count, arrived;
    uint64_t gen;
    weft__waitq waiters;
    uintptr_t created_pc;
    wp_vc vc, gen_vc;
} wp_barrier;

static void barrier_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_barrier *b = th ? th->wait_obj : NULL;
    if (!b) {
        snprintf(buf, len, "on a barrier");
        return;
    }
    char what[320];
    created(what, sizeof what, "barrier", b->obj, b->created_pc);
    snprintf(buf, len, "%s, %u of %u arrived", what, b->arrived, b->count);
}

static const weft__wait_ops barrier_ops = {"pthread_barrier_wait", barrier_describe, NULL};

int weft_pthread_barrier_init(pthread_barrier_t *pb, const pthread_barrierattr_t *attr,
                              unsigned count)
{
    uintptr_t pc = WP_PC();
    (void)attr;
    if (count == 0)
        return EINVAL;
    memset(pb, 0, sizeof *pb);
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_barrier *b = weft__alloc(x->rt, sizeof *b);
    b->obj = weft__new_obj(x->rt);
    b->count = count;
    b->created_pc = pc;
    wp_slot_set(pb, b);
    return 0;
}

int weft_pthread_barrier_destroy(pthread_barrier_t *pb)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_barrier *b = wp_slot_get(pb);
    if (b && b->waiters.n)
        return EBUSY;
    wp_slot_set(pb, NULL);
    return 0;
}

int weft_pthread_barrier_wait(pthread_barrier_t *pb)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return PTHREAD_BARRIER_SERIAL_THREAD;
    wp_thread *me = wp_self(x);
    wp_check_mem(pb, sizeof *pb, pc);
    wp_barrier *b = wp_slot_get(pb);
    if (!b)
        wp_misuse(pc, "pthread_barrier_wait on a barrier not initialised in this execution");
    wp_point(x, me, WEFT__OP_SYNC, b->obj);
    if (wp_cfg_races) {
        wp_vc_release(x, me, &b->vc);
        wp_vc_tick(me);
    }
    if (++b->arrived == b->count) {
        b->arrived = 0;
        b->gen++;
        b->gen_vc = b->vc;
        b->vc = (wp_vc){0};
        wp_wake_all(x, &b->waiters, WEFT__OP_SYNC);
        if (wp_cfg_races)
            wp_vc_acquire(x, me, &b->gen_vc);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    uint64_t gen = b->gen;
    while (b->gen == gen)
        wp_block(x, me, &b->waiters, &barrier_ops, b, b->obj, WEFT_FOREVER, pc);
    if (wp_cfg_races)
        wp_vc_acquire(x, me, &b->gen_vc);
    return 0;
}

/* ------------------------------------------------------------ semaphore */

typedef struct wp_sem {
    uint32_t obj;
    unsigned value;
    weft__waitq waiters;
    uintptr_t created_pc;
    wp_vc vc;
} wp_sem;

static void sem_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_sem *s = th ? th->wait_obj : NULL;
    if (!s) {
        snprintf(buf, len, "on a semaphore");
        return;
    }
    char what[320];
    created(what, sizeof what, "semaphore", s->obj, s->created_pc);
    snprintf(buf, len, "%s, value %u", what, s->value);
}

static const weft__wait_ops sem_ops = {"sem_wait", sem_describe, NULL};

static wp_sem *sem_of(wp_exec *x, sem_t *ps, uintptr_t pc)
{
    if (!ps)
        wp_misuse(pc, "NULL sem_t");
    wp_check_mem(ps, sizeof *ps, pc);
    wp_sem *s = wp_slot_get(ps);
    if (!s) {
        s = weft__alloc(x->rt, sizeof *s);
        s->obj = weft__new_obj(x->rt);
        s->created_pc = pc;
        uint32_t init, v;
        memcpy(&init, (char *)ps + SEM_INIT_OFF, sizeof init);
        memcpy(&v, (char *)ps + SEM_VALUE_OFF, sizeof v);
        s->value = init == SEM_INIT_MAGIC ? v : 0;
        wp_slot_set(ps, s);
    }
    return s;
}

static int sem_error(int e)
{
    errno = e;
    return -1;
}

int weft_sem_init(sem_t *ps, int pshared, unsigned value)
{
    uintptr_t pc = WP_PC();
    (void)pshared;
    if (value > (unsigned)SEM_VALUE_MAX)
        return sem_error(EINVAL);
    memset(ps, 0, sizeof *ps);
    uint32_t v = value, init = SEM_INIT_MAGIC;
    memcpy((char *)ps + SEM_VALUE_OFF, &v, sizeof v);
    memcpy((char *)ps + SEM_INIT_OFF, &init, sizeof init);
    wp_exec *x = wp_exec_get();
    if (x)
        sem_of(x, ps, pc);
    return 0;
}

int weft_sem_destroy(sem_t *ps)
{
    wp_exec *x = wp_exec_get();
    if (x) {
        wp_sem *s = wp_slot_get(ps);
        if (s && s->waiters.n)
            return sem_error(EBUSY);
        wp_slot_set(ps, NULL);
    }
    return 0;
}

static int sem_take(sem_t *ps, bool try, bool timed, clockid_t clock,
                    const struct timespec *abs, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_sem *s = sem_of(x, ps, pc);
    weft_time deadline = WEFT_FOREVER;
    if (timed && wp_deadline(clock, abs, &deadline) != 0)
        return sem_error(EINVAL);
    wp_point(x, me, WEFT__OP_SEMAPHORE, s->obj);
    for (;;) {
        if (s->value > 0) {
            s->value--;
            if (wp_cfg_races)
                wp_vc_acquire(x, me, &s->vc);
            return 0;
        }
        if (try)
            return sem_error(EAGAIN);
        if (!wp_block(x, me, &s->waiters, &sem_ops, s, s->obj, deadline, pc))
            return sem_error(ETIMEDOUT);
    }
}

int weft_sem_wait(sem_t *s)
{
    return sem_take(s, false, false, CLOCK_REALTIME, NULL, WP_PC());
}

int weft_sem_trywait(sem_t *s)
{
    return sem_take(s, true, false, CLOCK_REALTIME, NULL, WP_PC());
}

int weft_sem_timedwait(sem_t *s, const struct timespec *abstime)
{
    return sem_take(s, false, true, CLOCK_REALTIME, abstime, WP_PC());
}

int weft_sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime)
{
    return sem_take(s, false, true, clock, abstime, WP_PC());
}

int weft_sem_post(sem_t *ps)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_sem *s = sem_of(x, ps, pc);
    if (s->value >= (unsigned)SEM_VALUE_MAX)
        return sem_error(EOVERFLOW);
    s->value++;
    if (wp_cfg_races) {
        wp_vc_release(x, me, &s->vc);
        wp_vc_tick(me);
    }
    weft__task *next = weft__waitq_pop(&s->waiters);
    if (next)
        wp_wake(x, next, WEFT__OP_SEMAPHORE);
    return 0;
}

int weft_sem_getvalue(sem_t *ps, int *value)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x) {
        *value = 0;
        return 0;
    }
    wp_thread *me = wp_self(x);
    wp_sem *s = sem_of(x, ps, pc);
    wp_point(x, me, WEFT__OP_SEMAPHORE, s->obj);
    *value = (int)s->value;
    return 0;
}
