/*
 * test_fiber.c — the "fiber" CUnit suite: context switches (runtime/fiber.c
 * and its assembly) and pooled guard-paged stacks (runtime/stack.c).
 *
 * Each test leaves no fiber it started suspended unless it says why, and
 * gives every stack back to the suite's pool. Fibers never use
 * CU_ASSERT_*_FATAL (it would longjmp across stacks): they record what they
 * saw in variables that the main fiber asserts on.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* fork, setrlimit, sysconf under -std=c11 */
#endif
#include <CUnit/CUnit.h>

#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "../runtime/fiber.h"
#include "../runtime/stack.h"

#define STACK_SIZE (256 * 1024)
#define BIG_STACK_SIZE (4 * 1024 * 1024)

static weft__stack_pool pool;     /* STACK_SIZE stacks for every test */
static weft__stack_pool big_pool; /* BIG_STACK_SIZE, for recursion tests */
static weft__fiber main_f;        /* the CUnit runner's own stack */

static int suite_init(void)
{
    weft__stack_pool_init(&pool, STACK_SIZE);
    weft__stack_pool_init(&big_pool, BIG_STACK_SIZE);
    weft__fiber_init_main(&main_f);
    return 0;
}

static int suite_clean(void)
{
    weft__stack_pool_destroy(&pool);
    weft__stack_pool_destroy(&big_pool);
    return 0;
}

/* Gets a stack from p and makes f run entry(arg) on it. 0 or -1. */
static int fiber_start(weft__stack_pool *p, weft__fiber *f, weft__stack *st,
                       void (*entry)(void *), void *arg)
{
    if (weft__stack_get(p, st) != 0)
        return -1;
    weft__fiber_make(f, st->lo, st->size, entry, arg);
    return 0;
}

/* ------------------------------------------------------------ ping-pong */

/* main -> a -> b -> main, ROUNDS times; each hop adds one to token. */
#define ROUNDS 100000
static weft__fiber pp_a, pp_b;
static long pp_token;
static int pp_stop;
static long pp_bad; /* hops that saw an unexpected token */
static long pp_hops[2];

static __attribute__((noreturn)) void pp_body(int who, weft__fiber *self, weft__fiber *next)
{
    for (;;) {
        if (pp_stop)
            weft__fiber_switch_final(self, next);
        if (pp_token % 3 != who)
            pp_bad++;
        pp_token++;
        pp_hops[who]++;
        weft__fiber_switch(self, next);
    }
}

static void pp_a_entry(void *arg)
{
    (void)arg;
    pp_body(0, &pp_a, &pp_b);
}

static void pp_b_entry(void *arg)
{
    (void)arg;
    pp_body(1, &pp_b, &main_f);
}

static void test_fiber_ping_pong_round_trips(void)
{
    weft__stack sa, sb;
    long r, bad = 0;

    pp_token = 0;
    pp_stop = 0;
    pp_bad = 0;
    pp_hops[0] = pp_hops[1] = 0;
    CU_ASSERT_FATAL(fiber_start(&pool, &pp_a, &sa, pp_a_entry, NULL) == 0);
    CU_ASSERT_FATAL(fiber_start(&pool, &pp_b, &sb, pp_b_entry, NULL) == 0);
    for (r = 0; r < ROUNDS; r++) {
        pp_token = 3 * r;
        weft__fiber_switch(&main_f, &pp_a);
        bad += pp_token != 3 * r + 2;
    }
    pp_stop = 1;
    weft__fiber_switch(&main_f, &pp_a); /* a ends into b, b into main */
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(pp_bad, 0);
    CU_ASSERT_EQUAL(pp_hops[0], ROUNDS);
    CU_ASSERT_EQUAL(pp_hops[1], ROUNDS);
    weft__stack_put(&pool, &sa);
    weft__stack_put(&pool, &sb);
}

/* ---------------------------------------------------- callee-saved state */

/* Keeps many integer and floating-point values live across every switch
 * (they land in callee-saved registers and spill slots); the result must be
 * the same as without switching. other == NULL: no switching. */
