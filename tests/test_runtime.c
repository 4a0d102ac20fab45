/* test_runtime.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(runtime)
END_SUITE
