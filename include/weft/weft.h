/*
 * weft.h — the public interface of weft, a deterministic concurrency test
 * harness for structured-concurrency C programs.
 *
 * A weft test is a function that runs on user-level tasks. The tasks only
 * switch at checkpoints, and a seeded scheduler decides who runs at each one,
 * so the same seed always gives the same run. Task groups, cancel scopes,
 * deadlines and the checkpoint rules follow AnyIO and Trio; every blocking call
 * returns a status code (WEFT_OK or a negative WEFT_* code) instead of raising.
 *
 *   #include <weft/weft.h>
 *
 *   static int counter;
 *   static int bump(void *arg) {
 *       int v = counter;
 *       weft_checkpoint();          // another task may run here
 *       counter = v + 1;            // lost update
 *       return WEFT_OK;
 *   }
 *   WEFT_TEST(lost_update) {
 *       counter = 0;
 *       weft_group *g = weft_group_open();
 *       weft_spawn(g, bump, NULL, "a");
 *       weft_spawn(g, bump, NULL, "b");
 *       int rc = weft_group_join(g);
 *       WEFT_ASSERT(counter == 2);
 *       return rc;
 *   }
 *
 * Build it with `cc t.c $(pkg-config --cflags --libs weft-main)` and run
 * `./a.out explore lost_update`.
 *
 * Every function-like API below is also a macro of the same name that passes
 * the caller's file and line, so failure reports (deadlocks, misuse) can name
 * the user's source line. Taking a function's address still works.
 */
#ifndef WEFT_WEFT_H
#define WEFT_WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0
#define WEFT_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define WEFT_NORETURN __attribute__((noreturn))
#define WEFT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WEFT_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define WEFT_NORETURN
#define WEFT_PRINTF(f, a)
#define WEFT_WARN_UNUSED
#endif

/* ---------------------------------------------------------------- status */

/* X(name, value, text): the one list that makes the enum and weft_strstatus. */
#define WEFT_STATUS_MAP(X)                                                   \
    X(OK, 0, "success")                                                      \
    X(CANCELLED, -1, "cancelled by an enclosing cancel scope")              \
    X(TIMEOUT, -2, "the scope's own deadline expired")                      \
    X(WOULDBLOCK, -3, "the operation would block")                          \
    X(CLOSED, -4, "the handle was closed")                                  \
    X(END, -5, "end of stream: every sender closed and buffer drained")     \
    X(BROKEN, -6, "broken stream: every receiver closed")                   \
    X(EINVAL, -7, "misuse or invalid argument")

enum weft_status {
#define WEFT__STATUS_ENUM(name, value, text) WEFT_##name = (value),
    WEFT_STATUS_MAP(WEFT__STATUS_ENUM)
#undef WEFT__STATUS_ENUM
};

/* Text for a status code; "unknown status" for codes outside the list
 * (a task's own failure codes). Never NULL. */
const char *weft_strstatus(int code);
/* The name of a status code ("WEFT_CANCELLED"), or NULL when not a WEFT_ code. */
const char *weft_status_name(int code);

/* A task. Returns WEFT_OK, WEFT_CANCELLED (gave up because cancelled: not a
 * failure), or any other non-zero code: the task failed with it. */
typedef int (*weft_task_fn)(void *arg);

/* ------------------------------------------------------------------ time */

/* Nanoseconds of virtual time. Under the harness it moves only when the
 * scheduler moves it. Compare differences, never absolute values. */
typedef int64_t weft_time;

#define WEFT_NS(x) ((weft_time)(x))
#define WEFT_US(x) ((weft_time)(x) * 1000LL)
#define WEFT_MS(x) ((weft_time)(x) * 1000000LL)
#define WEFT_SEC(x) ((weft_time)(x) * 1000000000LL)
#define WEFT_FOREVER INT64_MAX

weft_time weft_now(void);

/* ------------------------------------------------------------ task groups */

typedef struct weft_group weft_group;
typedef struct weft_scope weft_scope;

/* Opens a task group (Trio's nursery, AnyIO's TaskGroup) in the current task,
 * with its own cancel scope around the code up to weft_group_join. */
