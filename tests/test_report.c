/*
 * test_report.c — reading a failure: recorded timelines, the terminal
 * timeline and the HTML reports.
 *
 * Each test finds a failing schedule of a small program written here (a
 * lock-order deadlock, a lock hand-off, a timeout race, a deadline, a
 * hand-off through a stream, a long run), records its timeline by
 * replaying it, and checks what a reader would need: the events (who woke
 * whom on which object, which scope was cancelled and why), the names and
 * file:line in the terminal output, the folds, and the HTML (one lane per
 * task, the replay command, nothing fetched from the network, the size of
 * a 10,000-step report).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/html.h"
#include "reports/store.h"
#include "reports/timeline.h"
#include "scheduler/trace.h"
#include "testutil.h"

/* ---------------------------------------------------------- programs */

static weft_lock *lock_a, *lock_b;

static int take_ab(void *arg)
{
    bool reverse = arg != NULL;
    weft_lock *first = reverse ? lock_b : lock_a, *second = reverse ? lock_a : lock_b;
    int rc = weft_lock_acquire(first);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_lock_acquire(second);
    if (rc == WEFT_OK)
        weft_lock_release(second);
    weft_lock_release(first);
    return rc;
}

static int lock_order(void *arg)
{
    (void)arg;
    lock_a = weft_lock_new();
    lock_b = weft_lock_new();
    weft_group *g = weft_group_open();
    weft_spawn(g, take_ab, NULL, "forward");
    weft_spawn(g, take_ab, (void *)1, "backward");
    return weft_group_join(g);
}

/* A lock handed from its holder to a waiter; fails when it happened. */
static bool waited;

static int holder(void *arg)
{
    (void)arg;
    weft_lock_acquire(lock_a);
    weft_checkpoint();
    weft_lock_release(lock_a);
    return WEFT_OK;
}

static int waiter(void *arg)
{
    (void)arg;
    if (weft_lock_try_acquire(lock_a) != WEFT_OK) {
        waited = true;
        weft_lock_acquire(lock_a);
    }
    weft_lock_release(lock_a);
    return WEFT_OK;
}

static int lock_handoff(void *arg)
{
    (void)arg;
    waited = false;
    lock_a = weft_lock_new();
    weft_group *g = weft_group_open();
    weft_spawn(g, holder, NULL, "holder");
    weft_spawn(g, waiter, NULL, "waiter");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(!waited, "the waiter had to wait");
    return rc;
}

/* The watchdog's timeout and the work fall due at the same instant. */
static bool done, timed_out;
static weft_group *jobs;

static int work(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(100));
    if (rc == WEFT_OK)
        done = true;
    return rc;
}

static int watchdog(void *arg)
{
    (void)arg;
    weft_sleep(WEFT_MS(100));
    if (!done) {
        timed_out = true;
        weft_group_cancel(jobs);
    }
    return WEFT_OK;
}

static int timeout_race(void *arg)
{
    (void)arg;
    done = timed_out = false;
    jobs = weft_group_open();
    weft_spawn(jobs, work, NULL, "work");
    weft_spawn(jobs, watchdog, NULL, "watchdog");
    int rc = weft_group_join(jobs);
    WEFT_ASSERT_MSG(!(done && timed_out), "done and timed out");
    return rc;
}

/* A deadline cancels a sleep: always fails. */
static int slow(void *arg)
{
    (void)arg;
    weft_scope *s = weft_move_on_after(WEFT_MS(50));
    weft_sleep(WEFT_MS(100));
    weft_scope_close(s);
    timed_out = weft_scope_cancelled_caught(s);
    return WEFT_OK;
}

static int deadline(void *arg)
{
    (void)arg;
    timed_out = false;
    weft_group *g = weft_group_open();
    weft_spawn(g, slow, NULL, "slow");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(!timed_out, "the deadline expired");
    return rc;
}

/* Items handed through an unbuffered stream: one side always waits for the
 * other. Always fails, after the hand-offs. */
static int producer(void *arg)
{
    weft_sender *tx = arg;
    for (intptr_t i = 0; i < 3; i++)
        if (weft_send(tx, (void *)i) != WEFT_OK)
            break;
    weft_sender_close(tx);
    return WEFT_OK;
}

static int consumer(void *arg)
{
    weft_receiver *rx = arg;
    void *item;
    while (weft_recv(rx, &item) == WEFT_OK)
        ;
    return WEFT_OK;
}

