/*
 * mutex.c — pthread mutexes (normal, recursive, errorcheck), spinlocks and
 * read-write locks on weft's scheduler.
 *
 * Locking is a scheduling point before it acts; unlocking is not: a release
 * commutes with what other threads do before it (Lipton's left mover: a
 * thread that needs the lock cannot run anyway), so a point there would
 * only add schedules that behave like others. Unlocking makes the
 * first waiter runnable but does not hand the lock over: whoever runs first
 * takes it (glibc lets a running thread barge in the same way), and a woken
 * waiter that finds the lock taken waits again. A normal mutex that its
 * owner locks again blocks forever, as in glibc, and shows up as a
 * deadlock; unlocking a normal mutex held by another thread releases it
 * (glibc does not check). Errorcheck and recursive mutexes return EDEADLK
 * and EPERM.
 *
 * Storage: a pthread_mutex_t keeps glibc's layout. The kind stays where
 * the static initialisers put it (__data.__kind, offset 16) and the object
 * of this execution hangs in the __list bytes (offset 24), which every
 * initialiser leaves zero. Spinlocks (a bare int) keep their object in the
 * execution's address table; rwlocks use their first 16 bytes.
 */
#include "posix.h"

#include <stdio.h>
#include <string.h>

#define MUTEX_KIND_OFF 16
#define MUTEX_SLOT_OFF 24
#define KIND_MASK 3

_Static_assert(sizeof(pthread_mutex_t) >= MUTEX_SLOT_OFF + 16, "pthread_mutex_t layout");
_Static_assert(sizeof(pthread_rwlock_t) >= 16, "pthread_rwlock_t layout");

static void mutex_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_mutex *m = th ? th->wait_obj : NULL;
    if (!m) {
        snprintf(buf, len, "on a mutex");
        return;
    }
    char where[256], holder[96] = "nobody (it was just released)";
    wp_where(m->created_pc, where, sizeof where);
    if (m->owner)
        wp_label(m->owner, holder, sizeof holder);
    snprintf(buf, len, "on %s #%u (created at %s) held by %s", m->what, m->obj, where, holder);
}

static const weft__wait_ops mutex_ops = {"pthread_mutex_lock", mutex_describe, NULL};
static const weft__wait_ops spin_ops = {"pthread_spin_lock", mutex_describe, NULL};

static wp_mutex *mutex_new(wp_exec *x, int kind, uintptr_t pc, const char *what)
{
    wp_mutex *m = weft__alloc(x->rt, sizeof *m);
    m->obj = weft__new_obj(x->rt);
    m->kind = kind;
    m->created_pc = pc;
    m->what = what;
    return m;
}

wp_mutex *wp_mutex_of(wp_exec *x, pthread_mutex_t *pm, uintptr_t pc)
{
    if (!pm)
        wp_misuse(pc, "NULL pthread_mutex_t");
    wp_check_mem(pm, sizeof *pm, pc);
    char *raw = (char *)pm;
    wp_mutex *m = wp_slot_get(raw + MUTEX_SLOT_OFF);
    if (!m) {
        int kind;
        memcpy(&kind, raw + MUTEX_KIND_OFF, sizeof kind);
        m = mutex_new(x, kind & KIND_MASK, pc, "mutex");
        wp_slot_set(raw + MUTEX_SLOT_OFF, m);
    }
    return m;
}

int wp_mutex_acquire(wp_exec *x, wp_thread *me, wp_mutex *m, weft_time deadline,
                     uintptr_t pc)
{
    const weft__wait_ops *ops = strcmp(m->what, "mutex") ? &spin_ops : &mutex_ops;
    for (;;) {
        if (!m->owner) {
            m->owner = me;
            m->count = 1;
            if (wp_cfg_races)
                wp_vc_acquire(x, me, &m->vc);
            return 0;
        }
        if (m->owner == me) {
            if (m->kind == PTHREAD_MUTEX_RECURSIVE) {
                m->count++;
                return 0;
            }
            if (m->kind == PTHREAD_MUTEX_ERRORCHECK)
                return EDEADLK;
            /* normal: waits for itself forever, as glibc does */
        }
        if (!wp_block(x, me, &m->waiters, ops, m, m->obj, deadline, pc))
            return ETIMEDOUT;
    }
}

