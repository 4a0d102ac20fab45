/*
 * core.c — the pthread layer's per-execution state, thread records,
 * scheduling points, blocking, virtual deadlines and address tables.
 *
 * Invariants:
 *  - wp_exec_get() never returns state of another execution: it compares
 *    the stored serial with weft__exec_serial() and rebuilds the state from
 *    the execution's arena when they differ.
 *  - A pthread wait is weft__block(..., cancellable = false): injected or
 *    explicit cancellations never reach the program. A timed wait arms the
 *    task's own sleep timer and passes it as the waited object, which is
 *    what the runtime's timer code expects; a wake by this layer carries
 *    status WP_WOKEN, a wake by the clock WEFT_OK.
 *  - Address tables hash the address, never order by it: object numbers
 *    are handed out in first-use order, which the schedule determines.
 */
#include "posix.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WP_WOKEN 1
#define WP_SLOT_MAGIC 0x57454654505448ull /* "WEFTPTH" */
#define REALTIME_BASE_NS (1700000000LL * 1000000000LL)

int wp_cfg_points = WEFT_PTHREAD_POINTS_MEMORY;
bool wp_cfg_races;
uint64_t wp_cfg_mem_budget = 5000;

static _Thread_local wp_exec tls_exec;

void weft_pthread_set_points(int points)
{
    wp_cfg_points = points == WEFT_PTHREAD_POINTS_SYNC ? WEFT_PTHREAD_POINTS_SYNC
                                                       : WEFT_PTHREAD_POINTS_MEMORY;
}

int weft_pthread_points(void)
{
    return wp_cfg_points;
}

void weft_pthread_set_races(bool on)
{
    wp_cfg_races = on;
}

bool weft_pthread_races(void)
{
    return wp_cfg_races;
}

void weft_pthread_set_memory_budget(uint64_t points)
{
    wp_cfg_mem_budget = points ? points : 5000;
}

/* ------------------------------------------------------------ the state */

static void exec_reset(wp_exec *x, weft__rt *rt)
{
    memset(x, 0, sizeof *x);
    x->serial = weft__exec_serial();
    x->rt = rt;
    x->rand_state = 1;
}

wp_exec *wp_exec_get(void)
{
    weft__rt *rt = weft__rt_get();
    if (!rt)
        return NULL;
    wp_exec *x = &tls_exec;
    if (__builtin_expect(x->serial != weft__exec_serial() || x->rt != rt, 0))
        exec_reset(x, rt);
    return x;
}

wp_exec *wp_exec_need(const char *fn)
{
    wp_exec *x = wp_exec_get();
    if (!x) {
        fprintf(stderr, "weft: %s called outside a weft execution\n", fn);
        abort();
    }
    return x;
}

/* Grows an arena array to hold at least need elements. */
static void *grow(weft__rt *rt, void *old, uint32_t n, uint32_t *cap, uint32_t need,
                  size_t elem)
{
    if (need <= *cap)
        return old;
    uint32_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *p = weft__alloc(rt, (size_t)c * elem);
    if (old && n)
        memcpy(p, old, (size_t)n * elem);
    *cap = c;
    return p;
}

void wp_task_map(wp_exec *x, weft__task *t, wp_thread *th)
{
    uint32_t old = x->cap_by_task;
    x->by_task = grow(x->rt, x->by_task, old, &x->cap_by_task, t->id + 1,
                      sizeof *x->by_task);
    x->by_task[t->id] = th;
    th->task = t;
}

wp_thread *wp_thread_new(wp_exec *x)
{
    x->threads = grow(x->rt, x->threads, x->n_threads, &x->cap_threads, x->n_threads + 1,
                      sizeof *x->threads);
    wp_thread *th = weft__alloc(x->rt, sizeof *th);
    th->index = x->n_threads;
    x->threads[x->n_threads++] = th;
    return th;
}

wp_thread *wp_thread_of_task(wp_exec *x, const weft__task *t)
{
    if (!x || t->id >= x->cap_by_task)
        return NULL;
    return x->by_task[t->id];
}

wp_thread *wp_self(wp_exec *x)
{
    weft__task *t = x->rt->cur;
    wp_thread *th = wp_thread_of_task(x, t);
    if (__builtin_expect(th != NULL, 1))
        return th;
    /* A plain weft task using a pthread object: give it a record so it can
     * own mutexes; it is nobody's to join. */
    th = wp_thread_new(x);
    th->adopted = true;
    th->detached = true;
    th->name = t->name ? t->name : (t->id == 0 ? "main" : "task");
    wp_task_map(x, t, th);
    if (x->n_threads > 1 && wp_cfg_races)
        wp_vc_tick(th);
    return th;
}