weft_group *weft_group_open(void);
/* Starts fn(arg) as a child of g (start_soon). Not a checkpoint: the child runs
 * once the spawner reaches a scheduling point. name may be NULL. */
int weft_spawn(weft_group *g, weft_task_fn fn, void *arg, const char *name);
/* Starts fn(arg) and waits until it calls weft_started(value); *started_value
 * (if not NULL) receives the value. A checkpoint. */
int weft_start(weft_group *g, weft_task_fn fn, void *arg, const char *name,
               void **started_value);
/* Signals weft_start's caller. Does nothing in a spawned task. */
void weft_started(void *value);
/* Cancels the group's scope: every child and the host's body. */
void weft_group_cancel(weft_group *g);
/* Waits for every child (a checkpoint). Returns the first child failure, else
 * WEFT_CANCELLED if a scope outside the group cancelled the host, else WEFT_OK. */
int weft_group_join(weft_group *g);
bool weft_group_cancel_called(const weft_group *g);
/* After join: how many children failed; their codes in codes[0..max). */
size_t weft_group_failures(const weft_group *g, int *codes, size_t max);

/* ---------------------------------------------------------- cancel scopes */

/* Opens a cancel scope in the current task; deadline is absolute virtual
 * time, WEFT_FOREVER for none. Scopes close in LIFO order. */
weft_scope *weft_scope_open(weft_time deadline);
weft_scope *weft_scope_open_shielded(weft_time deadline);
void weft_scope_cancel(weft_scope *s);
void weft_scope_set_deadline(weft_scope *s, weft_time deadline);
weft_time weft_scope_deadline(const weft_scope *s);
void weft_scope_set_shield(weft_scope *s, bool shield);
bool weft_scope_shield(const weft_scope *s);
bool weft_scope_cancel_called(const weft_scope *s);
bool weft_scope_cancelled_caught(const weft_scope *s);
/* Closes s. Returns what it caught: WEFT_TIMEOUT (its own deadline),
 * WEFT_CANCELLED (an explicit cancel), or WEFT_OK. */
int weft_scope_close(weft_scope *s);
/* Earliest deadline of the enclosing scopes out to the nearest shield;
 * INT64_MIN when cancelled, WEFT_FOREVER when none. */
weft_time weft_effective_deadline(void);

/* weft_scope_open(weft_now() + delay); a negative delay is misuse. With
 * move_on_after ignore weft_scope_close's result; with fail_after return it
 * (WEFT_TIMEOUT when the deadline expired inside). */
weft_scope *weft_move_on_after(weft_time delay);
weft_scope *weft_fail_after(weft_time delay);

#if defined(__GNUC__) || defined(__clang__)
void weft__scope_guard_close(weft_scope **s);
/* WEFT_SCOPE(var, deadline) { ... } — a scope closed by the compiler when
 * var goes out of scope, so an early return cannot leak it. Use
 * weft_scope_close(var) explicitly when the result matters; the guard then
 * does nothing. */
#define WEFT_SCOPE_GUARD(var, deadline)                                       \
    weft_scope *var __attribute__((cleanup(weft__scope_guard_close))) =       \
        weft_scope_open(deadline)
#endif

/* ------------------------------------------------------------ checkpoints */

int weft_checkpoint(void);                 /* scheduling + cancellation point */
int weft_checkpoint_if_cancelled(void);    /* cancellation point only */
void weft_cancel_shielded_checkpoint(void); /* scheduling point only */
int weft_sleep(weft_time delay);           /* negative: misuse */
int weft_sleep_until(weft_time deadline);
int weft_wait_all_tasks_blocked(void);     /* trio.testing */

/* ------------------------------------------- synchronization primitives */

/* Objects made by _new/_open belong to the execution and are released when
 * it ends. Blocking calls are checkpoints even when they do not block;
 * try_ and _nowait calls, set, release, notify, close and clone are not. */

typedef struct weft_event weft_event;
typedef struct weft_lock weft_lock;
typedef struct weft_semaphore weft_semaphore;
typedef struct weft_condition weft_condition;
typedef struct weft_limiter weft_limiter;

