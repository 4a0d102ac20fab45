/*
 * lost_wakeup.c — a condition variable's predicate checked outside its lock.
 *
 * The consumer looks at `ready` before taking the lock. Taking the lock is a
 * checkpoint, so the producer can run in between: it sets `ready` and
 * notifies while nobody waits yet. The consumer then waits for a
 * notification that already happened, and every task blocks: weft reports a
 * deadlock naming the condition and where it was created.
 * `lost_wakeup_fixed` checks the predicate under the lock, in a loop.
 */
#include <weft/weft.h>

static bool ready, consumed, fixed;
static weft_condition *cond;

static int consumer(void *arg)
{
    (void)arg;
    weft_lock *lock = weft_condition_lock(cond);
    if (fixed) {
        int rc = weft_lock_acquire(lock);
        if (rc != WEFT_OK)
            return rc;
        while (!ready && rc == WEFT_OK)
            rc = weft_condition_wait(cond); /* holds the lock again even when cancelled */
        weft_lock_release(lock);
        if (rc != WEFT_OK)
            return rc;
    } else if (!ready) {         /* BUG: the check is outside the lock */
        weft_lock_acquire(lock); /* a checkpoint: the producer may run here */
        weft_condition_wait(cond);
        weft_lock_release(lock);
    }
    consumed = true;
    return WEFT_OK;
}

static int producer(void *arg)
{
    (void)arg;
    weft_lock *lock = weft_condition_lock(cond);
    int rc = weft_lock_acquire(lock);
    if (rc != WEFT_OK)
        return rc;
    ready = true;
    weft_condition_notify_all(cond);
    weft_lock_release(lock);
    return WEFT_OK;
}

static int run(bool with_fix)
{
    ready = consumed = false;
    fixed = with_fix;
    cond = weft_condition_new(NULL);
    weft_group *g = weft_group_open();
    weft_spawn(g, consumer, NULL, "consumer");
    weft_spawn(g, producer, NULL, "producer");
    int rc = weft_group_join(g);
    WEFT_ASSERT(consumed || weft_group_cancel_called(g));
    return rc;
}

WEFT_TEST(lost_wakeup)
{
    return run(false);
}

WEFT_TEST(lost_wakeup_fixed)
{
    return run(true);
}
