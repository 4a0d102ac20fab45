/*
 * check.c — weft_check, the public entry of the explorer, with the failure
 * store: when opt->db names a store, every failing execution is recorded
 * into it as it is found (cli/record.c), chained before any on_failure hook
 * of the caller's. It lives above the scheduler, as the store does.
 */
#include <stdio.h>

#include <weft/weft.h>

#include "../scheduler/explore.h"
#include "record.h"

typedef struct chain {
    weft__recorder *rec;
    weft_failure_hook user;
    void *user_ctx;
} chain;

static void chained(void *ctx, const weft_failure_event *ev)
{
    chain *c = ctx;
    weft__recorder_hook(c->rec, ev);
    if (c->user)
        c->user(c->user_ctx, ev);
}

int weft_check(const char *name, weft_task_fn fn, void *arg,
               const weft_options *opt, weft_report *out)
{
    if (!opt || !opt->db || !name)
        return weft__check(name, fn, arg, opt, out, NULL);
    weft__recorder rec;
    char err[512];
    if (weft__recorder_open(&rec, opt->db, weft__argv0(opt), name, opt, err, sizeof err)) {
        fprintf(stderr, "weft: %s\n", err);
        return 2;
    }
    weft_options o = *opt;
    chain c = {&rec, opt->on_failure, opt->on_failure_ctx};
    o.on_failure = chained;
    o.on_failure_ctx = &c;
    weft_report r;
    int rc = weft__check(name, fn, arg, &o, &r, NULL);
    uint64_t executions = rc == 2 ? 0 : r.executions;
    if (weft__recorder_close(&rec, executions) != 0 && rc != 2)
        rc = 2;
    if (out)
        *out = r;
    else if (rc != 2)
        weft_report_free(&r);
    return rc;
}
