/*
 * suites.h — every CUnit suite of weft's own tests. Each test_<module>.c
 * defines tests_<module>_register(), which adds a suite named <module>;
 * tests/main.c calls them all and runs one suite, one test, or everything.
 */
#ifndef WEFT_TESTS_SUITES_H
#define WEFT_TESTS_SUITES_H

#define WEFT_TEST_SUITES(X)                                                   \
    X(fiber)                                                                  \
    X(trace)                                                                  \
    X(runtime)                                                                \
    X(cancel)                                                                 \
    X(group)                                                                  \
    X(clock)                                                                  \
    X(harness)                                                                \
    X(cli)                                                                    \
    X(sync)                                                                   \
    X(stream)                                                                 \
    X(strategy)                                                               \
    X(store)                                                                  \
    X(report)                                                                 \
    X(pthread)

#define WEFT__DECLARE_SUITE(name) int tests_##name##_register(void);
WEFT_TEST_SUITES(WEFT__DECLARE_SUITE)
#undef WEFT__DECLARE_SUITE

#endif /* WEFT_TESTS_SUITES_H */