int wp_mutex_release(wp_exec *x, wp_thread *me, wp_mutex *m, uintptr_t pc)
{
    (void)pc;
    if (m->owner != me) {
        if (m->kind != PTHREAD_MUTEX_NORMAL && m->kind != PTHREAD_MUTEX_ADAPTIVE_NP)
            return EPERM;
        if (!m->owner)
            return 0; /* glibc: unlocking an unlocked normal mutex is not checked */
    } else if (m->kind == PTHREAD_MUTEX_RECURSIVE && --m->count > 0) {
        return 0;
    }
    if (wp_cfg_races) {
        wp_vc_copy(x, &m->vc, &me->vc);
        wp_vc_tick(me);
    }
    m->owner = NULL;
    m->count = 0;
    weft__task *next = weft__waitq_pop(&m->waiters);
    if (next)
        wp_wake(x, next, WEFT__OP_LOCK);
    return 0;
}

/* ---------------------------------------------------------------- mutex */

int weft_pthread_mutex_init(pthread_mutex_t *pm, const pthread_mutexattr_t *attr)
{
    uintptr_t pc = WP_PC();
    int kind = PTHREAD_MUTEX_NORMAL;
    if (attr && pthread_mutexattr_gettype(attr, &kind) != 0)
        return EINVAL;
    memset(pm, 0, sizeof *pm);
    memcpy((char *)pm + MUTEX_KIND_OFF, &kind, sizeof kind);
    wp_exec *x = wp_exec_get();
    if (x)
        wp_slot_set((char *)pm + MUTEX_SLOT_OFF, mutex_new(x, kind & KIND_MASK, pc, "mutex"));
    return 0;
}

int weft_pthread_mutex_destroy(pthread_mutex_t *pm)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_mutex *m = wp_slot_get((char *)pm + MUTEX_SLOT_OFF);
    if (m && (m->owner || m->waiters.n))
        return EBUSY;
    wp_slot_set((char *)pm + MUTEX_SLOT_OFF, NULL);
    return 0;
}

static int mutex_lock_until(pthread_mutex_t *pm, clockid_t clock, const struct timespec *abs,
                            bool timed, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = wp_mutex_of(x, pm, pc);
    weft_time deadline = WEFT_FOREVER;
    if (timed && wp_deadline(clock, abs, &deadline) != 0)
        return EINVAL;
    wp_point(x, me, WEFT__OP_LOCK, m->obj);
    return wp_mutex_acquire(x, me, m, deadline, pc);
}

int weft_pthread_mutex_lock(pthread_mutex_t *pm)
{
    return mutex_lock_until(pm, CLOCK_REALTIME, NULL, false, WP_PC());
}

int weft_pthread_mutex_timedlock(pthread_mutex_t *pm, const struct timespec *abstime)
{
    return mutex_lock_until(pm, CLOCK_REALTIME, abstime, true, WP_PC());
}

int weft_pthread_mutex_clocklock(pthread_mutex_t *pm, clockid_t clock,
                                 const struct timespec *abstime)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    return mutex_lock_until(pm, clock, abstime, true, WP_PC());
}

int weft_pthread_mutex_trylock(pthread_mutex_t *pm)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = wp_mutex_of(x, pm, pc);
    wp_point(x, me, WEFT__OP_LOCK, m->obj);
    if (m->owner == me && m->kind == PTHREAD_MUTEX_RECURSIVE) {
        m->count++;
        return 0;
    }
    if (m->owner)
        return EBUSY;
    return wp_mutex_acquire(x, me, m, WEFT_FOREVER, pc);
}

int weft_pthread_mutex_unlock(pthread_mutex_t *pm)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = wp_mutex_of(x, pm, pc);
    return wp_mutex_release(x, me, m, pc);
}

int weft_pthread_mutex_consistent(pthread_mutex_t *pm)
{
    (void)pm;
    return 0;
}

/* ------------------------------------------------------------- spinlock */

static wp_mutex *spin_of(wp_exec *x, pthread_spinlock_t *s, uintptr_t pc)
{
    if (!s)
        wp_misuse(pc, "NULL pthread_spinlock_t");
    wp_check_mem(s, sizeof *s, pc);
    wp_mutex *m = wp_side_get(x, s);
    if (!m) {
        m = mutex_new(x, PTHREAD_MUTEX_NORMAL, pc, "spinlock");
        wp_side_put(x, s, m);
    }
    return m;
}

