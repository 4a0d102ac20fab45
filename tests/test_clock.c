/* test_clock.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(clock)
END_SUITE
