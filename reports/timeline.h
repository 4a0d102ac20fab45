/*
 * timeline.h — what happened in one execution, for a person to read.
 *
 * A timeline is recorded by replaying a trace with an observer: every event
 * the runtime emits (runs, yields, blocks, wake-ups, spawns, cancellations,
 * clock jumps, injected timeouts), the scheduler's notable decisions
 * (preemptions, which of several due timers fired first), and how the
 * execution ended. Recording costs nothing outside this replay.
 *
 * Invariants of a recorded timeline:
 *  - events are in emission order, so their steps never decrease;
 *  - every string an event points to is owned by the timeline (interned);
 *  - every task id an event names is below n_task or is WEFT__TL_NOBODY:
 *    the clock's and the scheduler's events (CLOCK, INJECT_TIMEOUT, a
 *    deadline's CANCEL, a deadlock's END) have no task, a WAKE by the clock
 *    and main's SPAWN no `other`;
 *  - the last event is the end (WEFT__TL_END), with the outcome.
 *
 * Readers of a timeline: weft__timeline_print (the terminal, below) and
 * reports/html.c (the HTML report).
 */
#ifndef WEFT_REPORTS_TIMELINE_H
#define WEFT_REPORTS_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <weft/weft.h>

#include "../runtime/exec.h"
#include "../scheduler/trace.h"

/* `other` when no task is meant: the clock (WAKE), nobody (main's SPAWN). */
#define WEFT__TL_NOBODY UINT32_MAX

/* Event kinds a timeline adds to enum weft__ev_kind. */
enum {
    WEFT__TL_INJECT = 32, /* a weft_inject() site was told to fail */
    WEFT__TL_END,        /* the execution ended (task: the one running) */
};

/* weft__tl_event.flags */
#define WEFT__TL_PREEMPTED 1u /* a YIELD after which the scheduler ran
                                 another task (`other`) although this one
                                 could have gone on */

typedef struct weft__tl_event {
    uint8_t kind;            /* enum weft__ev_kind or WEFT__TL_* */
    uint8_t cause;           /* CANCEL: enum weft__cause */
    uint8_t flags;           /* WEFT__TL_* flags */
    uint16_t op;             /* YIELD: enum weft__op */
    uint16_t among;          /* WAKE or CANCEL by the clock: the timer that
                                fired first of `among` due at once (the
                                scheduler's choice); else 0 */
    uint32_t task;
    uint32_t other;
    uint32_t obj;
    int32_t status;
    uint64_t step;
    int64_t time;            /* virtual time, ns since the execution began */
    const char *file;        /* NULL when unknown; owned by the timeline */
    int line;
    const char *call;        /* BLOCK: the API call; SPAWN: the task's name */
    const char *text;        /* BLOCK: what it waits on */
    size_t ref;              /* WAKE: the BLOCK event it ends; else SIZE_MAX */
} weft__tl_event;

/* Where a task ended up. */
enum weft__tl_state {
    WEFT__TL_RUNNABLE = 0,
    WEFT__TL_RUNNING,
    WEFT__TL_BLOCKED,
    WEFT__TL_DONE,
};

typedef struct weft__tl_task {
    const char *name;        /* "main" for task 0; "task N" when unnamed */
    uint32_t parent;         /* WEFT__TL_NOBODY for main */
    const char *file;        /* where it was spawned (NULL: unknown) */
    int line;
    int state;               /* enum weft__tl_state at the end */
    int32_t status;          /* its result when DONE */
    size_t last_block;       /* index of its last BLOCK event, SIZE_MAX: none */
} weft__tl_task;

typedef struct weft__strpool weft__strpool;

typedef struct weft__timeline {
    weft__trace_header h;    /* the replayed trace's header */
    uint64_t trace_hash;     /* its schedule identity */
    size_t decisions;        /* decisions the trace holds */
    size_t preemptions;      /* YIELDs flagged WEFT__TL_PREEMPTED */
    size_t injections;       /* injected cancellations, timeouts, faults */
    weft__tl_event *ev;
    size_t n_ev, cap_ev;
    weft__tl_task *task;
    size_t n_task, cap_task;
    /* the outcome */
    int kind;                /* enum weft_failure_kind; NONE: it passed */
    const char *message;     /* owned */
    const char *location;    /* "file:line" or "" */
    const char *loc_file;    /* location split (NULL when none) */
    int loc_line;
    uint64_t steps;
    uint32_t end_task;       /* the task running when it ended (NOBODY for
                                a deadlock) */
    int64_t t0;              /* absolute virtual time of the first event */
    bool oom;                /* recording ran out of memory */
    weft__strpool *pool;
} weft__timeline;

