/*
 * lock_leak.c — a cancellation leaks a lock: the error path of the second
 * acquire forgets the first.
 *
 * A request takes the table lock, then a database connection from a pool
 * of one (a CapacityLimiter), which a nightly report may be holding. Each
 * request runs in its own cancel scope so that a client disconnect can
 * cancel it. When the disconnect lands while request 1 waits for the
 * connection, weft_limiter_acquire returns WEFT_CANCELLED — and the error
 * path returns without releasing the table lock. Request 1's task is gone,
 * the lock is still "held" by it, and request 2 waits for it forever: weft
 * reports the deadlock, naming request 1 as the holder.
 *
 * `lock_leak_fixed` unwinds in reverse order on every path out (the usual
 * `goto out` ladder), so a cancelled second acquire releases the first.
 */
#include <weft/weft.h>

static weft_lock *table_lock;
static weft_limiter *db_conns;
static weft_scope *request1_scope; /* for the disconnect; NULL once closed */
static int updates;
static bool unwind_all;

static int update_row(void)
{
    int rc = weft_lock_acquire(table_lock);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_limiter_acquire(db_conns); /* may wait for the report */
    if (rc != WEFT_OK) {
        if (unwind_all)
            weft_lock_release(table_lock);
        return rc; /* BUG (without unwind_all): the table lock stays held */
    }
    rc = weft_checkpoint(); /* UPDATE ... */
    if (rc == WEFT_OK)
        updates++;
    weft_limiter_release(db_conns);
    weft_lock_release(table_lock);
    return rc;
}

static int request1(void *arg)
{
    (void)arg;
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    request1_scope = s;
    int rc = update_row();
    request1_scope = NULL;
    int caught = weft_scope_close(s);
    /* a disconnect is not an error of the request */
    return caught == WEFT_CANCELLED && rc == WEFT_CANCELLED ? WEFT_OK : rc;
}

static int request2(void *arg)
{
    (void)arg;
    return update_row();
}

static int nightly_report(void *arg)
{
    (void)arg;
    int rc = weft_limiter_acquire(db_conns);
    if (rc != WEFT_OK)
        return rc;
    for (int i = 0; i < 3 && rc == WEFT_OK; i++)
        rc = weft_checkpoint(); /* SELECT ... */
    weft_limiter_release(db_conns);
    return rc;
}

static int disconnect(void *arg)
{
    (void)arg;
    int rc = weft_checkpoint(); /* the client goes away at some point */
    if (rc != WEFT_OK)
        return rc;
    if (request1_scope)
        weft_scope_cancel(request1_scope);
    return WEFT_OK;
}

static int run(bool fixed)
{
    unwind_all = fixed;
    updates = 0;
    request1_scope = NULL;
    table_lock = weft_lock_new();
    db_conns = weft_limiter_new(1);
    weft_group *g = weft_group_open();
    weft_spawn(g, nightly_report, NULL, "nightly report");
    weft_spawn(g, request1, NULL, "request 1");
    weft_spawn(g, request2, NULL, "request 2");
    weft_spawn(g, disconnect, NULL, "disconnect");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(!weft_lock_locked(table_lock), "the table lock is still held");
    WEFT_ASSERT(weft_limiter_borrowed(db_conns) == 0);
    if (!weft_group_cancel_called(g))
        WEFT_ASSERT(updates >= 1); /* request 2 always gets through */
    return rc;
}

WEFT_TEST(lock_leak)
{
    return run(false);
}

WEFT_TEST(lock_leak_fixed)
{
    return run(true);
}