int weft_pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
    uintptr_t pc = WP_PC();
    (void)pshared;
    *s = 0;
    wp_exec *x = wp_exec_get();
    if (x)
        wp_side_put(x, s, mutex_new(x, PTHREAD_MUTEX_NORMAL, pc, "spinlock"));
    return 0;
}

int weft_pthread_spin_destroy(pthread_spinlock_t *s)
{
    wp_exec *x = wp_exec_get();
    if (x)
        wp_side_put(x, s, NULL);
    return 0;
}

int weft_pthread_spin_lock(pthread_spinlock_t *s)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = spin_of(x, s, pc);
    wp_point(x, me, WEFT__OP_LOCK, m->obj);
    return wp_mutex_acquire(x, me, m, WEFT_FOREVER, pc);
}

int weft_pthread_spin_trylock(pthread_spinlock_t *s)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = spin_of(x, s, pc);
    wp_point(x, me, WEFT__OP_LOCK, m->obj);
    if (m->owner)
        return EBUSY;
    return wp_mutex_acquire(x, me, m, WEFT_FOREVER, pc);
}

int weft_pthread_spin_unlock(pthread_spinlock_t *s)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_mutex *m = spin_of(x, s, pc);
    return wp_mutex_release(x, me, m, pc);
}

/* --------------------------------------------------------------- rwlock */

typedef struct wp_rwlock {
    uint32_t obj;
    wp_thread *writer;
    wp_thread **readers;   /* one entry per read lock held (recursion repeats) */
    uint32_t n_readers, cap_readers;
    weft__waitq waiters;
    uintptr_t created_pc;
    wp_vc vc;              /* released by writers */
    wp_vc rvc;             /* released by readers, acquired by writers */
} wp_rwlock;

static void rwlock_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_rwlock *rw = th ? th->wait_obj : NULL;
    if (!rw) {
        snprintf(buf, len, "on a rwlock");
        return;
    }
    char where[256], holder[128];
    wp_where(rw->created_pc, where, sizeof where);
    if (rw->writer)
        wp_label(rw->writer, holder, sizeof holder);
    else if (rw->n_readers) {
        char first[96];
        wp_label(rw->readers[0], first, sizeof first);
        snprintf(holder, sizeof holder, "%u reader%s (%s%s)", rw->n_readers,
                 rw->n_readers == 1 ? "" : "s", first, rw->n_readers > 1 ? ", ..." : "");
    } else {
        snprintf(holder, sizeof holder, "nobody (it was just released)");
    }
    snprintf(buf, len, "on rwlock #%u (created at %s) held by %s", rw->obj, where, holder);
}

static const weft__wait_ops rdlock_ops = {"pthread_rwlock_rdlock", rwlock_describe, NULL};
static const weft__wait_ops wrlock_ops = {"pthread_rwlock_wrlock", rwlock_describe, NULL};

static wp_rwlock *rwlock_of(wp_exec *x, pthread_rwlock_t *p, uintptr_t pc)
{
    if (!p)
        wp_misuse(pc, "NULL pthread_rwlock_t");
    wp_check_mem(p, sizeof *p, pc);
    wp_rwlock *rw = wp_slot_get(p);
    if (!rw) {
        rw = weft__alloc(x->rt, sizeof *rw);
        rw->obj = weft__new_obj(x->rt);
        rw->created_pc = pc;
        wp_slot_set(p, rw);
    }
    return rw;
}

static void add_reader(wp_exec *x, wp_rwlock *rw, wp_thread *me)
{
    if (rw->n_readers == rw->cap_readers) {
        uint32_t cap = rw->cap_readers ? rw->cap_readers * 2 : 4;
        wp_thread **r = weft__alloc(x->rt, cap * sizeof *r);
        if (rw->n_readers)
            memcpy(r, rw->readers, rw->n_readers * sizeof *r);
        rw->readers = r;
        rw->cap_readers = cap;
    }
    rw->readers[rw->n_readers++] = me;
}

static bool drop_reader(wp_rwlock *rw, wp_thread *me)
{
    for (uint32_t i = rw->n_readers; i-- > 0;)
        if (rw->readers[i] == me) {
            rw->readers[i] = rw->readers[--rw->n_readers];
            return true;
        }
    return false;
}