/* Replays `trace` of test fn (named name) with an observer and records
 * every event into a new timeline (*out, free with weft__timeline_free).
 * Returns 0, or -1 with a message in err: a bad trace (another test's),
 * a replay that diverged or left decisions unused, out of memory. */
int weft__timeline_record(const char *name, weft_task_fn fn, void *arg,
                          const weft__trace *trace, weft__timeline **out,
                          char *err, size_t err_len);
void weft__timeline_free(weft__timeline *tl); /* NULL is fine */

/* Compact terminal timeline: one column per task, one row per step that
 * matters, file:line on each row, long uneventful runs folded ("... 37
 * steps ..."), ANSI colour when color is true. */
void weft__timeline_print(const weft__timeline *tl, FILE *out, bool color);

/* ------------------------------------------- shared by the renderers */

/* One row of a rendered timeline: an event, or a fold standing for the
 * hidden events ev..end-1. */
typedef struct weft__tl_row {
    size_t ev;               /* the event; for a fold, the first hidden */
    size_t end;              /* fold: one past the last hidden event */
    uint64_t from, to;       /* fold: the steps it spans */
    bool fold;
} weft__tl_row;

/* The rows worth showing, at most about 2 * budget + 1 of them: every
 * event that matters while they fit, then fewer (yields, preemptions and
 * finished tasks go first), keeping those nearest the end; runs of more
 * than a few uneventful steps are always folded. Returns 0, or -1 when out
 * of memory. *rows is malloc'd. */
int weft__tl_rows(const weft__timeline *tl, size_t budget, weft__tl_row **rows,
                  size_t *n_rows);

/* The task that acted in event e (the waker of a WAKE, the parent of a
 * SPAWN, the canceller of an explicit CANCEL), or WEFT__TL_NOBODY (the
 * clock, the scheduler). */
uint32_t weft__tl_actor(const weft__tl_event *e);

/* Short label for event e as seen in its task's lane ("BLOCK lock #3",
 * "woken", "yield"), and a one-line sentence describing it in full (with
 * task names). */
void weft__tl_label(const weft__timeline *tl, const weft__tl_event *e,
                    char *buf, size_t len);
void weft__tl_sentence(const weft__timeline *tl, const weft__tl_event *e,
                       char *buf, size_t len);
/* "file:line" of e (for a WAKE: where the woken task had blocked), "" when
 * unknown. */
void weft__tl_where(const weft__timeline *tl, const weft__tl_event *e,
                    char *buf, size_t len);
/* "transfer a->b (task 1)" or "task 3". */
void weft__tl_task_label(const weft__timeline *tl, uint32_t id, char *buf,
                         size_t len);
/* Virtual time as a person reads it: "0", "100ms", "1.5s", "250us". */
void weft__tl_duration(int64_t ns, char *buf, size_t len);
const char *weft__tl_cause_name(unsigned cause);
const char *weft__tl_op_name(unsigned op);
/* The kind of object an operation touches ("lock", "stream"), or NULL. */
const char *weft__tl_op_noun(unsigned op);

/* ------------------------------------------------ the wait-for graph */

/* One blocked task at the end: what it waits on and who that depends on. */
typedef struct weft__tl_wait {
    uint32_t task;
    size_t block;            /* its BLOCK event */
    uint32_t obj;            /* the object (0: none, e.g. a sleep) */
    char object[64];         /* "lock #3", "the group", "sleep" */
    char created[160];       /* "examples/lock_order.c:48" or "" */
    uint32_t holders[16];    /* tasks the object waits for (holders,
                                running children, borrowers) */
    size_t n_holders;
    bool in_cycle;           /* part of a wait-for cycle */
} weft__tl_wait;

/* What the BLOCK event b waits on ("lock #3", "group #4", "sleep") and
 * where that object was created or opened ("file:line", or ""). */
void weft__tl_block_object(const weft__tl_event *b, char *object, size_t olen,
                           char *created, size_t clen);

/* The wait-for edges among the tasks still blocked at the end (task ->
 * object -> holder tasks), cycles marked. Returns how many were written to
 * w (at most cap). */
size_t weft__tl_waitfor(const weft__timeline *tl, weft__tl_wait *w, size_t cap);

#endif /* WEFT_REPORTS_TIMELINE_H */
