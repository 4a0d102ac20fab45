/* test_harness.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(harness)
END_SUITE