weft_event *weft_event_new(void);
void weft_event_set(weft_event *e);          /* wakes every waiter; idempotent */
bool weft_event_is_set(const weft_event *e);
int weft_event_wait(weft_event *e);

weft_lock *weft_lock_new(void);              /* FIFO-fair, hands off on release */
int weft_lock_acquire(weft_lock *l);
int weft_lock_try_acquire(weft_lock *l);     /* WEFT_OK or WEFT_WOULDBLOCK */
int weft_lock_release(weft_lock *l);         /* not the owner: misuse */
bool weft_lock_locked(const weft_lock *l);

/* max WEFT_UNBOUNDED: no maximum. initial > max is misuse. */
weft_semaphore *weft_semaphore_new(size_t initial, size_t max);
int weft_semaphore_acquire(weft_semaphore *s);
int weft_semaphore_try_acquire(weft_semaphore *s);
int weft_semaphore_release(weft_semaphore *s); /* past max: misuse */
size_t weft_semaphore_value(const weft_semaphore *s);
size_t weft_semaphore_max_value(const weft_semaphore *s);

weft_condition *weft_condition_new(weft_lock *l); /* NULL: a lock of its own */
weft_lock *weft_condition_lock(weft_condition *c);
/* Lock held, else misuse. Returns with the lock held, even when cancelled. */
int weft_condition_wait(weft_condition *c);
int weft_condition_notify(weft_condition *c, size_t n); /* lock held */
int weft_condition_notify_all(weft_condition *c);

/* CapacityLimiter: total >= 1 or WEFT_UNBOUNDED; one token per borrower. */
weft_limiter *weft_limiter_new(size_t total_tokens);
int weft_limiter_acquire(weft_limiter *l);
int weft_limiter_try_acquire(weft_limiter *l);
int weft_limiter_acquire_on_behalf_of(weft_limiter *l, const void *borrower);
int weft_limiter_try_acquire_on_behalf_of(weft_limiter *l, const void *borrower);
int weft_limiter_release(weft_limiter *l);
int weft_limiter_release_on_behalf_of(weft_limiter *l, const void *borrower);
int weft_limiter_set_total_tokens(weft_limiter *l, size_t total_tokens);
size_t weft_limiter_total_tokens(const weft_limiter *l);
size_t weft_limiter_borrowed(const weft_limiter *l);
/* Negative after lowering the total below what is borrowed; PTRDIFF_MAX
 * when unbounded. */
ptrdiff_t weft_limiter_available(const weft_limiter *l);

/* ------------------------------------------------ memory object streams */

typedef struct weft_sender weft_sender;
typedef struct weft_receiver weft_receiver;

/* A stream buffering up to max_buffer items (0: rendezvous; WEFT_UNBOUNDED).
 * Items are pointers; NULL is an item too. */
int weft_stream_open(size_t max_buffer, weft_sender **tx, weft_receiver **rx);
int weft_send(weft_sender *tx, void *item);
int weft_send_nowait(weft_sender *tx, void *item);
int weft_recv(weft_receiver *rx, void **item);
int weft_recv_nowait(weft_receiver *rx, void **item);
weft_sender *weft_sender_clone(weft_sender *tx);     /* NULL when tx is closed */
weft_receiver *weft_receiver_clone(weft_receiver *rx);
void weft_sender_close(weft_sender *tx);             /* idempotent */
void weft_receiver_close(weft_receiver *rx);

/* ----------------------------------------------- failing and injecting */

WEFT_NORETURN void weft_fail(const char *fmt, ...) WEFT_PRINTF(1, 2);
/* true when the scheduler decides to inject a fault at this site. */
bool weft_inject(const char *site);
/* An extra scheduling point (not a cancellation point). */
void weft_yield(const char *label);
/* The running task's id (0: the test's main task), -1 outside the harness. */
int weft_task_id(void);
/* The running task's name. */
const char *weft_task_name(void);

WEFT_NORETURN void weft__assert_fail(const char *file, int line,
                                     const char *expr, const char *fmt, ...)
    WEFT_PRINTF(4, 5);