static __attribute__((noinline)) uint64_t churn(weft__fiber *self,
                                                weft__fiber *other,
                                                uint64_t s, int rounds)
{
    uint64_t v0 = s, v1 = s * 3 + 1, v2 = ~s, v3 = s ^ 0x9e3779b97f4a7c15u;
    uint64_t v4 = s << 7, v5 = s >> 3, v6 = s * s, v7 = s + 12345;
    double d0 = (double)(s & 0xffff), d1 = 0.5, d2 = 1.25, d3 = -2.0;
    double d4 = 3.5, d5 = 0.125, d6 = 7.0, d7 = -0.75;

    for (int i = 0; i < rounds; i++) {
        v0 += v7 ^ (uint64_t)i;
        v1 ^= v0 * 0xff51afd7ed558ccdu;
        v2 += v1 >> 5;
        v3 = (v3 ^ v2) << 13 | (v3 ^ v2) >> 51;
        v4 += v3;
        v5 ^= v4 + (uint64_t)i;
        v6 += v5 * 7;
        v7 ^= v6 >> 11;
        d0 = d0 * 0.5 + d7;
        d1 += d0;
        d2 = d2 * 0.75 + d1 * 0.01;
        d3 -= d2 * 0.5;
        d4 = d4 * 0.9 + d3;
        d5 += d4 * 0.001;
        d6 = d6 * 0.99 + d5;
        d7 = d7 * 0.5 - d6 * 0.01;
        if (other)
            weft__fiber_switch(self, other);
    }
    double dsum = d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
    uint64_t dbits;

    memcpy(&dbits, &dsum, sizeof dbits);
    return v0 ^ v1 ^ v2 ^ v3 ^ v4 ^ v5 ^ v6 ^ v7 ^ dbits;
}

#define CHURN_ROUNDS 1000
static weft__fiber churn_f;
static uint64_t churn_got;

static void churn_entry(void *arg)
{
    churn_got = churn(&churn_f, &main_f, (uint64_t)(uintptr_t)arg,
                      CHURN_ROUNDS);
    weft__fiber_switch_final(&churn_f, &main_f);
}

static void test_fiber_keeps_callee_saved_registers(void)
{
    weft__stack st;
    uint64_t mine;

    churn_got = 0;
    CU_ASSERT_FATAL(fiber_start(&pool, &churn_f, &st, churn_entry,
                                (void *)(uintptr_t)77) == 0);
    mine = churn(&main_f, &churn_f, 1234567, CHURN_ROUNDS);
    weft__fiber_switch(&main_f, &churn_f); /* let it return and finish */
    CU_ASSERT_EQUAL(mine, churn(NULL, NULL, 1234567, CHURN_ROUNDS));
    CU_ASSERT_EQUAL(churn_got, churn(NULL, NULL, 77, CHURN_ROUNDS));
    weft__stack_put(&pool, &st);
}

/* ------------------------------------------------------- entry alignment */

static weft__fiber align_f;
static uintptr_t align_frame, align_local;
static char align_text[64];

/* Called right from entry: its frame address (= sp at entry - 8 on x86-64,
 * = sp after the prologue on aarch64) and a 16-aligned local are both
 * 16-byte aligned exactly when entry started with the ABI's alignment. */
static __attribute__((noinline)) void align_probe(void)
{
    _Alignas(16) volatile char buf[16];

    buf[0] = 1;
    align_frame = (uintptr_t)__builtin_frame_address(0) & 15;
    align_local = (uintptr_t)buf & 15;
}

/* printf of a floating-point value runs SSE stores that need 16 bytes
 * alignment (movaps): it crashes on a misaligned stack. */
static __attribute__((noinline)) void align_printf(void)
{
    volatile long double ld = 2.5L;

    snprintf(align_text, sizeof align_text, "%.3f %.1Lf", 1.0 / 8, ld);
}

static void align_entry(void *arg)
{
    (void)arg;
    align_probe();
    if (align_frame == 0 && align_local == 0)
        align_printf();
    weft__fiber_switch_final(&align_f, &main_f);
}

static void test_fiber_entry_stack_is_aligned(void)
{
    weft__stack st;

    align_frame = align_local = 99;
    align_text[0] = 0;
    CU_ASSERT_FATAL(fiber_start(&pool, &align_f, &st, align_entry, NULL) == 0);
    weft__fiber_switch(&main_f, &align_f);
    CU_ASSERT_EQUAL(align_frame, 0);
    CU_ASSERT_EQUAL(align_local, 0);
    CU_ASSERT_STRING_EQUAL(align_text, "0.125 2.5");
    weft__stack_put(&pool, &st);
}

/* ------------------------------------------------------- deep recursion */

#define DEPTH 4000
static weft__fiber deep_f;
static weft__stack deep_st;
static uint64_t deep_got;
static uintptr_t deep_lowest; /* lowest frame seen */

