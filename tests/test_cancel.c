/* test_cancel.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(cancel)
END_SUITE
