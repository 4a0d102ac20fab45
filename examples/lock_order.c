/*
 * lock_order.c — two transfers take the same two locks in opposite order.
 *
 * transfer(a -> b) locks a then b; transfer(b -> a) locks b then a. When
 * each takes its first lock before the other takes its second, both wait
 * forever. weft reports the deadlock with every task, the lock it waits
 * on, where that lock was created, and who holds it.
 * `lock_order_fixed` takes locks in one global order (by account number).
 */
#include <weft/weft.h>

typedef struct account {
    int number;
    int balance;
    weft_lock *lock;
} account;

typedef struct transfer {
    account *from, *to;
    int amount;
    bool ordered; /* the fix: lock the lower account number first */
} transfer;

static int do_transfer(void *arg)
{
    transfer *t = arg;
    account *first = t->from, *second = t->to;
    if (t->ordered && second->number < first->number) {
        first = t->to;
        second = t->from;
    }
    int rc = weft_lock_acquire(first->lock);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_lock_acquire(second->lock);
    if (rc == WEFT_OK) {
        t->from->balance -= t->amount;
        t->to->balance += t->amount;
        weft_lock_release(second->lock);
    }
    weft_lock_release(first->lock);
    return rc;
}

static int run_transfers(bool ordered)
{
    account a = {1, 100, weft_lock_new()};
    account b = {2, 100, weft_lock_new()};
    transfer ab = {&a, &b, 30, ordered};
    transfer ba = {&b, &a, 10, ordered};
    weft_group *g = weft_group_open();
    weft_spawn(g, do_transfer, &ab, "transfer a->b");
    weft_spawn(g, do_transfer, &ba, "transfer b->a");
    int rc = weft_group_join(g);
    WEFT_ASSERT(a.balance + b.balance == 200);
    return rc;
}

WEFT_TEST(lock_order)
{
    return run_transfers(false);
}

WEFT_TEST(lock_order_fixed)
{
    return run_transfers(true);
}
