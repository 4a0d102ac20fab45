/*
 * tsan.c — weft's implementation of the hooks that -fsanitize=thread code
 * calls (__tsan_read4, __tsan_atomic32_fetch_add, ...). No TSan runtime is
 * linked: these hooks are the runtime.
 *
 * For each instrumented access outside the running thread's own stack:
 *  1. the execution heap checks it (use after free, overflow: heap.c);
 *  2. with races on, happens-before checks it (race.c);
 *  3. with memory points, it is a scheduling point whose object is the
 *     execution's number for its 8-byte word, so POS and friends see which
 *     accesses conflict. After wp_cfg_mem_budget memory points the rest of
 *     the execution runs on synchronisation points only, so a long
 *     computation stays inside weft's step limits; then, as in sync mode,
 *     a thread that makes WP_QUIET_LIMIT accesses without reaching any
 *     scheduling point yields once (a spin loop on a plain flag must let
 *     the thread it waits for run).
 * Atomic operations are always scheduling points (they are how lock-free
 * code synchronises), and they are performed here, plainly: every thread of
 * the program runs on one OS thread, one at a time.
 *
 * Accesses outside an execution (static constructors, weft's own code
 * between executions) return at once.
 */
#include "posix.h"

#include <string.h>

_Thread_local uint32_t wp_quiet;  /* accesses since the last point */

static void slow(weft__rt *rt, uintptr_t a, size_t n, bool write, bool atomic, uintptr_t pc,
                 bool races)
{
    wp_exec *x = wp_exec_get();
    wp_thread *me = wp_self(x);
    if (races)
        wp_race_access(x, me, a, n, write, atomic, pc);
    if (atomic || (wp_cfg_points == WEFT_PTHREAD_POINTS_MEMORY &&
                   x->mem_points < wp_cfg_mem_budget)) {
        wp_quiet = 0;
        if (rt->rq.n == 0)
            return; /* nobody else could run here */
        if (!atomic)
            x->mem_points++;
        int e = errno;
        weft__schedule_point(rt, write ? WEFT__OP_MEM_WRITE : WEFT__OP_MEM_READ,
                             wp_addr_obj(x, a));
        errno = e;
        return;
    }
    if (++wp_quiet >= WP_QUIET_LIMIT) {
        wp_quiet = 0;
        if (rt->rq.n)
            wp_point(x, me, WEFT__OP_YIELD, 0);
    }
}

static inline __attribute__((always_inline)) void on_access(uintptr_t a, size_t n, bool write,
                                                         bool atomic, uintptr_t pc)
{
    weft__rt *rt = weft__cur_rt;
    if (__builtin_expect(!rt || !rt->active, 0))
        return;
    const weft__task *t = rt->cur;
    if (a - (uintptr_t)t->stack.lo < t->stack.size && !atomic)
        return;
    if (a - wp_heap_lo < wp_heap_hi - wp_heap_lo)
        wp_heap_check(a, n, write, pc);
    slow(rt, a, n, write, atomic, pc, wp_cfg_races);
}

/* ------------------------------------------------------- plain accesses */

#define WP_RW(n)                                                              \
    void __tsan_read##n(void *a) { on_access((uintptr_t)a, n, false, false, WP_PC()); } \
    void __tsan_write##n(void *a) { on_access((uintptr_t)a, n, true, false, WP_PC()); } \
    void __tsan_unaligned_read##n(void *a)                                    \
    {                                                                         \
        on_access((uintptr_t)a, n, false, false, WP_PC());                       \
    }                                                                         \
    void __tsan_unaligned_write##n(void *a)                                   \
    {                                                                         \
        on_access((uintptr_t)a, n, true, false, WP_PC());                        \
    }                                                                         \
    void __tsan_volatile_read##n(void *a)                                     \
    {                                                                         \
        on_access((uintptr_t)a, n, false, false, WP_PC());                       \
    }                                                                         \
    void __tsan_volatile_write##n(void *a)                                    \
    {                                                                         \
        on_access((uintptr_t)a, n, true, false, WP_PC());                        \
    }                                                                         \
    void __tsan_unaligned_volatile_read##n(void *a)                           \
    {                                                                         \
        on_access((uintptr_t)a, n, false, false, WP_PC());                       \
    }                                                                         \
    void __tsan_unaligned_volatile_write##n(void *a)                          \
    {                                                                         \
        on_access((uintptr_t)a, n, true, false, WP_PC());                        \
    }                                                                         \
    void __tsan_read##n##_pc(void *a, void *pc)                               \
    {                                                                         \
        on_access((uintptr_t)a, n, false, false, (uintptr_t)pc);                 \
    }                                                                         \
    void __tsan_write##n##_pc(void *a, void *pc)                              \
    {                                                                         \
        on_access((uintptr_t)a, n, true, false, (uintptr_t)pc);                  \
    }

