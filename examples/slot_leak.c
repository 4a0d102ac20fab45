/*
 * slot_leak.c — a semaphore slot leaked when a cancellation lands between
 * acquire and release.
 *
 * Workers take a slot of a connection pool (a semaphore), do some work, and
 * give the slot back — except on the error path: when the work is
 * cancelled, the worker returns WEFT_CANCELLED without releasing. A
 * supervisor cancels the batch at a moment the scheduler chooses; when that
 * moment falls inside a worker's critical section, the pool shrinks for
 * good. `slot_leak_fixed` releases on every path out.
 */
#include <weft/weft.h>

static weft_semaphore *pool;
static bool release_on_error;

static int worker(void *arg)
{
    (void)arg;
    int rc = weft_semaphore_acquire(pool);
    if (rc != WEFT_OK)
        return rc; /* cancelled before getting a slot: nothing to give back */
    rc = weft_checkpoint(); /* the work; a cancellation may land here */
    if (rc != WEFT_OK && !release_on_error)
        return rc; /* BUG: the slot is never released */
    weft_semaphore_release(pool);
    return rc;
}

static int supervisor(void *arg)
{
    weft_group *batch = arg;
    weft_checkpoint();
    weft_group_cancel(batch); /* e.g. the client went away */
    return WEFT_OK;
}

static int run(bool fixed)
{
    release_on_error = fixed;
    pool = weft_semaphore_new(2, 2);
    weft_group *batch = weft_group_open();
    for (int i = 0; i < 3; i++)
        weft_spawn(batch, worker, NULL, "worker");
    weft_spawn(batch, supervisor, batch, "supervisor");
    int rc = weft_group_join(batch);
    WEFT_ASSERT_MSG(weft_semaphore_value(pool) == 2, "the pool has %zu of 2 slots left",
                    weft_semaphore_value(pool));
    return rc;
}

WEFT_TEST(slot_leak)
{
    return run(false);
}

WEFT_TEST(slot_leak_fixed)
{
    return run(true);
}
