/*
 * narrow_window.c — a race window one checkpoint wide, at one iteration of
 * a loop of twenty.
 *
 * An ingest loop handles 20 records, one checkpoint each (the write), and
 * bumps a shared `pending` counter per record. A metrics scraper, running
 * concurrently, once moves `pending` into its total and resets it. Only the
 * one malformed record (index 15) takes the error path, which logs the
 * error — an await — between reading the counter and writing it back: a
 * check-then-act split by a checkpoint. If the scrape lands in exactly that
 * window, the write-back resurrects the counts the scraper already took,
 * and they are reported twice.
 *
 * The window is one of the loop's twenty-odd scheduling points, and the
 * scraper wants to run early: a random walk must keep picking the ingest
 * task fifteen times in a row to get there (about 1 in 2^15 executions),
 * while PCT finds it with one priority change point at the right step
 * (about 1 in 50). This is the shape of many "can't reproduce" bugs: a
 * rare path with a window that is open for one await.
 *
 * `narrow_window_fixed` updates the counter before the await, so no read
 * and write of it are ever split.
 */
#include <weft/weft.h>

#define RECORDS 20
#define MALFORMED 15

static int pending;   /* counted, not yet scraped */
static int scraped;   /* moved out by the scraper */
static int handled;   /* records the ingest loop finished */
static bool update_first;

static int ingest(void *arg)
{
    (void)arg;
    for (int i = 0; i < RECORDS; i++) {
        int rc = weft_checkpoint(); /* write the record */
        if (rc != WEFT_OK)
            return rc;
        if (i != MALFORMED) {
            pending++;
        } else if (update_first) {
            pending++; /* count first, then await */
            handled++;
            if ((rc = weft_checkpoint()) != WEFT_OK) /* log the error */
                return rc;
            continue;
        } else {
            int seen = pending;
            rc = weft_checkpoint(); /* BUG: log the error between read and write */
            pending = seen + 1;
            if (rc != WEFT_OK) { /* the record was written: it counts */
                handled++;
                return rc;
            }
        }
        handled++;
    }
    return WEFT_OK;
}

static int scraper(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint(); /* the scrape interval */
    if (rc != WEFT_OK)
        return rc;
    scraped += pending;
    pending = 0;
    return WEFT_OK;
}

static int run(bool fixed)
{
    pending = scraped = handled = 0;
    update_first = fixed;
    weft_group *g = weft_group_open();
    weft_spawn(g, ingest, NULL, "ingest");
    weft_spawn(g, scraper, NULL, "metrics scraper");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(scraped + pending == handled,
                    "%d records handled but %d counted (%d scraped + %d pending)", handled,
                    scraped + pending, scraped, pending);
    return rc;
}

WEFT_TEST(narrow_window)
{
    return run(false);
}

WEFT_TEST(narrow_window_fixed)
{
    return run(true);
}
