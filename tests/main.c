/*
 * main.c — the one CUnit registry of weft's own tests.
 *
 *   weft_unit                    every suite
 *   weft_unit --suite NAME       one suite
 *   weft_unit --test SUITE/TEST  one test (run it alone under gdb)
 *   weft_unit --list             suite and test names
 *
 * Exits non-zero when any assertion, test or suite failed: CUnit's basic
 * runner itself returns success either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "suites.h"

static int list(void)
{
    for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext)
        for (CU_pTest t = s->pTest; t; t = t->pNext)
            printf("%s/%s\n", s->pName, t->pName);
    return 0;
}

static int run(const char *suite, const char *test)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (!suite)
        return CU_basic_run_tests() == CUE_SUCCESS ? 0 : -1;
    CU_pSuite s = CU_get_suite(suite);
    if (!s) {
        fprintf(stderr, "weft_unit: no suite named '%s' (see --list)\n", suite);
        return -1;
    }
    if (!test)
        return CU_basic_run_suite(s) == CUE_SUCCESS ? 0 : -1;
    CU_pTest t = CU_get_test(s, test);
    if (!t) {
        fprintf(stderr, "weft_unit: no test named '%s' in suite '%s'\n", test, suite);
        return -1;
    }
    return CU_basic_run_test(s, t) == CUE_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *suite = NULL, *test = NULL;
    char buf[256];
    int do_list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            do_list = 1;
        } else if (!strcmp(argv[i], "--suite") && i + 1 < argc) {
            suite = argv[++i];
        } else if (!strcmp(argv[i], "--test") && i + 1 < argc) {
            snprintf(buf, sizeof buf, "%s", argv[++i]);
            char *slash = strchr(buf, '/');
            if (!slash) {
                fprintf(stderr, "weft_unit: --test wants SUITE/TEST\n");
                return 2;
            }
            *slash = '\0';
            suite = buf;
            test = slash + 1;
        } else {
            fprintf(stderr, "usage: %s [--list | --suite NAME | --test SUITE/TEST]\n", argv[0]);
            return 2;
        }
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
#define WEFT__REGISTER(name)                                                  \
    if (tests_##name##_register() != 0) {                                     \
        fprintf(stderr, "weft_unit: cannot register suite %s\n", #name);      \
        CU_cleanup_registry();                                                \
        return 2;                                                             \
    }
    WEFT_TEST_SUITES(WEFT__REGISTER)
#undef WEFT__REGISTER
    if (do_list) {
        list();
        CU_cleanup_registry();
        return 0;
    }
    int rc = run(suite, test);
    int failed = rc != 0 || CU_get_number_of_failure_records() ||
                 CU_get_number_of_tests_failed() || CU_get_number_of_suites_failed() ||
                 CU_get_error();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