static int rwlock_lock(pthread_rwlock_t *p, bool write, bool try, clockid_t clock,
                       const struct timespec *abs, bool timed, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_rwlock *rw = rwlock_of(x, p, pc);
    weft_time deadline = WEFT_FOREVER;
    if (timed && wp_deadline(clock, abs, &deadline) != 0)
        return EINVAL;
    wp_point(x, me, WEFT__OP_LOCK, rw->obj);
    for (;;) {
        if (rw->writer == me)
            return try ? EBUSY : EDEADLK;
        if (!rw->writer && (!write || rw->n_readers == 0)) {
            if (write)
                rw->writer = me;
            else
                add_reader(x, rw, me);
            if (wp_cfg_races) {
                wp_vc_acquire(x, me, &rw->vc);
                if (write)
                    wp_vc_acquire(x, me, &rw->rvc);
            }
            return 0;
        }
        if (try)
            return EBUSY;
        if (!wp_block(x, me, &rw->waiters, write ? &wrlock_ops : &rdlock_ops, rw, rw->obj,
                      deadline, pc))
            return ETIMEDOUT;
    }
}

int weft_pthread_rwlock_init(pthread_rwlock_t *p, const pthread_rwlockattr_t *attr)
{
    uintptr_t pc = WP_PC();
    (void)attr;
    memset(p, 0, sizeof *p);
    wp_exec *x = wp_exec_get();
    if (x)
        rwlock_of(x, p, pc);
    return 0;
}

int weft_pthread_rwlock_destroy(pthread_rwlock_t *p)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_rwlock *rw = wp_slot_get(p);
    if (rw && (rw->writer || rw->n_readers || rw->waiters.n))
        return EBUSY;
    wp_slot_set(p, NULL);
    return 0;
}

int weft_pthread_rwlock_rdlock(pthread_rwlock_t *p)
{
    return rwlock_lock(p, false, false, CLOCK_REALTIME, NULL, false, WP_PC());
}

int weft_pthread_rwlock_tryrdlock(pthread_rwlock_t *p)
{
    return rwlock_lock(p, false, true, CLOCK_REALTIME, NULL, false, WP_PC());
}

int weft_pthread_rwlock_timedrdlock(pthread_rwlock_t *p, const struct timespec *abstime)
{
    return rwlock_lock(p, false, false, CLOCK_REALTIME, abstime, true, WP_PC());
}

int weft_pthread_rwlock_clockrdlock(pthread_rwlock_t *p, clockid_t clock,
                                    const struct timespec *abstime)
{
    return rwlock_lock(p, false, false, clock, abstime, true, WP_PC());
}

int weft_pthread_rwlock_wrlock(pthread_rwlock_t *p)
{
    return rwlock_lock(p, true, false, CLOCK_REALTIME, NULL, false, WP_PC());
}

int weft_pthread_rwlock_trywrlock(pthread_rwlock_t *p)
{
    return rwlock_lock(p, true, true, CLOCK_REALTIME, NULL, false, WP_PC());
}

int weft_pthread_rwlock_timedwrlock(pthread_rwlock_t *p, const struct timespec *abstime)
{
    return rwlock_lock(p, true, false, CLOCK_REALTIME, abstime, true, WP_PC());
}

int weft_pthread_rwlock_clockwrlock(pthread_rwlock_t *p, clockid_t clock,
                                    const struct timespec *abstime)
{
    return rwlock_lock(p, true, false, clock, abstime, true, WP_PC());
}

int weft_pthread_rwlock_unlock(pthread_rwlock_t *p)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *me = wp_self(x);
    wp_rwlock *rw = rwlock_of(x, p, pc);
    if (rw->writer == me) {
        rw->writer = NULL;
        if (wp_cfg_races) {
            wp_vc_release(x, me, &rw->vc);
            wp_vc_tick(me);
        }
    } else if (drop_reader(rw, me)) {
        if (wp_cfg_races) {
            wp_vc_release(x, me, &rw->rvc);
            wp_vc_tick(me);
        }
        if (rw->n_readers)
            return 0;
    } else {
        return EPERM;
    }
    /* Everyone waiting tries again; who gets in is the scheduler's call. */
    wp_wake_all(x, &rw->waiters, WEFT__OP_LOCK);
    return 0;
}

int weft__posix_pthread_mutex_consistent_np(pthread_mutex_t *pm)
    __attribute__((alias("weft_pthread_mutex_consistent")));
