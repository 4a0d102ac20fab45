/*
 * report_driver.c — renders the report of a bundled example's bug, for
 * tests/e2e/report.sh (which then loads it in headless Chromium).
 *
 *   report_driver NAME OUT.html [--minimize] [--timeline]
 *
 * NAME is a WEFT_TEST of the examples linked in (lock_order, timeout_race,
 * ...) or report_long, a 10,000-step program of this file. The driver
 * explores NAME until it fails, records the failing schedule's timeline
 * (and the minimized schedule's, with --minimize), writes the HTML report
 * to OUT.html, prints the terminal timeline with --timeline, and ends with
 * "lanes N": the lanes the report must show (tasks, per timeline drawn).
 * Exit status 0 when the report was written, 1 when nothing failed, 2 on
 * bad usage or an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>

#include "reports/html.h"
#include "reports/timeline.h"
#include "scheduler/minimize.h"
#include "scheduler/trace.h"

/* Two tasks taking one lock 1,700 times each, with a scheduling point
 * inside and outside it: > 10,000 steps, thousands of hand-offs, and a
 * failure at the end (the worst case for a report's size). */
static weft_lock *turn_lock;

static int turns(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1700; i++) {
        int rc = weft_lock_acquire(turn_lock);
        if (rc != WEFT_OK)
            return rc;
        weft_checkpoint();
        weft_lock_release(turn_lock);
        weft_checkpoint();
    }
    return WEFT_OK;
}

WEFT_TEST(report_long)
{
    turn_lock = weft_lock_new();
    weft_group *g = weft_group_open();
    weft_spawn(g, turns, NULL, "left");
    weft_spawn(g, turns, NULL, "right");
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(false, "the end of a long run");
    return rc;
}

/* The first failing schedule of t: 0, 1 when none, 2 on error. */
static int find_failure(const weft_test_def *t, weft__trace *trace, char *cmd, size_t len)
{
    weft_options o = WEFT_OPTIONS_INIT;
    weft_report r;
    char err[256];
    o.iterations = 10000;
    o.quiet = true;
    o.stop_on_failure = true;
    if (weft_check(t->name, t->fn, NULL, &o, &r) != 1) {
        fprintf(stderr, "report_driver: %s did not fail\n", t->name);
        return 1;
    }
    snprintf(cmd, len, "%s", r.failures[0].replay_command);
    int rc = weft__trace_decode(r.failures[0].trace, r.failures[0].trace_len, trace, err,
                                sizeof err);
    weft_report_free(&r);
    if (rc != 0)
        fprintf(stderr, "report_driver: %s\n", err);
    return rc ? 2 : 0;
}

static int write_report(const char *path, const char *cmd, const weft__timeline *tl,
                        const weft__timeline *min)
{
    char err[256];
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 2;
    }
    int rc = weft__report_html(f, cmd, tl, min, err, sizeof err);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "report_driver: %s: %s\n", path, rc ? err : "cannot write");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool minimize = false, timeline = false;
    for (int i = 3; i < argc; i++) {
        minimize |= strcmp(argv[i], "--minimize") == 0;
        timeline |= strcmp(argv[i], "--timeline") == 0;
    }
    const weft_test_def *t = argc >= 3 ? weft_test_find(argv[1]) : NULL;
    if (!t) {
        fprintf(stderr, "usage: %s NAME OUT.html [--minimize] [--timeline]\n", argv[0]);
        return 2;
    }
    weft__trace trace;
    weft__min_result m = {0};
    weft__timeline *tl = NULL, *min = NULL;
    char cmd[1024], err[512] = "";
    weft__trace_init(&trace);
    int rc = find_failure(t, &trace, cmd, sizeof cmd);
    if (rc == 0 && weft__timeline_record(t->name, t->fn, NULL, &trace, &tl, err, sizeof err))
        rc = 2;
    if (rc == 0 && minimize &&
        (weft__minimize(t->name, t->fn, NULL, &trace, 2000, &m, err, sizeof err) != 0 ||
         weft__timeline_record(t->name, t->fn, NULL, &m.trace, &min, err, sizeof err) != 0))
        rc = 2;
    if (rc == 2 && err[0])
        fprintf(stderr, "report_driver: %s\n", err);
    if (rc == 0)
        rc = write_report(argv[2], cmd, tl, min);
    if (rc == 0 && timeline)
        weft__timeline_print(tl, stdout, false);
    if (rc == 0)
        printf("lanes %zu\n", tl->n_task + (min ? min->n_task : 0));
    weft__timeline_free(tl);
    weft__timeline_free(min);
    if (minimize)
        weft__trace_free(&m.trace);
    weft__trace_free(&trace);
    return rc;
}