static int stream_handoff(void *arg)
{
    (void)arg;
    weft_sender *tx;
    weft_receiver *rx;
    weft_stream_open(0, &tx, &rx);
    weft_group *g = weft_group_open();
    weft_spawn(g, producer, tx, "producer");
    weft_spawn(g, consumer, rx, "consumer");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(false, "always fails");
    return rc;
}

/* Two tasks taking turns for `rounds` rounds; always fails at the end. */
static int rounds;

static int spinner(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++)
        weft_checkpoint();
    return WEFT_OK;
}

static int long_run(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "spinner <a> & \"b\"");
    weft_spawn(g, spinner, NULL, "spinner 2");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(false, "the end");
    return rc;
}

/* ------------------------------------------------------------ helpers */

/* The first failing schedule of fn among n seeds, decoded into t. */
static bool failing_trace(weft_task_fn fn, uint64_t n, weft__trace *t)
{
    weft_report r;
    char err[256];
    weft__trace_init(t);
    if (run_seeds(fn, NULL, n, false, &r) != 1)
        return false;
    bool ok = weft__trace_decode(r.failures[0].trace, r.failures[0].trace_len, t, err,
                                 sizeof err) == 0;
    weft_report_free(&r);
    return ok;
}

/* fn's first failing schedule, recorded. NULL when none or on error. */
static weft__timeline *record(weft_task_fn fn, uint64_t n)
{
    weft__trace t;
    weft__timeline *tl = NULL;
    char err[512];
    if (!failing_trace(fn, n, &t))
        return NULL;
    if (weft__timeline_record("t", fn, NULL, &t, &tl, err, sizeof err) != 0)
        fprintf(stderr, "\n  recording: %s\n", err);
    weft__trace_free(&t);
    return tl;
}