static __attribute__((noinline)) uint64_t recurse(int n, uint64_t acc)
{
    volatile uint64_t pad[8];
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    uint64_t r;

    for (int i = 0; i < 8; i++)
        pad[i] = acc + (uint64_t)i * (uint64_t)n;
    if (frame < deep_lowest)
        deep_lowest = frame;
    r = n == 0 ? acc : recurse(n - 1, acc * 31 + (uint64_t)n);
    return r ^ pad[n & 7]; /* not a tail call: every frame stays live */
}

static void deep_entry(void *arg)
{
    (void)arg;
    deep_got = recurse(DEPTH, 1);
    weft__fiber_switch_final(&deep_f, &main_f);
}

static void test_fiber_deep_recursion_fits_stack(void)
{
    uintptr_t lo, hi;
    uint64_t want;

    deep_lowest = UINTPTR_MAX;
    want = recurse(DEPTH, 1);
    deep_got = 0;
    deep_lowest = UINTPTR_MAX;
    CU_ASSERT_FATAL(fiber_start(&big_pool, &deep_f, &deep_st, deep_entry,
                                NULL) == 0);
    weft__fiber_switch(&main_f, &deep_f);
    CU_ASSERT_EQUAL(deep_got, want);
    lo = (uintptr_t)deep_st.lo;
    hi = lo + deep_st.size;
    /* It really ran on the fiber's stack, and deep into it. (Frame
     * addresses: ASan may move the arrays themselves to its fake stack.) */
    CU_ASSERT(deep_lowest >= lo && deep_lowest < hi);
    CU_ASSERT(hi - deep_lowest > DEPTH * 16); /* >= return address + rbp */
    weft__stack_put(&big_pool, &deep_st);
}

/* ---------------------------------------------------------- switch_final */

static weft__fiber fin_f;
static int fin_steps;
static volatile int fin_really = 1; /* hides from gcc that we never return */
static int fin_abandon; /* suspend at the bottom instead of finishing */

/* Finishes from inside a frame with arrays (ASan redzones) still live. */
static __attribute__((noinline)) void fin_deeper(int n)
{
    volatile char buf[200];

    buf[0] = (char)n;
    fin_steps++;
    if (n > 0)
        fin_deeper(n - 1);
    else if (fin_abandon)
        weft__fiber_switch(&fin_f, &main_f); /* never resumed */
    else if (fin_really)
        weft__fiber_switch_final(&fin_f, &main_f);
    buf[1] = buf[0]; /* not reached */
}

static void fin_entry(void *arg)
{
    (void)arg;
    fin_deeper(10);
}

static void test_fiber_switch_final_returns_to_main(void)
{
    weft__stack st;
    void *lo;

    fin_steps = 0;
    CU_ASSERT_FATAL(fiber_start(&pool, &fin_f, &st, fin_entry, NULL) == 0);
    weft__fiber_switch(&main_f, &fin_f);
    CU_ASSERT_EQUAL(fin_steps, 11);
    /* The finished fiber's stack can carry a new fiber at once. */
    lo = st.lo;
    weft__stack_put(&pool, &st);
    CU_ASSERT_FATAL(fiber_start(&pool, &fin_f, &st, fin_entry, NULL) == 0);
    CU_ASSERT_PTR_EQUAL(st.lo, lo);
    weft__fiber_switch(&main_f, &fin_f);
    CU_ASSERT_EQUAL(fin_steps, 22);
    weft__stack_put(&pool, &st);
}

/* A fiber abandoned while suspended deep in frames with arrays leaves their
 * ASan redzones poisoned (a finished one does not: ASan unpoisons before the
 * noreturn switch_final). Its stack, reused, must look fresh to ASan: here
 * code that does not touch the shadow itself (uninstrumented, like parts of
 * libc) puts a buffer there and instrumented code reads it. Only meaningful
 * under ASan; passes trivially otherwise. */
static long reuse_sum;

static __attribute__((noinline)) long sum_bytes(const volatile char *p,
                                                size_t n)
{
    long t = 0;

    for (size_t i = 0; i < n; i++)
        t += p[i];
    return t;
}

static __attribute__((noinline, no_sanitize_address)) void plain_buffer(void)
{
    volatile char area[8192];

    for (size_t i = 0; i < sizeof area; i++)
        area[i] = 1;
    reuse_sum = sum_bytes(area, sizeof area);
}

static void reuse_entry(void *arg)
{
    (void)arg;
    plain_buffer();
    weft__fiber_switch_final(&fin_f, &main_f);
}