/* Declared here so the definitions below have prototypes. */
#define WP_RW_DECL(n)                                                         \
    void __tsan_read##n(void *a);                                             \
    void __tsan_write##n(void *a);                                            \
    void __tsan_unaligned_read##n(void *a);                                   \
    void __tsan_unaligned_write##n(void *a);                                  \
    void __tsan_volatile_read##n(void *a);                                    \
    void __tsan_volatile_write##n(void *a);                                   \
    void __tsan_unaligned_volatile_read##n(void *a);                          \
    void __tsan_unaligned_volatile_write##n(void *a);                         \
    void __tsan_read##n##_pc(void *a, void *pc);                              \
    void __tsan_write##n##_pc(void *a, void *pc);

WP_RW_DECL(1)
WP_RW_DECL(2)
WP_RW_DECL(4)
WP_RW_DECL(8)
WP_RW_DECL(16)
WP_RW(1)
WP_RW(2)
WP_RW(4)
WP_RW(8)
WP_RW(16)

void __tsan_read_range(void *a, unsigned long n);
void __tsan_write_range(void *a, unsigned long n);
void __tsan_read_range_pc(void *a, unsigned long n, void *pc);
void __tsan_write_range_pc(void *a, unsigned long n, void *pc);

/* A range is one access (one scheduling point) of n bytes; the heap and
 * race checks look at its first and last byte and every word between. */
static void range(uintptr_t a, size_t n, bool write, uintptr_t pc)
{
    if (!n)
        return;
    weft__rt *rt = weft__cur_rt;
    if (!rt || !rt->active)
        return;
    const weft__task *t = rt->cur;
    if (a - (uintptr_t)t->stack.lo < t->stack.size)
        return;
    if (a - wp_heap_lo < wp_heap_hi - wp_heap_lo)
        wp_heap_check(a, n, write, pc);
    if (wp_cfg_races) {
        wp_exec *x = wp_exec_get();
        wp_thread *me = wp_self(x);
        for (size_t off = 0; off < n;) {
            size_t chunk = 8 - ((a + off) & 7);
            if (chunk > n - off)
                chunk = n - off;
            wp_race_access(x, me, a + off, chunk, write, false, pc);
            off += chunk;
        }
    }
    slow(rt, a, n, write, false, pc, false); /* races: checked above, word by word */
}

void __tsan_read_range(void *a, unsigned long n)
{
    range((uintptr_t)a, n, false, WP_PC());
}

void __tsan_write_range(void *a, unsigned long n)
{
    range((uintptr_t)a, n, true, WP_PC());
}

void __tsan_read_range_pc(void *a, unsigned long n, void *pc)
{
    range((uintptr_t)a, n, false, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long n, void *pc)
{
    range((uintptr_t)a, n, true, (uintptr_t)pc);
}

/* The program's memcpy/memmove/memset (weft-cc redirects them here): the
 * TSan runtime intercepts them to see the accesses; so does weft. */
void *weft__posix_memcpy(void *d, const void *s, size_t n)
{
    range((uintptr_t)s, n, false, WP_PC());
    range((uintptr_t)d, n, true, WP_PC());
    return memcpy(d, s, n);
}

void *weft__posix_memmove(void *d, const void *s, size_t n)
{
    range((uintptr_t)s, n, false, WP_PC());
    range((uintptr_t)d, n, true, WP_PC());
    return memmove(d, s, n);
}

void *weft__posix_memset(void *d, int c, size_t n)
{
    range((uintptr_t)d, n, true, WP_PC());
    return memset(d, c, n);
}

/* ------------------------------------------------ functions, vptr, misc */

void __tsan_init(void);
void __tsan_func_entry(void *pc);
void __tsan_func_exit(void);
void __tsan_vptr_update(void **vptr_p, void *new_val);
void __tsan_vptr_read(void **vptr_p);
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);

void __tsan_init(void) {}
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) {}
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

void __tsan_vptr_update(void **vptr_p, void *new_val)
{
    if (*vptr_p != new_val)
        on_access((uintptr_t)vptr_p, sizeof *vptr_p, true, false, WP_PC());
}

void __tsan_vptr_read(void **vptr_p)
{
    on_access((uintptr_t)vptr_p, sizeof *vptr_p, false, false, WP_PC());
}

/* Annotations some libraries make: synchronisation without a point. */
void __tsan_acquire(void *addr)
{
    (void)addr;
}

void __tsan_release(void *addr)
{
    (void)addr;
}

/* -------------------------------------------------------------- atomics */

