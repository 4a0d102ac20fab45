/*
 * double_release.c — a semaphore released twice: the retry path gives the
 * slot back, then jumps back past the acquire.
 *
 * Uploaders take a connection slot from a pool (a semaphore of 2), send
 * their batch, and release the slot. When the server restarts in the middle
 * of a send, the connection is dead: the retry path releases the slot
 * ("drop the broken connection") and jumps back to `retry:` to send again
 * — but the label sits after the acquire, so the retry runs without a slot
 * and the normal exit releases a second time. The pool now hands out more
 * slots than it has (three uploaders can be "inside" at once), and the
 * final releases push it past its maximum: weft stops the execution with a
 * `misuse` failure ("released past its maximum") at the extra release.
 *
 * `double_release_fixed` re-acquires a slot before it retries, so every
 * release matches one acquire.
 */
#include <weft/weft.h>

#define UPLOADERS 3
#define SLOTS 2

static weft_semaphore *pool;
static int generation; /* bumped when the server restarts */
static int delivered, inside, most_inside;
static bool reacquire;

static int upload(void *arg)
{
    (void)arg;
    int rc = weft_semaphore_acquire(pool);
    if (rc != WEFT_OK)
        return rc;
retry:
    if (++inside > most_inside)
        most_inside = inside;
    int gen = generation; /* the connection belongs to this server instance */
    rc = weft_checkpoint(); /* send the batch */
    inside--;
    if (rc == WEFT_OK && gen != generation) { /* connection reset: reconnect */
        weft_semaphore_release(pool); /* drop the broken connection */
        if (reacquire && (rc = weft_semaphore_acquire(pool)) != WEFT_OK)
            return rc; /* cancelled while waiting: holds no slot */
        goto retry; /* BUG (without reacquire): back past the acquire */
    }
    if (rc == WEFT_OK)
        delivered++;
    weft_semaphore_release(pool);
    return rc;
}

static int server_restart(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint();
    if (rc == WEFT_OK)
        generation++;
    return rc;
}

static int run(bool fixed)
{
    reacquire = fixed;
    generation = delivered = inside = most_inside = 0;
    pool = weft_semaphore_new(SLOTS, SLOTS);
    weft_group *g = weft_group_open();
    for (int i = 0; i < UPLOADERS; i++)
        weft_spawn(g, upload, NULL, "uploader");
    weft_spawn(g, server_restart, NULL, "server restart");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(most_inside <= SLOTS, "%d uploaders used %d connection slots",
                    most_inside, SLOTS);
    WEFT_ASSERT(weft_semaphore_value(pool) == SLOTS);
    if (!weft_group_cancel_called(g))
        WEFT_ASSERT(delivered == UPLOADERS);
    return rc;
}

WEFT_TEST(double_release)
{
    return run(false);
}

WEFT_TEST(double_release_fixed)
{
    return run(true);
}
