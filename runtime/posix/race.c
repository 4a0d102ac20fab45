/*
 * race.c — data-race detection over the instrumented accesses (--races):
 * vector clocks and per-word access histories, in the manner of FastTrack
 * and TSan's shadow cells.
 *
 * Each thread has a vector clock; creating and joining threads, releasing
 * and acquiring mutexes, rwlocks and spinlocks, signalling conditions,
 * posting semaphores, barriers, pthread_once and atomic operations (each
 * treated as acquire-release on its word) order them. Every 8-byte word of
 * shared memory remembers its last write and up to three reads: thread,
 * that thread's clock, call site and which bytes. An access races with a
 * remembered one when they touch a common byte, come from different
 * threads, at least one writes, not both are atomic, and the remembered
 * one is not ordered before the current thread's clock. The first race
 * ends the execution as a `race` failure naming both accesses.
 *
 * Precision limits (it may miss races, never invents one): three reads per
 * word (the oldest is forgotten), one write per word, atomics treated as
 * acquire-release, rwlock read unlocks release into a clock writers read.
 * Memory handed out again by the execution heap starts with no history.
 */
#include "posix.h"

#include <stdio.h>
#include <string.h>

typedef struct acc {
    uintptr_t pc;
    uint32_t tid;          /* thread index + 1; 0: no access */
    uint32_t clk;
    uint8_t mask;          /* bytes of the word */
    uint8_t write;
    uint8_t atomic;
} acc;

typedef struct shadow {
    uint64_t gen;          /* execution serial it belongs to */
    acc w;
    acc r[3];
    wp_vc sync;            /* atomics' release clock */
} shadow;

static _Thread_local shadow *sh_tab;
static _Thread_local size_t sh_cap;

/* ---------------------------------------------------------- vector clocks */

static inline uint32_t vc_get(const wp_vc *v, uint32_t i)
{
    return i < v->n ? v->c[i] : 0;
}

/* Makes v hold at least n entries (new ones 0). */
static void vc_ensure(wp_exec *x, wp_vc *v, uint32_t n)
{
    if (v->n >= n)
        return;
    if (v->cap < n) {
        uint32_t cap = v->cap ? v->cap * 2 : 8;
        while (cap < n)
            cap *= 2;
        uint32_t *c = weft__alloc(x->rt, (size_t)cap * sizeof *c); /* zeroed */
        if (v->n)
            memcpy(c, v->c, v->n * sizeof *c);
        v->c = c;
        v->cap = cap;
    } else {
        memset(v->c + v->n, 0, (n - v->n) * sizeof *v->c);
    }
    v->n = n;
}

void wp_vc_acquire(wp_exec *x, wp_thread *me, const wp_vc *from)
{
    if (!from->n)
        return;
    vc_ensure(x, &me->vc, from->n);
    for (uint32_t i = 0; i < from->n; i++)
        if (from->c[i] > me->vc.c[i])
            me->vc.c[i] = from->c[i];
}

void wp_vc_release(wp_exec *x, wp_thread *me, wp_vc *to)
{
    vc_ensure(x, to, me->vc.n);
    for (uint32_t i = 0; i < me->vc.n; i++)
        if (me->vc.c[i] > to->c[i])
            to->c[i] = me->vc.c[i];
}

void wp_vc_copy(wp_exec *x, wp_vc *to, const wp_vc *from)
{
    vc_ensure(x, to, from->n);
    if (to->n)
        memset(to->c, 0, to->n * sizeof *to->c);
    if (from->n)
        memcpy(to->c, from->c, from->n * sizeof *to->c);
}

void wp_vc_tick(wp_thread *me)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return;
    vc_ensure(x, &me->vc, me->index + 1);
    me->vc.c[me->index]++;
}

/* ---------------------------------------------------------------- shadow */

static shadow *shadow_of(wp_exec *x, uintptr_t word)
{
    uint32_t n = wp_addr_obj(x, word) - WP_MEM_OBJ_BASE;
    if (n >= sh_cap) {
        size_t cap = sh_cap ? sh_cap * 2 : 4096;
        while (cap <= n)
            cap *= 2;
        shadow *t = realloc(sh_tab, cap * sizeof *t);
        if (!t)
            weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory (race shadow)");
        memset(t + sh_cap, 0, (cap - sh_cap) * sizeof *t);
        sh_tab = t;
        sh_cap = cap;
    }
    shadow *s = &sh_tab[n];
    if (s->gen != x->serial)
        memset(s, 0, sizeof *s), s->gen = x->serial;
    return s;
}