static void test_fiber_abandoned_stack_is_reusable(void)
{
    weft__stack st;

    fin_steps = 0;
    reuse_sum = 0;
    fin_abandon = 1;
    CU_ASSERT_FATAL(fiber_start(&pool, &fin_f, &st, fin_entry, NULL) == 0);
    weft__fiber_switch(&main_f, &fin_f);
    fin_abandon = 0;
    CU_ASSERT_EQUAL(fin_steps, 11);
    weft__fiber_make(&fin_f, st.lo, st.size, reuse_entry, NULL);
    weft__fiber_switch(&main_f, &fin_f);
    CU_ASSERT_EQUAL(reuse_sum, 8192);
    weft__stack_put(&pool, &st);
}

/* ------------------------------------------------------ FP control state */

static weft__fiber fp_f;
static int fp_mode_at_start, fp_mode_resumed;
static double fp_third_down;

/* 1/3 in the current rounding mode, computed at run time. */
static double third(void)
{
    volatile double one = 1.0, three = 3.0;

    return one / three;
}

static void fp_entry(void *arg)
{
    (void)arg;
    fp_mode_at_start = fegetround();
    fesetround(FE_DOWNWARD);
    fp_third_down = third();
    weft__fiber_switch(&fp_f, &main_f);
    fp_mode_resumed = fegetround();
    if (third() != fp_third_down)
        fp_mode_resumed = -1;
    weft__fiber_switch_final(&fp_f, &main_f);
}

/* Rounding mode is callee-saved per the ABI: each fiber keeps its own, and a
 * new fiber starts with its creator's. */
static void test_fiber_keeps_fp_control_per_fiber(void)
{
    weft__stack st;
    double up;

    fp_mode_at_start = fp_mode_resumed = -2;
    CU_ASSERT_FATAL(fesetround(FE_UPWARD) == 0);
    up = third();
    CU_ASSERT_FATAL(fiber_start(&pool, &fp_f, &st, fp_entry, NULL) == 0);
    weft__fiber_switch(&main_f, &fp_f);
    CU_ASSERT_EQUAL(fegetround(), FE_UPWARD);
    CU_ASSERT(third() == up);
    weft__fiber_switch(&main_f, &fp_f);
    CU_ASSERT_EQUAL(fegetround(), FE_UPWARD);
    fesetround(FE_TONEAREST);
    CU_ASSERT_EQUAL(fp_mode_at_start, FE_UPWARD);
    CU_ASSERT_EQUAL(fp_mode_resumed, FE_DOWNWARD);
    /* Valgrind computes SSE arithmetic in round-to-nearest whatever MXCSR
     * says; the modes themselves (checked above) it does keep. */
    if (!RUNNING_ON_VALGRIND)
        CU_ASSERT(fp_third_down < up);
    weft__stack_put(&pool, &st);
}

/* ---------------------------------------------------------- stack pool */

static void test_fiber_stack_pool_reuses_stack(void)
{
    weft__stack_pool p;
    weft__stack a, b, c;
    void *alo, *blo;

    weft__stack_pool_init(&p, 10000); /* rounds up to whole pages */
    CU_ASSERT_FATAL(weft__stack_get(&p, &a) == 0);
    CU_ASSERT_EQUAL(a.size % (size_t)sysconf(_SC_PAGESIZE), 0);
    CU_ASSERT(a.size >= 10000);
    memset(a.lo, 0xa5, a.size); /* all of it is writable */
    alo = a.lo;
    weft__stack_put(&p, &a);
    CU_ASSERT_PTR_NULL(a.lo);
    CU_ASSERT_FATAL(weft__stack_get(&p, &a) == 0);
    CU_ASSERT_PTR_EQUAL(a.lo, alo);
    CU_ASSERT_FATAL(weft__stack_get(&p, &b) == 0);
    CU_ASSERT_PTR_NOT_EQUAL(b.lo, a.lo);
    blo = b.lo;
    weft__stack_put(&p, &a);
    weft__stack_put(&p, &b);
    CU_ASSERT_EQUAL(p.count, 2);
    CU_ASSERT_FATAL(weft__stack_get(&p, &c) == 0);
    CU_ASSERT_PTR_EQUAL(c.lo, blo); /* LIFO: the warmest first */
    weft__stack_put(&p, &c);
    weft__stack_pool_destroy(&p);
    CU_ASSERT_EQUAL(p.count, 0);
    weft__stack_pool_destroy(NULL);
}

static weft__stack bound_st[WEFT__STACK_POOL_MAX + 8];

