/*
 * lost_update.c — a read-modify-write split by a checkpoint.
 *
 * Two workers each add to a shared balance: read it, await something (here a
 * checkpoint, in real code a network call or a log write), write back the
 * sum. When the second worker reads before the first writes, one deposit is
 * lost. `lost_update_fixed` holds the balance across the await with a
 * "reserved" flag turned into a retry — the same shape as a compare-and-set.
 *
 *   ./lost_update explore lost_update        finds it in a handful of runs
 *   ./lost_update explore lost_update_fixed  10000 runs, no failure
 */
#include <weft/weft.h>

static int balance;
static int deposited; /* sum of the deposits that completed */

static int deposit(void *arg)
{
    int amount = *(const int *)arg;
    int seen = balance;
    int rc = weft_checkpoint(); /* the await between read and write */
    if (rc != WEFT_OK)
        return rc;
    balance = seen + amount;
    deposited += amount;
    return WEFT_OK;
}

WEFT_TEST(lost_update)
{
    static const int ten = 10, twenty = 20;
    balance = 100;
    deposited = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, deposit, (void *)&ten, "deposit 10");
    weft_spawn(g, deposit, (void *)&twenty, "deposit 20");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(balance == 100 + deposited, "balance is %d, expected %d", balance,
                    100 + deposited);
    return rc;
}

static int deposit_fixed(void *arg)
{
    int amount = *(const int *)arg;
    for (;;) {
        int seen = balance;
        int rc = weft_checkpoint();
        if (rc != WEFT_OK)
            return rc;
        if (balance == seen) { /* nobody wrote in between: commit */
            balance = seen + amount;
            deposited += amount;
            return WEFT_OK;
        }
    }
}

WEFT_TEST(lost_update_fixed)
{
    static const int ten = 10, twenty = 20;
    balance = 100;
    deposited = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, deposit_fixed, (void *)&ten, "deposit 10");
    weft_spawn(g, deposit_fixed, (void *)&twenty, "deposit 20");
    int rc = weft_group_join(g);
    /* a cancelled deposit did not happen; a completed one is never lost */
    WEFT_ASSERT_MSG(balance == 100 + deposited, "balance is %d, expected %d", balance,
                    100 + deposited);
    return rc;
}