/* What out printed, NUL-terminated (caller frees). */
static char *captured(FILE *f)
{
    long len = ftell(f);
    char *buf = malloc((size_t)len + 1);
    rewind(f);
    size_t got = fread(buf, 1, (size_t)len, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static char *terminal_text(const weft__timeline *tl)
{
    FILE *f = tmpfile();
    weft__timeline_print(tl, f, false);
    return captured(f);
}

static char *html_text(const weft__timeline *tl, const weft__timeline *min)
{
    char err[256];
    FILE *f = tmpfile();
    CU_ASSERT_EQUAL(weft__report_html(f, "./t replay t --seed 42", tl, min, err, sizeof err), 0);
    return captured(f);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static const weft__tl_event *find(const weft__timeline *tl, int kind, size_t from)
{
    for (size_t i = from; i < tl->n_ev; i++)
        if (tl->ev[i].kind == kind)
            return &tl->ev[i];
    return NULL;
}

static uint32_t task_named(const weft__timeline *tl, const char *name)
{
    for (uint32_t i = 0; i < tl->n_task; i++)
        if (strcmp(tl->task[i].name, name) == 0)
            return i;
    return WEFT__TL_NOBODY;
}

static bool no_network(const char *html)
{
    return !strstr(html, "http://") && !strstr(html, "https://") && !strstr(html, "src=") &&
           !strstr(html, "<link") && !strstr(html, "@import") && !strstr(html, "url(http");
}

/* -------------------------------------------------------------- tests */

static void test_report_deadlock_events_and_waitfor(void)
{
    weft__timeline *tl = record(lock_order, 2000);
    CU_ASSERT_FATAL(tl != NULL);
    CU_ASSERT_EQUAL(tl->kind, WEFT_KIND_DEADLOCK);
    CU_ASSERT_EQUAL(tl->n_task, 3);
    uint32_t fwd = task_named(tl, "forward"), back = task_named(tl, "backward");
    CU_ASSERT(fwd != WEFT__TL_NOBODY && back != WEFT__TL_NOBODY);
    size_t blocks = 0;
    for (const weft__tl_event *e = find(tl, WEFT__EV_BLOCK, 0); e;
         e = find(tl, WEFT__EV_BLOCK, (size_t)(e - tl->ev) + 1))
        if (e->call && strcmp(e->call, "weft_lock_acquire") == 0) {
            blocks++;
            CU_ASSERT(e->file && strstr(e->file, "test_report.c") && e->line > 0);
            CU_ASSERT(e->obj != 0);
        }
    CU_ASSERT_EQUAL(blocks, 2);
    CU_ASSERT_EQUAL(tl->ev[tl->n_ev - 1].kind, WEFT__TL_END);
    weft__tl_wait w[8];
    size_t n = weft__tl_waitfor(tl, w, 8), in_cycle = 0;
    CU_ASSERT_EQUAL(n, 3); /* main on the group, the two on each other's lock */
    for (size_t i = 0; i < n; i++) {
        if (!w[i].in_cycle)
            continue;
        in_cycle++;
        CU_ASSERT_EQUAL(w[i].n_holders, 1);
        CU_ASSERT(strncmp(w[i].object, "lock #", 6) == 0);
        CU_ASSERT(strstr(w[i].created, "test_report.c:") != NULL);
        CU_ASSERT_EQUAL(w[i].holders[0], w[i].task == fwd ? back : fwd);
    }
    CU_ASSERT_EQUAL(in_cycle, 2);
    weft__timeline_free(tl);
}

static void test_report_deadlock_terminal_and_html(void)
{
    weft__timeline *tl = record(lock_order, 2000);
    CU_ASSERT_FATAL(tl != NULL);
    char *text = terminal_text(tl);
    CU_ASSERT(strstr(text, "forward") && strstr(text, "backward") && strstr(text, "main"));
    CU_ASSERT(strstr(text, "tests/test_report.c:") != NULL);
    CU_ASSERT(strstr(text, "WAIT lock #") != NULL);
    CU_ASSERT(strstr(text, "FAIL: deadlock") != NULL);
    CU_ASSERT(strstr(text, "\033[") == NULL); /* no colour asked */
    char *html = html_text(tl, NULL);
    CU_ASSERT_EQUAL(count(html, "class=\"lane\""), 3);
    CU_ASSERT(strstr(html, "./t replay t --seed 42") != NULL);
    CU_ASSERT(strstr(html, "class=\"wf\"") != NULL); /* the wait-for graph */
    CU_ASSERT(count(html, "wedge cyc") >= 4);         /* the cycle, in red */
    CU_ASSERT(strstr(html, "held by") != NULL);
    CU_ASSERT(strstr(html, "tests/test_report.c:") != NULL);
    CU_ASSERT(no_network(html));
    free(html);
    free(text);
    FILE *f = tmpfile();
    weft__timeline_print(tl, f, true);
    text = captured(f);
    CU_ASSERT(strstr(text, "\033[31m") != NULL);
    free(text);
    weft__timeline_free(tl);
}

static void test_report_lock_handoff_wake(void)
{
    weft__timeline *tl = record(lock_handoff, 2000);
    CU_ASSERT_FATAL(tl != NULL);
    uint32_t h = task_named(tl, "holder"), w = task_named(tl, "waiter");
    bool handoff = false;
    for (size_t i = 0; i < tl->n_ev; i++) {
        const weft__tl_event *e = &tl->ev[i];
        if (e->kind != WEFT__EV_WAKE || e->task != w || e->other != h)
            continue;
        CU_ASSERT_FATAL(e->ref < tl->n_ev);
        const weft__tl_event *b = &tl->ev[e->ref];
        handoff = b->kind == WEFT__EV_BLOCK && b->task == w && b->obj == e->obj &&
                  strcmp(b->call, "weft_lock_acquire") == 0;
    }
    CU_ASSERT(handoff);
    char *text = terminal_text(tl);
    CU_ASSERT(strstr(text, "wake #") != NULL && strstr(text, "woken") != NULL);
    free(text);
    char *html = html_text(tl, NULL);
    CU_ASSERT(strstr(html, "is woken by holder (task") != NULL);
    free(html);
    weft__timeline_free(tl);
}

static void test_report_timeout_race(void)
{
    weft__timeline *tl = record(timeout_race, 2000);
    CU_ASSERT_FATAL(tl != NULL);
    CU_ASSERT_EQUAL(tl->kind, WEFT_KIND_ASSERT);
    const weft__tl_event *clock = find(tl, WEFT__EV_CLOCK, 0);
    CU_ASSERT_FATAL(clock != NULL);
    CU_ASSERT_EQUAL(clock->time, WEFT_MS(100));
    bool chosen = false, by_clock = false;
    for (size_t i = 0; i < tl->n_ev; i++) {
        chosen |= tl->ev[i].kind == WEFT__EV_WAKE && tl->ev[i].among == 2;
        by_clock |= tl->ev[i].kind == WEFT__EV_WAKE && tl->ev[i].other == WEFT__TL_NOBODY;
    }
    CU_ASSERT(chosen && by_clock);
    const weft__tl_event *c = find(tl, WEFT__EV_CANCEL, 0);
    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT_EQUAL(c->cause, WEFT__CAUSE_EXPLICIT);
    CU_ASSERT_EQUAL(c->task, task_named(tl, "watchdog"));
    CU_ASSERT_EQUAL(tl->end_task, 0);
    char *text = terminal_text(tl);
    CU_ASSERT(strstr(text, "clock jumps to 100ms") != NULL);
    CU_ASSERT(strstr(text, "CANCEL explicit") != NULL);
    free(text);
    char *html = html_text(tl, NULL);
    CU_ASSERT(strstr(html, "is cancelled (an explicit cancel)") != NULL);
    CU_ASSERT(strstr(html, "class=\"clk\"") != NULL);
    free(html);
    weft__timeline_free(tl);
}

static void test_report_deadline_cancel(void)
{
    weft__timeline *tl = record(deadline, 10);
    CU_ASSERT_FATAL(tl != NULL);
    const weft__tl_event *c = find(tl, WEFT__EV_CANCEL, 0);
    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT_EQUAL(c->cause, WEFT__CAUSE_DEADLINE);
    CU_ASSERT_EQUAL(c->time, WEFT_MS(50));
    CU_ASSERT(c->file && strstr(c->file, "test_report.c") && c->line > 0);
    const weft__tl_event *w = find(tl, WEFT__EV_WAKE, (size_t)(c - tl->ev));
    CU_ASSERT_FATAL(w != NULL);
    CU_ASSERT_EQUAL(w->status, WEFT_CANCELLED);
    CU_ASSERT_EQUAL(w->task, task_named(tl, "slow"));
    char *text = terminal_text(tl);
    CU_ASSERT(strstr(text, "CANCEL deadline") != NULL);
    CU_ASSERT(strstr(text, "woken: CANCELLED") != NULL);
    free(text);
    char *html = html_text(tl, NULL);
    CU_ASSERT(strstr(html, "is cancelled (its deadline expired)") != NULL);
    free(html);
    weft__timeline_free(tl);
}

static void test_report_stream_handoff(void)
{
    weft__timeline *tl = record(stream_handoff, 10);
    CU_ASSERT_FATAL(tl != NULL);
    uint32_t p = task_named(tl, "producer"), c = task_named(tl, "consumer");
    size_t handoffs = 0;
    for (size_t i = 0; i < tl->n_ev; i++) {
        const weft__tl_event *e = &tl->ev[i];
        if (e->kind != WEFT__EV_WAKE || e->ref >= tl->n_ev)
            continue;
        const char *call = tl->ev[e->ref].call;
        if ((e->task == c && e->other == p && strcmp(call, "weft_recv") == 0) ||
            (e->task == p && e->other == c && strcmp(call, "weft_send") == 0))
            handoffs++;
    }
    CU_ASSERT(handoffs >= 2);
    char *html = html_text(tl, NULL);
    CU_ASSERT(strstr(html, "stream #") != NULL);
    free(html);
    weft__timeline_free(tl);
}

static void test_report_folds_long_runs(void)
{
    rounds = 200;
    weft__timeline *tl = record(long_run, 1);
    CU_ASSERT_FATAL(tl != NULL);
    weft__tl_row *rows;
    size_t n;
    CU_ASSERT_FATAL(weft__tl_rows(tl, 60, &rows, &n) == 0);
    size_t folds = 0;
    for (size_t i = 0; i < n; i++)
        folds += rows[i].fold;
    CU_ASSERT(folds >= 1);
    CU_ASSERT(n <= 2 * 60 + 1);
    CU_ASSERT_EQUAL(rows[n - 1].ev, tl->n_ev - 1); /* the end is never folded */
    free(rows);
    char *text = terminal_text(tl);
    CU_ASSERT(strstr(text, " steps (") != NULL);
    CU_ASSERT(strstr(text, "spinner 2") != NULL);
    CU_ASSERT(count(text, "\n") < 100);
    free(text);
    weft__timeline_free(tl);
}

static void test_report_html_10000_steps(void)
{
    rounds = 5000;
    weft__trace t;
    CU_ASSERT_FATAL(failing_trace(long_run, 1, &t));
    CU_ASSERT(t.h.steps >= 10000);
    weft__timeline *tl = NULL, *again = NULL;
    char err[256];
    CU_ASSERT_FATAL(weft__timeline_record("t", long_run, NULL, &t, &tl, err, sizeof err) == 0);
    CU_ASSERT_FATAL(weft__timeline_record("t", long_run, NULL, &t, &again, err, sizeof err) == 0);
    char *html = html_text(tl, again);
    size_t len = strlen(html);
    CU_ASSERT(len < 2u * 1024 * 1024);
    CU_ASSERT_EQUAL(count(html, "class=\"lane\""), 2 * tl->n_task); /* two timelines */
    CU_ASSERT(strstr(html, "Minimized schedule") != NULL);
    CU_ASSERT(strstr(html, "folded") != NULL);
    CU_ASSERT(no_network(html));
    /* a task's name is escaped wherever it appears */
    CU_ASSERT(strstr(html, "spinner &lt;a&gt; &amp; &quot;b&quot;") != NULL);
    CU_ASSERT(strstr(html, "spinner <a>") == NULL);
    free(html);
    weft__timeline_free(tl);
    weft__timeline_free(again);
    weft__trace_free(&t);
}

static void test_report_record_refuses_other_test_and_divergence(void)
{
    weft__trace t;
    weft__timeline *tl = (weft__timeline *)1;
    char err[256];
    CU_ASSERT_FATAL(failing_trace(lock_order, 2000, &t));
    CU_ASSERT_EQUAL(weft__timeline_record("other", lock_order, NULL, &t, &tl, err, sizeof err),
                    -1);
    CU_ASSERT(tl == NULL);
    CU_ASSERT(strstr(err, "recorded for test 't'") != NULL);
    /* the same schedule cannot fit a program with different tasks */
    CU_ASSERT_EQUAL(weft__timeline_record("t", deadline, NULL, &t, &tl, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "diverged") != NULL);
    weft__trace_free(&t);
    weft__timeline_free(NULL);
}

/* Records every failing execution into the store (the CLI's hook). */
typedef struct store_ctx {
    weft__store *s;
    char uuid[33];
    int64_t build;
} store_ctx;

static void to_store(void *ctx, const weft_failure_event *ev)
{
    store_ctx *c = ctx;
    char err[256];
    CU_ASSERT(weft__store_record(c->s, c->uuid, c->build, ev, "{}", err, sizeof err) == 0);
}

static void test_report_campaign_page(void)
{
    char path[] = "/tmp/weft-report-XXXXXX", err[512];
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    unlink(path);
    store_ctx c;
    CU_ASSERT_FATAL(weft__store_open(path, WEFT__STORE_WRITE, &c.s, err, sizeof err) == 0);
    CU_ASSERT_FATAL(weft__store_build(c.s, "/proc/self/exe", &c.build, err, sizeof err) == 0);
    CU_ASSERT_FATAL(weft__store_campaign_begin(c.s, "t", c.build, "random", "{}", c.uuid, err,
                                               sizeof err) == 0);
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = 300;
    o.quiet = true;
    o.on_failure = to_store;
    o.on_failure_ctx = &c;
    weft_report r;
    CU_ASSERT(weft_check("t", lock_order, NULL, &o, &r) == 1);
    CU_ASSERT(weft__store_campaign_update(c.s, c.uuid, r.executions, r.failed_executions, true,
                                          err, sizeof err) == 0);
    weft_report_free(&r);
    weft__store_close(c.s);
    FILE *f = tmpfile();
    CU_ASSERT_FATAL(weft__campaign_html(path, 0, f, err, sizeof err) == 0);
    char *html = captured(f);
    CU_ASSERT(strstr(html, "Campaign 1") != NULL);
    CU_ASSERT(strstr(html, "deadlock") != NULL);
    CU_ASSERT(count(html, "<svg class=\"plot\"") == 3);
    CU_ASSERT(strstr(html, ">300<") != NULL); /* executions */
    CU_ASSERT(no_network(html));
    free(html);
    f = tmpfile();
    CU_ASSERT_EQUAL(weft__campaign_html(path, 7, f, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "no campaign 7") != NULL);
    fclose(f);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    unlink(path);
}

SUITE(report)
ADD(test_report_deadlock_events_and_waitfor)
ADD(test_report_deadlock_terminal_and_html)
ADD(test_report_lock_handoff_wake)
ADD(test_report_timeout_race)
ADD(test_report_deadline_cancel)
ADD(test_report_stream_handoff)
ADD(test_report_folds_long_runs)
ADD(test_report_html_10000_steps)
ADD(test_report_record_refuses_other_test_and_divergence)
ADD(test_report_campaign_page)
END_SUITE
