/* test_cli.c — placeholder; filled in below. */
#include "testutil.h"

SUITE(cli)
END_SUITE
