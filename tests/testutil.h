/*
 * testutil.h — helpers shared by weft's own CUnit suites.
 *
 * Semantic tests are weft programs that check the behaviour with
 * WEFT_ASSERT from inside, run under many seeds (SEEDS, or WEFT_ITERATIONS
 * from the environment): a behaviour must hold under every schedule, not
 * under one. Tests of failure detection expect a given failure kind.
 */
#ifndef WEFT_TESTS_TESTUTIL_H
#define WEFT_TESTS_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include <weft/cunit.h>
#include <weft/weft.h>

/* Seeds each semantic test runs under. */
#define SEEDS 300

/* Every one of SEEDS schedules of fn(arg) passes. */
#define EXPECT_PASS(fn, arg) WEFT_CU_ASSERT_ITERATIONS(fn, arg, SEEDS)

/* Runs fn(arg) under n seeds and returns the report (caller frees). */
static inline int run_seeds(weft_task_fn fn, void *arg, uint64_t n,
                            bool keep_going, weft_report *r)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = n;
    o.quiet = true;
    o.stop_on_failure = !keep_going;
    return weft_check("t", fn, arg, &o, r);
}

/* Some schedule among n fails with kind, and its message contains text
 * (NULL: any). */
static inline bool fails_with(weft_task_fn fn, void *arg, uint64_t n, int kind,
                              const char *text)
{
    weft_report r;
    if (run_seeds(fn, arg, n, false, &r) != 1)
        return false;
    bool ok = r.failures[0].kind == kind &&
              (!text || strstr(r.failures[0].message, text) != NULL);
    if (!ok)
        fprintf(stderr, "\n  expected %s%s%s, got %s: %s\n", weft_kind_name(kind),
                text ? " with " : "", text ? text : "", weft_kind_name(r.failures[0].kind),
                r.failures[0].message);
    weft_report_free(&r);
    return ok;
}

/* Every schedule among n fails with kind (a deterministic failure). */
static inline bool always_fails_with(weft_task_fn fn, void *arg, uint64_t n,
                                     int kind, const char *text)
{
    weft_report r;
    if (run_seeds(fn, arg, n, true, &r) != 1)
        return false;
    bool ok = r.failed_executions == n && r.n_failures >= 1;
    for (size_t i = 0; i < r.n_failures; i++)
        if (r.failures[i].kind != kind ||
            (text && !strstr(r.failures[i].message, text))) {
            fprintf(stderr, "\n  expected %s, got %s: %s\n", weft_kind_name(kind),
                    weft_kind_name(r.failures[i].kind), r.failures[i].message);
            ok = false;
        }
    weft_report_free(&r);
    return ok;
}

#define SUITE(name)                                                           \
    int tests_##name##_register(void)                                         \
    {                                                                         \
        CU_pSuite s_ = CU_add_suite(#name, NULL, NULL);                       \
        if (!s_)                                                              \
            return -1;
#define ADD(fn)                                                               \
    if (!CU_add_test(s_, #fn, fn))                                            \
        return -1;
#define END_SUITE                                                             \
    return 0;                                                                 \
    }

#endif /* WEFT_TESTS_TESTUTIL_H */