wp_thread *wp_blocked_thread(const weft__task *t)
{
    return wp_thread_of_task(&tls_exec, t);
}

void wp_label(const wp_thread *th, char *buf, size_t len)
{
    if (th && th->task)
        weft__task_label(th->task, buf, len);
    else
        snprintf(buf, len, "thread %u", th ? th->index : 0);
}

/* ------------------------------------------------- points and blocking */

void wp_point(wp_exec *x, wp_thread *me, uint16_t op, uint32_t obj)
{
    int e = errno;
    (void)me;
    wp_quiet = 0;
    weft__schedule_point(x->rt, op, obj);
    errno = e;
}

int wp_block(wp_exec *x, wp_thread *me, weft__waitq *q, const weft__wait_ops *ops,
             const void *obj, uint32_t objnum, weft_time deadline, uintptr_t pc)
{
    weft__rt *rt = x->rt;
    weft__task *t = rt->cur;
    if (deadline != WEFT_FOREVER && deadline <= rt->now)
        return 0;
    int e = errno;
    const void *on = obj;
    if (q)
        weft__waitq_push(q, t);
    if (deadline != WEFT_FOREVER) {
        if (weft__timers_arm(&rt->timers, &t->sleep_timer, deadline) != 0)
            weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory arming a timer");
        on = &t->sleep_timer;
    }
    me->wait_obj = obj;
    me->wait_pc = pc;
    wp_quiet = 0;
    wp_set_location(pc);
    int st = weft__block(rt, ops, on, objnum, false);
    me->wait_obj = NULL;
    if (t->wq) /* woken by the clock while still queued */
        weft__waitq_remove(t->wq, t);
    errno = e;
    return st == WP_WOKEN;
}

void wp_wake(wp_exec *x, weft__task *t, uint16_t op)
{
    weft__wake(x->rt, t, WP_WOKEN, op);
}

void wp_wake_all(wp_exec *x, weft__waitq *q, uint16_t op)
{
    weft__task *t;
    while ((t = weft__waitq_pop(q)))
        weft__wake(x->rt, t, WP_WOKEN, op);
}

/* --------------------------------------------------------------- failing */

static WEFT_NORETURN void failv(int kind, uintptr_t pc, const char *prefix,
                                const char *fmt, va_list ap)
{
    char what[2048], label[96] = "?", where[512];
    vsnprintf(what, sizeof what, fmt, ap);
    wp_exec *x = wp_exec_get();
    if (x)
        wp_label(wp_self(x), label, sizeof label);
    wp_loc l = pc ? wp_symbolize(pc) : (wp_loc){0};
    wp_where(pc, where, sizeof where);
    weft__exec_fail(kind, l.file, l.line, "%s%s (in %s at %s)", prefix, what, label, where);
}

void wp_misuse(uintptr_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(WEFT_KIND_MISUSE, pc, "misuse: ", fmt, ap);
}

void wp_fail(int kind, uintptr_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(kind, pc, "", fmt, ap);
}

/* ------------------------------------------------------------ deadlines */

int wp_deadline(clockid_t clock, const struct timespec *abs, weft_time *out)
{
    if (!abs) {
        *out = WEFT_FOREVER;
        return 0;
    }
    if (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000L)
        return -1;
    if (abs->tv_sec < 0) {
        *out = INT64_MIN + 1;
        return 0;
    }
    if (abs->tv_sec > INT64_MAX / 1000000000LL - 2) {
        *out = WEFT_FOREVER;
        return 0;
    }
    int64_t ns = (int64_t)abs->tv_sec * 1000000000LL + abs->tv_nsec;
    if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI)
        ns -= REALTIME_BASE_NS;
    *out = ns;
    return 0;
}

int weft_pthread_clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (!weft__rt_get())
        return clock_gettime(clock, ts);
    if (!ts) {
        errno = EFAULT;
        return -1;
    }
    int64_t ns = weft_now();
    if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI)
        ns += REALTIME_BASE_NS;
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}

/* --------------------------------------------------- pthread object slots */

typedef struct wp_slot {
    uint64_t tag;
    void *obj;
} wp_slot;

void *wp_slot_get(const void *slot)
{
    const wp_slot *s = slot;
    if (s->tag != (WP_SLOT_MAGIC ^ weft__exec_serial()))
        return NULL;
    return s->obj;
}