void wp_race_forget(wp_exec *x, uintptr_t a, size_t n)
{
    for (uintptr_t w = a & ~(uintptr_t)7; w < a + n; w += 8) {
        uint32_t obj;
        if (wp_addr_lookup(x, w, &obj) && obj - WP_MEM_OBJ_BASE < sh_cap)
            sh_tab[obj - WP_MEM_OBJ_BASE].gen = 0;
    }
}

/* --------------------------------------------------------------- reports */

static void describe_addr(uintptr_t a, char *buf, size_t len)
{
    char name[256];
    if (a - wp_heap_lo < wp_heap_hi - wp_heap_lo) {
        wp_heap_describe(a, name, sizeof name);
        snprintf(buf, len, "%s", name);
    } else if (wp_data_name(a, name, sizeof name)) {
        snprintf(buf, len, "'%s'", name);
    } else {
        snprintf(buf, len, "shared memory");
    }
}

static WEFT_NORETURN void report(wp_exec *x, wp_thread *me, uintptr_t a, size_t n, bool write,
                                 bool atomic, uintptr_t pc, const acc *old)
{
    char what[512], now_at[256], old_at[256], me_label[96], old_label[96] = "a thread";
    describe_addr(a, what, sizeof what);
    wp_where(pc, now_at, sizeof now_at);
    wp_where(old->pc, old_at, sizeof old_at);
    wp_label(me, me_label, sizeof me_label);
    if (old->tid && old->tid - 1 < x->n_threads)
        wp_label(x->threads[old->tid - 1], old_label, sizeof old_label);
    wp_loc l = wp_symbolize(pc);
    weft__exec_fail(WEFT_KIND_RACE, l.file, l.line,
                    "data race: %s%s of %zu bytes at %s by %s at %s\n"
                    "  conflicts with an earlier %s%s by %s at %s (not ordered by "
                    "happens-before)",
                    atomic ? "atomic " : "", write ? "write" : "read", n, what, me_label,
                    now_at, old->atomic ? "atomic " : "", old->write ? "write" : "read",
                    old_label, old_at);
}

static inline bool races_with(const acc *o, uint32_t tid, uint8_t mask, bool atomic,
                              const wp_vc *vc)
{
    return o->tid && o->tid != tid && (o->mask & mask) && !(o->atomic && atomic) &&
           o->clk > vc_get(vc, o->tid - 1);
}

static void word_access(wp_exec *x, wp_thread *me, uintptr_t a, size_t n, bool write,
                        bool atomic, uintptr_t pc)
{
    uintptr_t word = a & ~(uintptr_t)7;
    uint8_t mask = (uint8_t)(((1u << n) - 1) << (a - word));
    shadow *s = shadow_of(x, word);
    if (atomic) {
        wp_vc_acquire(x, me, &s->sync);
        if (write) {
            wp_vc_release(x, me, &s->sync);
            wp_vc_tick(me);
        }
    }
    uint32_t tid = me->index + 1;
    if (races_with(&s->w, tid, mask, atomic, &me->vc))
        report(x, me, a, n, write, atomic, pc, &s->w);
    if (write)
        for (int i = 0; i < 3; i++)
            if (races_with(&s->r[i], tid, mask, atomic, &me->vc))
                report(x, me, a, n, write, atomic, pc, &s->r[i]);
    acc cur = {.pc = pc, .tid = tid, .clk = vc_get(&me->vc, me->index), .mask = mask,
               .write = write, .atomic = atomic};
    if (write) {
        s->w = cur;
        for (int i = 0; i < 3; i++) /* reads of these bytes are ordered before */
            if ((s->r[i].mask & ~mask) == 0)
                s->r[i].tid = 0;
        return;
    }
    int slot = -1;
    for (int i = 0; i < 3 && slot < 0; i++)
        if (s->r[i].tid == tid || !s->r[i].tid)
            slot = i;
    for (int i = 0; i < 3 && slot < 0; i++)
        if (s->r[i].clk <= vc_get(&me->vc, s->r[i].tid - 1))
            slot = i;
    if (slot < 0) { /* forget the oldest */
        s->r[0] = s->r[1];
        s->r[1] = s->r[2];
        slot = 2;
    }
    s->r[slot] = cur;
}

void wp_race_access(wp_exec *x, wp_thread *me, uintptr_t a, size_t n, bool write, bool atomic,
                    uintptr_t pc)
{
    if (!me->vc.n)
        wp_vc_tick(me);
    while (n) {
        size_t chunk = 8 - (a & 7);
        if (chunk > n)
            chunk = n;
        word_access(x, me, a, chunk, write, atomic, pc);
        a += chunk;
        n -= chunk;
    }
}
