/*
 * pool_starvation.c — worker-pool starvation through a CapacityLimiter:
 * tasks that hold a token while waiting for work that needs a token.
 *
 * A server runs blocking work on a pool of two worker threads, modelled as
 * a CapacityLimiter of 2 tokens (AnyIO's to_thread limiter). A request
 * borrows a worker to parse its payload, then hands the compression to the
 * pool as a separate job and waits for it — still holding its own worker.
 * With one request in flight that works. With two, if both borrow a worker
 * before either compression job gets one, the two compression jobs queue
 * for a token that only the requests can return, and the requests wait for
 * the compression jobs: nobody runs. weft reports the deadlock: each
 * request waits for its job's event, each job waits on the limiter with
 * "2 of 2 tokens borrowed".
 *
 * `pool_starvation_fixed` gives the worker back before waiting for the
 * compression job (hold a token only while doing the work it pays for).
 */
#include <weft/weft.h>

#define REQUESTS 2

typedef struct request {
    int id;
    weft_group *pool_jobs;
    weft_event *compressed;
    bool done;
} request;

static weft_limiter *workers;
static bool release_before_wait;
static int compressions;

static int compress(void *arg)
{
    request *r = arg;
    /* borrow on behalf of the job, not of the request's task */
    int rc = weft_limiter_acquire_on_behalf_of(workers, &r->compressed);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_checkpoint(); /* deflate */
    if (rc == WEFT_OK) {
        compressions++;
        weft_event_set(r->compressed);
    }
    weft_limiter_release_on_behalf_of(workers, &r->compressed);
    return rc;
}

static int handle(void *arg)
{
    request *r = arg;
    int rc = weft_limiter_acquire_on_behalf_of(workers, r);
    if (rc != WEFT_OK)
        return rc;
    bool holding = true;
    rc = weft_checkpoint(); /* parse the payload */
    if (rc == WEFT_OK) {
        weft_spawn(r->pool_jobs, compress, r, "compress");
        if (release_before_wait) {
            weft_limiter_release_on_behalf_of(workers, r);
            holding = false;
        }
        rc = weft_event_wait(r->compressed); /* BUG (holding): waits with a token */
        if (rc == WEFT_OK)
            r->done = true;
    }
    if (holding)
        weft_limiter_release_on_behalf_of(workers, r);
    return rc;
}

static int run(bool fixed)
{
    static const char *const names[REQUESTS] = {"request 1", "request 2"};
    release_before_wait = fixed;
    compressions = 0;
    workers = weft_limiter_new(2);
    request reqs[REQUESTS];
    weft_group *g = weft_group_open();
    for (int i = 0; i < REQUESTS; i++) {
        reqs[i] = (request){i + 1, g, weft_event_new(), false};
        weft_spawn(g, handle, &reqs[i], names[i]);
    }
    int rc = weft_group_join(g);
    WEFT_ASSERT(weft_limiter_borrowed(workers) == 0);
    for (int i = 0; i < REQUESTS; i++)
        if (!weft_group_cancel_called(g))
            WEFT_ASSERT_MSG(reqs[i].done, "request %d was not served", reqs[i].id);
    return rc;
}

WEFT_TEST(pool_starvation)
{
    return run(false);
}

WEFT_TEST(pool_starvation_fixed)
{
    return run(true);
}