void wp_slot_set(void *slot, void *obj)
{
    wp_slot *s = slot;
    s->tag = obj ? WP_SLOT_MAGIC ^ weft__exec_serial() : 0;
    s->obj = obj;
}

/* ------------------------------------------------------- address tables */

/* Open addressing, generation-stamped: a slot is live only when its gen
 * is the current execution's serial, so no table is ever cleared. The
 * tables outlive executions (malloc'd) and only grow. */
typedef struct addr_slot {
    uintptr_t key;
    uint64_t gen;
    uint32_t val;
} addr_slot;

static _Thread_local addr_slot *addr_tab;
static _Thread_local size_t addr_cap, addr_live;
static _Thread_local uint64_t addr_gen;

static _Thread_local wp_side *side_tab;
static _Thread_local size_t side_cap, side_live;
static _Thread_local uint64_t side_gen;

static inline size_t hash_addr(uintptr_t k, size_t cap)
{
    return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static void addr_grow(void)
{
    size_t cap = addr_cap ? addr_cap * 2 : 4096;
    addr_slot *t = calloc(cap, sizeof *t);
    if (!t)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory (address table)");
    for (size_t i = 0; i < addr_cap; i++) {
        if (addr_tab[i].gen != addr_gen)
            continue;
        size_t h = hash_addr(addr_tab[i].key, cap);
        while (t[h].gen == addr_gen)
            h = (h + 1) & (cap - 1);
        t[h] = addr_tab[i];
    }
    free(addr_tab);
    addr_tab = t;
    addr_cap = cap;
}

uint32_t wp_addr_obj(wp_exec *x, uintptr_t a)
{
    uintptr_t k = a >> 3;
    if (addr_gen != x->serial) {
        addr_gen = x->serial;
        addr_live = 0;
    }
    if (2 * (addr_live + 1) > addr_cap)
        addr_grow();
    size_t h = hash_addr(k, addr_cap);
    while (addr_tab[h].gen == addr_gen) {
        if (addr_tab[h].key == k)
            return addr_tab[h].val;
        h = (h + 1) & (addr_cap - 1);
    }
    addr_tab[h] = (addr_slot){.key = k, .gen = addr_gen, .val = WP_MEM_OBJ_BASE + x->next_mem_obj++};
    addr_live++;
    return addr_tab[h].val;
}

bool wp_addr_lookup(wp_exec *x, uintptr_t a, uint32_t *obj)
{
    uintptr_t k = a >> 3;
    if (addr_gen != x->serial || !addr_cap)
        return false;
    size_t h = hash_addr(k, addr_cap);
    while (addr_tab[h].gen == addr_gen) {
        if (addr_tab[h].key == k) {
            *obj = addr_tab[h].val;
            return true;
        }
        h = (h + 1) & (addr_cap - 1);
    }
    return false;
}

static void side_grow(void)
{
    size_t cap = side_cap ? side_cap * 2 : 256;
    wp_side *t = calloc(cap, sizeof *t);
    if (!t)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory (object table)");
    for (size_t i = 0; i < side_cap; i++) {
        if (side_tab[i].gen != side_gen)
            continue;
        size_t h = hash_addr(side_tab[i].key, cap);
        while (t[h].gen == side_gen)
            h = (h + 1) & (cap - 1);
        t[h] = side_tab[i];
    }
    free(side_tab);
    side_tab = t;
    side_cap = cap;
}

static wp_side *side_find(wp_exec *x, uintptr_t k, bool add)
{
    if (side_gen != x->serial) {
        side_gen = x->serial;
        side_live = 0;
    }
    if (add && 2 * (side_live + 1) > side_cap)
        side_grow();
    if (!side_cap)
        return NULL;
    size_t h = hash_addr(k, side_cap);
    while (side_tab[h].gen == side_gen) {
        if (side_tab[h].key == k)
            return &side_tab[h];
        h = (h + 1) & (side_cap - 1);
    }
    if (!add)
        return NULL;
    side_tab[h] = (wp_side){.key = k, .gen = side_gen, .obj = NULL};
    side_live++;
    return &side_tab[h];
}

void *wp_side_get(wp_exec *x, const volatile void *key)
{
    wp_side *s = side_find(x, (uintptr_t)key, false);
    return s ? s->obj : NULL;
}

void wp_side_put(wp_exec *x, const volatile void *key, void *obj)
{
    side_find(x, (uintptr_t)key, true)->obj = obj;
}
