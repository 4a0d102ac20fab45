/*
 * disk_full.c — a fault-point bug: the error branch forgets to roll back.
 *
 * A transfer debits one account, appends the transfer to the journal, then
 * credits the other account, all under the ledger's lock. When the journal
 * append fails (the disk is full), the transfer reports the error to its
 * caller — who takes "failed" to mean "nothing happened" — but the debit
 * already done is never undone: the money vanishes.
 *
 * No schedule triggers this; a fault does. weft_inject("disk full") is a
 * user fault point: `explore`'s default (auto) strategy turns sites on and
 * off per execution and fires them at a drawn rate (swarm testing, like
 * FoundationDB's BUGGIFY); other strategies fire them at --inject-rate P.
 * The failure report prints which rate was drawn, and the seed replays the
 * injected fault exactly.
 *
 * `disk_full_fixed` undoes the debit on every error path (the disk-full
 * branch and a cancelled journal write) before it reports the error.
 */
#include <errno.h>

#include <weft/weft.h>

typedef struct transfer {
    int *from, *to;
    int amount;
    int status; /* 0 or an errno, for the caller */
} transfer;

static int checking, savings;
static weft_lock *ledger;
static bool roll_back;

static int do_transfer(void *arg)
{
    transfer *t = arg;
    int rc = weft_lock_acquire(ledger);
    if (rc != WEFT_OK)
        return rc;
    *t->from -= t->amount;
    rc = weft_checkpoint(); /* append to the journal */
    if (rc != WEFT_OK) {
        *t->from += t->amount; /* cancelled: the journal has nothing, undo */
        weft_lock_release(ledger);
        return rc;
    }
    if (weft_inject("disk full")) {
        if (roll_back)
            *t->from += t->amount;
        /* BUG (without roll_back): the debit stays */
        t->status = ENOSPC;
        weft_lock_release(ledger);
        return WEFT_OK; /* the error is the caller's to handle */
    }
    *t->to += t->amount;
    weft_lock_release(ledger);
    return WEFT_OK;
}

static int run(bool fixed)
{
    roll_back = fixed;
    checking = savings = 100;
    ledger = weft_lock_new();
    transfer a = {&checking, &savings, 30, 0};
    transfer b = {&savings, &checking, 50, 0};
    weft_group *g = weft_group_open();
    weft_spawn(g, do_transfer, &a, "transfer 30 to savings");
    weft_spawn(g, do_transfer, &b, "transfer 50 to checking");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(checking + savings == 200,
                    "money lost: checking %d + savings %d = %d (transfer status %d, %d)",
                    checking, savings, checking + savings, a.status, b.status);
    return rc;
}

WEFT_TEST(disk_full)
{
    return run(false);
}

WEFT_TEST(disk_full_fixed)
{
    return run(true);
}
