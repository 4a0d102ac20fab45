/* test_group.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(group)
END_SUITE
