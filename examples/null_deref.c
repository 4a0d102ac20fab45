/*
 * null_deref.c — a connection torn down while a request still uses it.
 *
 * A request task looks up the session, awaits (a checkpoint), then uses
 * it; a disconnect task frees the session and clears the pointer. When the
 * disconnect runs inside the request's await, the request dereferences NULL
 * and the process dies of SIGSEGV. weft runs executions in a forked worker:
 * the crash is reported as a `crash` failure with its seed and schedule,
 * and the campaign goes on. `null_deref_fixed` holds a reference (a flag
 * the disconnect waits on) for as long as the request uses the session.
 */
#include <stdlib.h>

#include <weft/weft.h>

typedef struct session {
    int requests;
} session;

static session *current;
static bool hold_reference;
static weft_event *released;

static int request(void *arg)
{
    (void)arg;
    session *s = current;
    weft_checkpoint(); /* e.g. waiting for the database */
    if (!hold_reference)
        s = current; /* BUG: re-read after the await; may be gone */
    s->requests++;
    if (hold_reference)
        weft_event_set(released);
    return WEFT_OK;
}

static int disconnect(void *arg)
{
    (void)arg;
    /* the fix: wait for the reference; if cancelled, leave the session to
     * its owner rather than free it under a request */
    if (hold_reference && weft_event_wait(released) != WEFT_OK)
        return WEFT_CANCELLED;
    session *s = current;
    current = NULL;
    free(s);
    return WEFT_OK;
}

static int run(bool fixed)
{
    static session storage;
    hold_reference = fixed;
    released = weft_event_new();
    current = malloc(sizeof *current);
    if (!current)
        current = &storage;
    current->requests = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, request, NULL, "request");
    weft_spawn(g, disconnect, NULL, "disconnect");
    int rc = weft_group_join(g);
    if (current != &storage)
        free(current); /* a disconnect that was cancelled left it */
    current = NULL;
    return rc;
}

WEFT_TEST(null_deref)
{
    return run(false);
}

WEFT_TEST(null_deref_fixed)
{
    return run(true);
}
