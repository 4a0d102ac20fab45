/*
 * crawler.c — producer-consumer through a bounded stream, where the
 * consumers are also the producers: workers that feed their own queue.
 *
 * A crawler keeps its frontier in a memory object stream with room for
 * LINKS items. Two workers receive a page, fetch it, and send every link
 * they find back into the same stream (weft_send, which waits while the
 * buffer is full). The last worker to finish a page when no work is left
 * anywhere closes the stream, and the workers stop at WEFT_END. When the
 * buffer is full and both workers are sending links, each waits for room
 * that only a receiver can make, and both receivers are busy sending: a
 * deadlock that appears only when the two workers fill the buffer at the
 * same time. weft reports every task waiting in weft_send on the stream.
 *
 * `crawler_fixed` never blocks on its own queue: it offers each link with
 * weft_send_nowait and keeps what does not fit on a local to-do list that
 * it works through before it receives again.
 */
#include <weft/weft.h>

#define DEPTH 3  /* pages at depth 0..DEPTH-1; each links to two more */
#define LINKS 2  /* the frontier's buffer */
#define PAGES ((1 << DEPTH) - 1)

static weft_sender *frontier_tx;
static weft_receiver *frontier_rx;
static int depth_of[PAGES]; /* items are page indexes + 1 */
static int outstanding;     /* pages discovered, not yet crawled */
static int crawled;
static bool overflow_locally;

typedef struct todo {
    int pages[PAGES];
    int n;
} todo;

/* Queues page p: into the frontier, or (the fix) onto the local list. */
static int enqueue(todo *local, int p)
{
    void *item = (void *)(intptr_t)(p + 1);
    if (!overflow_locally)
        return weft_send(frontier_tx, item); /* BUG: may wait for our own queue */
    if (weft_send_nowait(frontier_tx, item) == WEFT_OK)
        return WEFT_OK;
    local->pages[local->n++] = p;
    return WEFT_OK;
}

static int crawl(int p, todo *local)
{
    int rc = weft_checkpoint(); /* fetch and parse the page */
    if (rc != WEFT_OK)
        return rc;
    crawled++;
    if (depth_of[p] + 1 < DEPTH) {
        for (int i = 1; i <= 2; i++) {
            int child = 2 * p + i;
            depth_of[child] = depth_of[p] + 1;
            outstanding++;
            if ((rc = enqueue(local, child)) != WEFT_OK)
                return rc;
        }
    }
    if (--outstanding == 0)
        weft_sender_close(frontier_tx); /* nothing left anywhere: stop everyone */
    return WEFT_OK;
}

static int worker(void *arg)
{
    (void)arg;
    todo local = {.n = 0};
    for (;;) {
        int p, rc;
        if (local.n > 0) {
            p = local.pages[--local.n];
        } else {
            void *item;
            rc = weft_recv(frontier_rx, &item);
            if (rc == WEFT_END)
                return WEFT_OK;
            if (rc != WEFT_OK)
                return rc;
            p = (int)(intptr_t)item - 1;
        }
        if ((rc = crawl(p, &local)) != WEFT_OK)
            return rc;
    }
}

static int run(bool fixed)
{
    overflow_locally = fixed;
    crawled = 0;
    outstanding = 1;
    depth_of[0] = 0;
    weft_stream_open(LINKS, &frontier_tx, &frontier_rx);
    weft_send_nowait(frontier_tx, (void *)(intptr_t)1); /* the start page */
    weft_group *g = weft_group_open();
    weft_spawn(g, worker, NULL, "worker 1");
    weft_spawn(g, worker, NULL, "worker 2");
    int rc = weft_group_join(g);
    if (!weft_group_cancel_called(g))
        WEFT_ASSERT_MSG(crawled == PAGES, "crawled %d of %d pages", crawled, PAGES);
    return rc;
}

WEFT_TEST(crawler)
{
    return run(false);
}

WEFT_TEST(crawler_fixed)
{
    return run(true);
}