#define WEFT_ASSERT(cond)                                                     \
    ((cond) ? (void)0 : weft__assert_fail(__FILE__, __LINE__, #cond, NULL))
#define WEFT_ASSERT_MSG(cond, ...)                                            \
    ((cond) ? (void)0                                                         \
            : weft__assert_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* ------------------------------------------------------------ the harness */

#define WEFT_UNBOUNDED SIZE_MAX

/* One failing execution, as the explorer found it (for a failure store). */
typedef struct weft_failure_event {
    const char *test;
    const char *strategy;
    int kind;
    const char *message;
    const char *location;
    uint64_t seed;
    uint64_t execution;
    uint64_t steps;
    uint64_t signature;        /* same as weft_failure.signature */
    uint64_t trace_hash;       /* the schedule's identity */
    const uint8_t *trace;      /* encoded schedule; valid during the call */
    size_t trace_len;
    const char *replay_command;
    bool first_of_signature;   /* first time this campaign saw it */
} weft_failure_event;
typedef void (*weft_failure_hook)(void *ctx, const weft_failure_event *ev);

typedef struct weft_options {
    const char *strategy;   /* "random" (default); more in later versions */
    uint64_t seed;          /* first seed (execution i uses seed + i) */
    uint64_t iterations;    /* executions to run (0: 1) */
    const uint64_t *seeds;  /* or: exactly these seeds */
    size_t n_seeds;
    uint64_t max_steps;     /* fair-tail steps before a livelock (0: 100000) */
    double cancel_rate;     /* injected cancellations (later versions) */
    double timeout_rate;    /* injected timeouts (later versions) */
    double inject_rate;     /* weft_inject() sites */
    const char *db;         /* SQLite failure store (later versions) */
    bool stop_on_failure;
    bool quiet;             /* print nothing (failures are in the report) */
    double time_limit;      /* seconds of wall time, 0: none */
    size_t stack_size;      /* per task, 0: 256 KiB */
    const char *argv0;      /* the test binary, for replay commands */
    void *log;              /* FILE * for failures and summaries; NULL: stderr */
    weft_failure_hook on_failure; /* called for every failing execution */
    void *on_failure_ctx;
    uint64_t seed_stride;   /* execution i uses seed + i * stride (0: 1); for
                               workers and shards that split the seed space */
    /* Called before each execution with its index and seed (and, for the
     * harness's own use, the trace it records into); returning false stops
     * the campaign. */
    bool (*on_execution)(void *ctx, uint64_t index, uint64_t seed, const void *trace);
    void *on_execution_ctx;
    void *record_into;      /* internal (campaign workers): the trace every
                               execution is recorded into, in shared memory */
    volatile uint64_t *distinct_live; /* internal: kept at the count of
                                         distinct schedules so far */
} weft_options;

/* weft_options with every field at its default. */
#define WEFT_OPTIONS_INIT {.strategy = "random", .iterations = 1}

enum weft_failure_kind {
    WEFT_KIND_NONE = 0,
    WEFT_KIND_ASSERT,    /* WEFT_ASSERT, weft_fail */
    WEFT_KIND_FAILURE,   /* the test returned a failure code */
    WEFT_KIND_DEADLOCK,  /* every task blocked and no timer pending */
    WEFT_KIND_LIVELOCK,  /* max_steps exceeded in the fair tail */
    WEFT_KIND_MISUSE,    /* API misuse in the program under test */
    WEFT_KIND_VIOLATION, /* structured concurrency violated */
    WEFT_KIND_CRASH,     /* a signal in the program under test */
    WEFT_KIND_RACE,      /* reserved */
    WEFT_KIND_DIVERGED,  /* replay: the program no longer fits the trace */
};
const char *weft_kind_name(int kind); /* "assert", "deadlock", ... */
int weft_kind_from_name(const char *name); /* -1 when unknown */

/* One failing execution. Strings are owned by the report. */
typedef struct weft_failure {
    int kind;
    char *message;          /* the whole message, may span lines */
    char *location;         /* "file:line" of the failing call, or "" */
    uint64_t seed;
    uint64_t execution;     /* 0-based index in the campaign */
    uint64_t steps;
    uint64_t hits;          /* executions that failed with this signature */
    uint64_t signature;     /* kind + location + message shape */
    uint64_t trace_hash;    /* XXH3 of the schedule */
    uint8_t *trace;         /* encoded trace (weft_replay reads it) */
    size_t trace_len;
    char *replay_command;
} weft_failure;

typedef struct weft_report {
    char *test;
    char *strategy;
    uint64_t executions;
    uint64_t distinct_schedules;
    double elapsed_s;
    weft_failure *failures; /* distinct by signature, in order found */
    size_t n_failures;
    uint64_t failed_executions;
    int64_t first_failure_execution; /* -1: none */
    uint64_t last_trace_hash;        /* of the last execution */
    bool time_limited;               /* stopped by the time limit */
    bool diverged;                   /* weft_replay: the trace no longer fits */
    bool exhausted;                  /* dfs: every schedule was explored */
    bool distinct_estimated;         /* distinct_schedules is an estimate */
    bool stopped;                    /* on_execution asked to stop */
} weft_report;

/* Runs main(arg) under opt (NULL: defaults). Returns 0 when nothing failed,
 * 1 when a failure was found, 2 on bad options (message on stderr). out may
 * be NULL; otherwise free it with weft_report_free. */
int weft_check(const char *name, weft_task_fn main, void *arg,
               const weft_options *opt, weft_report *out);
/* Replays one encoded trace. Same return values as weft_check. */
int weft_replay(const char *name, weft_task_fn main, void *arg,
                const uint8_t *trace, size_t len, weft_report *out);
void weft_report_free(weft_report *r);
/* Writes r as one JSON object (no trailing newline) to f (a FILE *). */
void weft_report_json(const weft_report *r, void *file);

/* ---------------------------------------------------------------- tests */

typedef struct weft_test_def {
    const char *name;
    weft_task_fn fn;
    const char *file;
    int line;
    struct weft_test_def *next;
} weft_test_def;

void weft_test_register(weft_test_def *t);
/* The registered tests sorted by name; *n receives the count. */
const weft_test_def *const *weft_tests(size_t *n);
const weft_test_def *weft_test_find(const char *name);

/* WEFT_TEST(name) { ...; return WEFT_OK; } defines `int weft_test_name(void *)`
 * and registers it for weft_main. Tests may be spread over many files. */
#define WEFT_TEST(name)                                                       \
    int weft_test_##name(void *weft_arg);                                     \
    static weft_test_def weft__def_##name = {#name, weft_test_##name,         \
                                             __FILE__, __LINE__, NULL};       \
    __attribute__((constructor)) static void weft__reg_##name(void)           \
    {                                                                         \
        weft_test_register(&weft__def_##name);                                \
    }                                                                         \
    int weft_test_##name(__attribute__((unused)) void *weft_arg)

/* The running program's path as it was started (for replay commands). */
const char *weft_program(void);

/* The command line of a test binary: list, run, explore, replay, fuzz. */
int weft_main(int argc, char **argv);

/* ----------------------------------------- source locations for reports */

/* Internal entry points that carry the caller's file:line. */
int weft__checkpoint_at(const char *file, int line);
int weft__checkpoint_if_cancelled_at(const char *file, int line);
void weft__cancel_shielded_checkpoint_at(const char *file, int line);
int weft__sleep_at(weft_time delay, const char *file, int line);
int weft__sleep_until_at(weft_time deadline, const char *file, int line);
int weft__group_join_at(weft_group *g, const char *file, int line);
int weft__start_at(weft_group *g, weft_task_fn fn, void *arg,
                   const char *name, void **started_value, const char *file,
                   int line);
void weft__yield_at(const char *label, const char *file, int line);
int weft__wait_all_tasks_blocked_at(const char *file, int line);
void weft__set_location(const char *file, int line);

#define weft_checkpoint() weft__checkpoint_at(__FILE__, __LINE__)
#define weft_checkpoint_if_cancelled()                                        \
    weft__checkpoint_if_cancelled_at(__FILE__, __LINE__)
#define weft_cancel_shielded_checkpoint()                                     \
    weft__cancel_shielded_checkpoint_at(__FILE__, __LINE__)
#define weft_sleep(d) weft__sleep_at((d), __FILE__, __LINE__)
#define weft_sleep_until(d) weft__sleep_until_at((d), __FILE__, __LINE__)
#define weft_group_join(g) weft__group_join_at((g), __FILE__, __LINE__)
#define weft_start(g, fn, arg, name, sv)                                      \
    weft__start_at((g), (fn), (arg), (name), (sv), __FILE__, __LINE__)
#define weft_yield(label) weft__yield_at((label), __FILE__, __LINE__)
#define weft_wait_all_tasks_blocked()                                         \
    weft__wait_all_tasks_blocked_at(__FILE__, __LINE__)
/* Non-blocking calls that can be misused record where they were called. */
#define weft_group_open() (weft__set_location(__FILE__, __LINE__), (weft_group_open)())
#define weft_spawn(...) (weft__set_location(__FILE__, __LINE__), (weft_spawn)(__VA_ARGS__))
#define weft_scope_open(d) (weft__set_location(__FILE__, __LINE__), (weft_scope_open)(d))
#define weft_scope_open_shielded(d)                                           \
    (weft__set_location(__FILE__, __LINE__), (weft_scope_open_shielded)(d))
#define weft_move_on_after(d) (weft__set_location(__FILE__, __LINE__), (weft_move_on_after)(d))
#define weft_fail_after(d) (weft__set_location(__FILE__, __LINE__), (weft_fail_after)(d))
#define weft_scope_close(s) (weft__set_location(__FILE__, __LINE__), (weft_scope_close)(s))
#define weft_fail(...) (weft__set_location(__FILE__, __LINE__), (weft_fail)(__VA_ARGS__))

/* Primitives record where they were made and where they were called. */
#define WEFT__AT(call) (weft__set_location(__FILE__, __LINE__), (call))
#define weft_event_new() WEFT__AT((weft_event_new)())
#define weft_event_wait(e) WEFT__AT((weft_event_wait)(e))
#define weft_lock_new() WEFT__AT((weft_lock_new)())
#define weft_lock_acquire(l) WEFT__AT((weft_lock_acquire)(l))
#define weft_lock_try_acquire(l) WEFT__AT((weft_lock_try_acquire)(l))
#define weft_lock_release(l) WEFT__AT((weft_lock_release)(l))
#define weft_semaphore_new(i, m) WEFT__AT((weft_semaphore_new)((i), (m)))
#define weft_semaphore_acquire(s) WEFT__AT((weft_semaphore_acquire)(s))
#define weft_semaphore_release(s) WEFT__AT((weft_semaphore_release)(s))
#define weft_condition_new(l) WEFT__AT((weft_condition_new)(l))
#define weft_condition_wait(c) WEFT__AT((weft_condition_wait)(c))
#define weft_condition_notify(c, n) WEFT__AT((weft_condition_notify)((c), (n)))
#define weft_condition_notify_all(c) WEFT__AT((weft_condition_notify_all)(c))
#define weft_limiter_new(n) WEFT__AT((weft_limiter_new)(n))
#define weft_limiter_acquire(l) WEFT__AT((weft_limiter_acquire)(l))
#define weft_limiter_try_acquire(l) WEFT__AT((weft_limiter_try_acquire)(l))
#define weft_limiter_acquire_on_behalf_of(l, b)                               \
    WEFT__AT((weft_limiter_acquire_on_behalf_of)((l), (b)))
#define weft_limiter_try_acquire_on_behalf_of(l, b)                           \
    WEFT__AT((weft_limiter_try_acquire_on_behalf_of)((l), (b)))
#define weft_limiter_release(l) WEFT__AT((weft_limiter_release)(l))
#define weft_limiter_release_on_behalf_of(l, b)                               \
    WEFT__AT((weft_limiter_release_on_behalf_of)((l), (b)))
#define weft_limiter_set_total_tokens(l, n)                                   \
    WEFT__AT((weft_limiter_set_total_tokens)((l), (n)))
#define weft_stream_open(m, tx, rx) WEFT__AT((weft_stream_open)((m), (tx), (rx)))
#define weft_send(tx, item) WEFT__AT((weft_send)((tx), (item)))
#define weft_recv(rx, item) WEFT__AT((weft_recv)((rx), (item)))

#ifdef __cplusplus
}
#endif
#endif /* WEFT_WEFT_H */