typedef unsigned char wp_a8;
typedef unsigned short wp_a16;
typedef unsigned int wp_a32;
typedef unsigned long long wp_a64;
typedef unsigned __int128 wp_a128;

static inline void atomic_point(const volatile void *a, size_t n, bool write, uintptr_t pc)
{
    on_access((uintptr_t)a, n, write, true, pc);
}

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_thread_fence(int mo) { (void)mo; }
void __tsan_atomic_signal_fence(int mo) { (void)mo; }

#define WP_RMW(bits, name, expr)                                              \
    wp_a##bits __tsan_atomic##bits##_##name(volatile wp_a##bits *a, wp_a##bits v, int mo); \
    wp_a##bits __tsan_atomic##bits##_##name(volatile wp_a##bits *a, wp_a##bits v, int mo) \
    {                                                                         \
        (void)mo;                                                             \
        atomic_point(a, sizeof *a, true, WP_PC());                            \
        wp_a##bits old = *a;                                                  \
        *a = (wp_a##bits)(expr);                                              \
        return old;                                                           \
    }

#define WP_ATOMICS(bits)                                                      \
    wp_a##bits __tsan_atomic##bits##_load(const volatile wp_a##bits *a, int mo); \
    wp_a##bits __tsan_atomic##bits##_load(const volatile wp_a##bits *a, int mo) \
    {                                                                         \
        (void)mo;                                                             \
        atomic_point(a, sizeof *a, false, WP_PC());                           \
        return *a;                                                            \
    }                                                                         \
    void __tsan_atomic##bits##_store(volatile wp_a##bits *a, wp_a##bits v, int mo); \
    void __tsan_atomic##bits##_store(volatile wp_a##bits *a, wp_a##bits v, int mo) \
    {                                                                         \
        (void)mo;                                                             \
        atomic_point(a, sizeof *a, true, WP_PC());                            \
        *a = v;                                                               \
    }                                                                         \
    WP_RMW(bits, exchange, v)                                                 \
    WP_RMW(bits, fetch_add, old + v)                                          \
    WP_RMW(bits, fetch_sub, old - v)                                          \
    WP_RMW(bits, fetch_and, old & v)                                          \
    WP_RMW(bits, fetch_or, old | v)                                           \
    WP_RMW(bits, fetch_xor, old ^ v)                                          \
    WP_RMW(bits, fetch_nand, ~(old & v))                                      \
    int __tsan_atomic##bits##_compare_exchange_strong(volatile wp_a##bits *a,  \
                                                      wp_a##bits *c, wp_a##bits v, \
                                                      int mo, int fmo);       \
    int __tsan_atomic##bits##_compare_exchange_strong(volatile wp_a##bits *a,  \
                                                      wp_a##bits *c, wp_a##bits v, \
                                                      int mo, int fmo)        \
    {                                                                         \
        (void)mo, (void)fmo;                                                  \
        atomic_point(a, sizeof *a, true, WP_PC());                            \
        if (*a == *c) {                                                       \
            *a = v;                                                           \
            return 1;                                                         \
        }                                                                     \
        *c = *a;                                                              \
        return 0;                                                             \
    }                                                                         \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile wp_a##bits *a,    \
                                                    wp_a##bits *c, wp_a##bits v, \
                                                    int mo, int fmo);         \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile wp_a##bits *a,    \
                                                    wp_a##bits *c, wp_a##bits v, \
                                                    int mo, int fmo)          \
    {                                                                         \
        (void)mo, (void)fmo;                                                  \
        atomic_point(a, sizeof *a, true, WP_PC());                            \
        if (*a == *c) {                                                       \
            *a = v;                                                           \
            return 1;                                                         \
        }                                                                     \
        *c = *a;                                                              \
        return 0;                                                             \
    }                                                                         \
    wp_a##bits __tsan_atomic##bits##_compare_exchange_val(volatile wp_a##bits *a, \
                                                          wp_a##bits c, wp_a##bits v, \
                                                          int mo, int fmo);   \
    wp_a##bits __tsan_atomic##bits##_compare_exchange_val(volatile wp_a##bits *a, \
                                                          wp_a##bits c, wp_a##bits v, \
                                                          int mo, int fmo)    \
    {                                                                         \
        (void)mo, (void)fmo;                                                  \
        atomic_point(a, sizeof *a, true, WP_PC());                            \
        wp_a##bits old = *a;                                                  \
        if (old == c)                                                         \
            *a = v;                                                           \
        return old;                                                           \
    }

WP_ATOMICS(8)
WP_ATOMICS(16)
WP_ATOMICS(32)
WP_ATOMICS(64)
WP_ATOMICS(128)