static void test_fiber_stack_pool_is_bounded(void)
{
    static weft__stack_pool p;
    size_t i, n = WEFT__STACK_POOL_MAX + 8;

    weft__stack_pool_init(&p, 1);
    for (i = 0; i < n; i++)
        CU_ASSERT_FATAL(weft__stack_get(&p, &bound_st[i]) == 0);
    for (i = 0; i < n; i++)
        weft__stack_put(&p, &bound_st[i]);
    CU_ASSERT_EQUAL(p.count, WEFT__STACK_POOL_MAX);
    weft__stack_pool_destroy(&p);
    CU_ASSERT_EQUAL(p.count, 0);
}

static void test_fiber_stack_get_fails_cleanly(void)
{
    weft__stack_pool p;
    weft__stack s = {0};

    weft__stack_pool_init(&p, (size_t)1 << 60); /* more than any address space */
    errno = 0;
    CU_ASSERT_EQUAL(weft__stack_get(&p, &s), -1);
    CU_ASSERT(errno == ENOMEM || errno == EINVAL); /* EINVAL: Valgrind */
    CU_ASSERT_EQUAL(p.count, 0);
    weft__stack_pool_init(&p, SIZE_MAX - 10); /* too large to round up */
    CU_ASSERT_EQUAL(weft__stack_get(&p, &s), -1);
    weft__stack_pool_destroy(&p);
}

/* ------------------------------------------------------------ guard page */

/* Runs fn in a forked child with the default SIGSEGV action (ASan's own
 * handler would turn the fault into an exit(1)); returns the wait status. */
static int in_child(void (*fn)(void))
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};

        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGSEGV, SIG_DFL);
        fn();
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static void write_below_lo(void)
{
    weft__stack s;

    if (weft__stack_get(&pool, &s) != 0)
        _exit(3);
    ((volatile char *)s.lo)[0] = 1;
    ((volatile char *)s.lo)[s.size - 1] = 1;
    ((volatile char *)s.lo)[-1] = 1; /* the guard page */
    _exit(4);
}

static void test_fiber_guard_page_faults(void)
{
    int st = in_child(write_below_lo);

    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static weft__fiber ovf_f;
static volatile uint64_t ovf_limit = UINT64_MAX; /* never reached */

static __attribute__((noinline)) uint64_t bottomless(uint64_t n)
{
    volatile char pad[512];

    if (n == ovf_limit)
        return 0;
    pad[n & 511] = (char)n;
    return bottomless(n + 1) + pad[(n * 7) & 511];
}

static void ovf_entry(void *arg)
{
    (void)arg;
    bottomless(0);
    _exit(5);
}

static void overflow_fiber(void)
{
    weft__stack s;

    if (weft__stack_get(&pool, &s) != 0)
        _exit(3);
    weft__fiber_make(&ovf_f, s.lo, s.size, ovf_entry, NULL);
    weft__fiber_switch(&main_f, &ovf_f);
    _exit(4);
}

static void test_fiber_overflow_hits_guard_page(void)
{
    int st = in_child(overflow_fiber);

    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* -------------------------------------------------------------- backend */

static void test_fiber_backend_name(void)
{
#if defined(WEFT_FIBER_UCONTEXT) && WEFT_FIBER_UCONTEXT
    CU_ASSERT_STRING_EQUAL(weft__fiber_backend(), "ucontext");
#elif defined(__x86_64__)
    CU_ASSERT_STRING_EQUAL(weft__fiber_backend(), "asm-x86_64");
#elif defined(__aarch64__)
    CU_ASSERT_STRING_EQUAL(weft__fiber_backend(), "asm-aarch64");
#else
    CU_ASSERT_STRING_EQUAL(weft__fiber_backend(), "ucontext");
#endif
}

/* Adds the "fiber" suite. 0, or -1 on a CUnit error. */
int tests_fiber_register(void)
{
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
#define T(name) {#name, name}
        T(test_fiber_ping_pong_round_trips),
        T(test_fiber_keeps_callee_saved_registers),
        T(test_fiber_entry_stack_is_aligned),
        T(test_fiber_deep_recursion_fits_stack),
        T(test_fiber_switch_final_returns_to_main),
        T(test_fiber_abandoned_stack_is_reusable),
        T(test_fiber_keeps_fp_control_per_fiber),
        T(test_fiber_stack_pool_reuses_stack),
        T(test_fiber_stack_pool_is_bounded),
        T(test_fiber_stack_get_fails_cleanly),
        T(test_fiber_guard_page_faults),
        T(test_fiber_overflow_hits_guard_page),
        T(test_fiber_backend_name),
#undef T
    };
    CU_pSuite s = CU_add_suite("fiber", suite_init, suite_clean);

    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
