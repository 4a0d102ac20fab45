/*
 * cunit.h — weft inside CUnit suites: one assertion that runs a concurrent
 * test under fixed seeds (or N seeds from a first one) and, when a schedule
 * fails, fails the CUnit test with the failure, its seed and the command
 * that replays it.
 *
 *   #include <weft/cunit.h>
 *
 *   WEFT_TEST(transfer) { ... }              // or any weft_task_fn
 *
 *   static void test_transfer(void)
 *   {
 *       WEFT_CU_ASSERT_SEEDS(weft_test_transfer, NULL, 1, 2, 3, 42);
 *       WEFT_CU_ASSERT_ITERATIONS(weft_test_transfer, NULL, 1000);
 *   }
 *
 * Replaying a failure: the message names the seed; run the same CUnit binary
 * with WEFT_SEED=S in the environment and every weft assertion runs only
 * that seed and prints its failure in full. WEFT_ITERATIONS=N overrides the
 * number of seeds of WEFT_CU_ASSERT_ITERATIONS (for a nightly soak).
 *
 * Header-only: link the test binary with weft and CUnit (-lweft -lcunit).
 */
#ifndef WEFT_CUNIT_H
#define WEFT_CUNIT_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include <weft/weft.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Runs fn under *opt (seeds overridden by WEFT_SEED, iterations by
 * WEFT_ITERATIONS) and reports to CUnit. Returns weft_check's status. */
static inline int weft_cu_check(const char *name, weft_task_fn fn, void *arg,
                                const weft_options *opt, unsigned line,
                                const char *file, const char *func)
{
    weft_options o = *opt;
    uint64_t one_seed;
    const char *env_seed = getenv("WEFT_SEED");
    const char *env_iter = getenv("WEFT_ITERATIONS");
    if (env_seed && *env_seed) {
        one_seed = strtoull(env_seed, NULL, 10);
        o.seeds = &one_seed;
        o.n_seeds = 1;
    } else if (env_iter && *env_iter && !o.seeds) {
        o.iterations = strtoull(env_iter, NULL, 10);
    }
    o.stop_on_failure = true;
    o.quiet = !(env_seed && *env_seed);
    weft_report r;
    int rc = weft_check(name, fn, arg, &o, &r);
    char msg[2048];
    if (rc == 2) {
        snprintf(msg, sizeof msg, "weft test %s: bad options", name);
    } else if (rc == 1 && r.n_failures) {
        const weft_failure *f = &r.failures[0];
        snprintf(msg, sizeof msg,
                 "weft test %s failed (%s) under strategy %s seed %llu: %s | "
                 "replay: WEFT_SEED=%llu %s",
                 name, weft_kind_name(f->kind), r.strategy,
                 (unsigned long long)f->seed, f->message,
                 (unsigned long long)f->seed,
                 o.argv0 ? o.argv0 : weft_program());
    }
    CU_assertImplementation(rc == 0 ? CU_TRUE : CU_FALSE, line,
                            rc == 0 ? "weft test passed" : msg, file, func, CU_FALSE);
    if (rc != 2)
        weft_report_free(&r);
    return rc;
}

#define WEFT_CU_ASSERT_CHECK(fn, arg, opt_ptr)                                \
    weft_cu_check(#fn, (fn), (arg), (opt_ptr), __LINE__, __FILE__, __func__)

/* Every listed seed must pass. */
#define WEFT_CU_ASSERT_SEEDS(fn, arg, ...)                                    \
    do {                                                                      \
        static const uint64_t weft__seeds[] = {__VA_ARGS__};                  \
        weft_options weft__o = WEFT_OPTIONS_INIT;                             \
        weft__o.seeds = weft__seeds;                                          \
        weft__o.n_seeds = sizeof weft__seeds / sizeof weft__seeds[0];         \
        WEFT_CU_ASSERT_CHECK(fn, arg, &weft__o);                              \
    } while (0)

/* Seeds 0 .. n-1 must pass. */
#define WEFT_CU_ASSERT_ITERATIONS(fn, arg, n)                                 \
    do {                                                                      \
        weft_options weft__o = WEFT_OPTIONS_INIT;                             \
        weft__o.iterations = (n);                                             \
        WEFT_CU_ASSERT_CHECK(fn, arg, &weft__o);                              \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* WEFT_CUNIT_H */
