/*
 * use_before_init.c — an order violation: a request handler uses the
 * database handle before the task that opens it has finished.
 *
 * A server spawns `open_db` first and the request handler second, and
 * assumes the first spawned task "runs first". But spawning only makes a
 * task runnable: which one runs, and how far it gets before the other runs,
 * is the scheduler's choice. open_db awaits the connection (a checkpoint)
 * before it publishes `db`, so the handler can find `db` still NULL — in
 * production that is the NULL dereference on the first request after a
 * restart; here the handler's `assert(db != NULL)` catches it.
 *
 * `use_before_init_fixed` starts the database task with weft_start, which
 * returns only once that task has called weft_started() (AnyIO's
 * `await tg.start(...)`), and only then spawns the handler.
 */
#include <weft/weft.h>

typedef struct database {
    int queries;
} database;

static database *db; /* published by open_db when connected */
static database storage;
static int served;

static int open_db(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint(); /* connect, authenticate, ... */
    if (rc != WEFT_OK)
        return rc;
    storage.queries = 0;
    db = &storage;
    weft_started(NULL); /* the fix's handshake; does nothing when spawned */
    return WEFT_OK;
}

static int handle_request(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint(); /* parse the request */
    if (rc != WEFT_OK)
        return rc;
    WEFT_ASSERT_MSG(db != NULL, "request served before the database was opened");
    db->queries++;
    served++;
    return WEFT_OK;
}

WEFT_TEST(use_before_init)
{
    db = NULL;
    served = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, open_db, NULL, "open_db");
    weft_spawn(g, handle_request, NULL, "request"); /* BUG: db may not be open yet */
    int rc = weft_group_join(g);
    WEFT_ASSERT(served == 0 || storage.queries == served);
    return rc;
}

WEFT_TEST(use_before_init_fixed)
{
    db = NULL;
    served = 0;
    weft_group *g = weft_group_open();
    /* returns once open_db called weft_started(); cancelled or failed: no db,
     * so no handler */
    int rc = weft_start(g, open_db, NULL, "open_db", NULL);
    if (rc == WEFT_OK)
        weft_spawn(g, handle_request, NULL, "request");
    int jrc = weft_group_join(g);
    WEFT_ASSERT(served == 0 || storage.queries == served);
    WEFT_ASSERT(served == 0 || rc == WEFT_OK);
    if (!weft_group_cancel_called(g))
        WEFT_ASSERT_MSG(served == 1, "the request was not served");
    return jrc;
}
