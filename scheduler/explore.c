/*
 * explore.c — the explorer loop behind weft_check and weft_replay.
 *
 * One campaign runs executions one after another on this thread; execution i
 * uses seed opt->seed + i (or opt->seeds[i]), so every failure names the one
 * seed that replays it alone. Each execution's decisions are recorded into
 * one reused trace; its hash counts distinct schedules, and a failing
 * execution's trace is encoded into the report.
 *
 * Each trace header names the concrete strategy of its execution (pct with
 * its k, the auto member, dfs with its execution index), so the seed plus
 * that name replays it; the report keeps the strategy as asked. pct's k is
 * the most picks any earlier execution of the campaign took (100 for the
 * first; executions that ran past the unfair prefix count only when no
 * other did). dfs ends the campaign when its space is exhausted.
 *
 * Nothing here feeds a decision: the wall clock is read only for elapsed
 * time and the time limit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_name */
#endif
#include "explore.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distinct.h"
#include "report.h"
#include "source.h"
#include "strategy.h"

/* ------------------------------------------------------------ helpers */

double weft__monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *weft_program(void)
{
    return program_invocation_name ? program_invocation_name : "./test";
}

const char *weft__argv0(const weft_options *o)
{
    return o && o->argv0 ? o->argv0 : weft_program();
}

/* The shortest text of a rate that reads back as the same double. */
static void rate_text(char *buf, size_t len, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void weft__replay_command(char *buf, size_t len, const char *argv0,
                          const char *test, uint64_t seed,
                          const weft__trace_header *h)
{
    size_t off = (size_t)snprintf(buf, len, "%s replay %s --seed %llu", argv0, test,
                                  (unsigned long long)seed);
    if (off < len && strcmp(h->strategy, "random") != 0)
        off += (size_t)snprintf(buf + off, len - off, " --strategy %s", h->strategy);
    if (off < len && h->max_steps != WEFT__DEFAULT_MAX_STEPS)
        off += (size_t)snprintf(buf + off, len - off, " --max-steps %llu",
                                (unsigned long long)h->max_steps);
    char r[32];
    if (off < len && h->cancel_rate > 0 && (rate_text(r, sizeof r, h->cancel_rate), 1))
        off += (size_t)snprintf(buf + off, len - off, " --cancel-rate %s", r);
    if (off < len && h->timeout_rate > 0 && (rate_text(r, sizeof r, h->timeout_rate), 1))
        off += (size_t)snprintf(buf + off, len - off, " --timeout-rate %s", r);
    if (off < len && h->inject_rate > 0 && (rate_text(r, sizeof r, h->inject_rate), 1))
        snprintf(buf + off, len - off, " --inject-rate %s", r);
}

static bool bad_rate(double r)
{
    return !(r >= 0.0 && r <= 1.0);
}

int weft__options_check(const weft_options *o, weft__strategy *st, char *err,
                        size_t err_len)
{
    if (weft__strategy_parse(o->strategy, st, err, err_len) != 0)
        return -1;
    if (bad_rate(o->cancel_rate) || bad_rate(o->timeout_rate) || bad_rate(o->inject_rate)) {
        snprintf(err, err_len, "injection rates must be between 0 and 1");
        return -1;
    }
    if (o->n_seeds && !o->seeds) {
        snprintf(err, err_len, "n_seeds is %zu but seeds is NULL", o->n_seeds);
        return -1;
    }
    if (o->time_limit < 0 || isnan(o->time_limit)) {
        snprintf(err, err_len, "the time limit must not be negative");
        return -1;
    }
    return 0;
}

void weft__header_fill(weft__trace_header *h, const weft_options *o,
                       const weft__strategy *st, const char *test, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->version = WEFT__TRACE_VERSION;
    snprintf(h->strategy, sizeof h->strategy, "%s", st->name);
    snprintf(h->test, sizeof h->test, "%s", test);
    h->seed = seed;
    h->max_steps = o->max_steps ? o->max_steps : WEFT__DEFAULT_MAX_STEPS;
    h->fair_after = WEFT__FAIR_AFTER;
    h->cancel_rate = o->cancel_rate;
    h->timeout_rate = o->timeout_rate;
    h->inject_rate = o->inject_rate;
    if (st->swarm) { /* rates the user gave win over the drawn ones */
        weft__swarm sw;
        weft__swarm_draw(seed, &sw);
        h->cancel_rate = o->cancel_rate > 0 ? o->cancel_rate : sw.cancel_rate;
        h->timeout_rate = o->timeout_rate > 0 ? o->timeout_rate : sw.timeout_rate;
        h->inject_rate = o->inject_rate > 0 ? o->inject_rate : sw.inject_rate;
    }
}

uint64_t weft__swarm_sites(const weft__trace_header *h)
{
    size_t n = strlen(h->strategy);
    if (n < 6 || strcmp(h->strategy + n - 6, "/swarm") != 0)
        return 0;
    weft__swarm sw;
    weft__swarm_draw(h->seed, &sw);
    return sw.sites;
}

weft__exec_params weft__exec_params_from_header(const weft__trace_header *h,
                                                weft__decider *d, weft_task_fn fn,
                                                void *arg, size_t stack_size)
{
    return (weft__exec_params){
        .decider = d,
        .main = fn,
        .arg = arg,
        .test_name = h->test,
        .max_steps = h->max_steps,
        .fair_after = h->fair_after,
        .stack_size = stack_size,
        .inject = h->inject_rate > 0,
        .inject_cancel = h->cancel_rate > 0,
        .inject_timeout = h->timeout_rate > 0,
        .inject_sites = weft__swarm_sites(h),
    };
}

/* Runs one execution under the decider in src; rec holds its decisions. */
static int run_with(weft__source *src, const weft__trace_header *h,
                    const weft_options *o, weft_task_fn fn, void *arg,
                    weft__outcome *out)
{
    weft__exec_params p =
        weft__exec_params_from_header(h, &src->base, fn, arg, o ? o->stack_size : 0);
    int rc = weft__exec_run(&p, out);
    if (rc == 0 && src->oom) {
        out->kind = WEFT_KIND_CRASH;
        snprintf(out->message, sizeof out->message, "out of memory recording the trace");
    }
    return rc;
}

/* ------------------------------------------------------------ campaign */

/* What a campaign keeps from one execution to the next: the strategy as
 * asked, pct's estimate of k, the priority table of pct and pos, the dfs
 * search. */
typedef struct campaign {
    weft__strategy st;      /* as asked ("pct:3", "auto", "dfs:2") */
    weft__prio prio;
    weft__dfs *dfs;         /* dfs only */
    uint64_t max_picks;     /* most picks an execution took so far ... */
    bool estimated;         /* ... known after the first execution */
    uint64_t max_picks_in;  /* ... among executions that ended inside the
                               unfair prefix (a task spinning at the top
                               priority under pct runs to its end: such an
                               outlier must not set k for the campaign) */
    bool estimated_in;
} campaign;

static int campaign_open(campaign *c, const weft__strategy *st, char *err,
                         size_t err_len)
{
    memset(c, 0, sizeof *c);
    c->st = *st;
    if (st->kind == WEFT__S_DFS && !(c->dfs = weft__dfs_new(st->bound))) {
        snprintf(err, err_len, "out of memory starting the search");
        return -1;
    }
    return 0;
}

static void campaign_close(campaign *c)
{
    weft__prio_free(&c->prio);
    weft__dfs_free(c->dfs);
    c->dfs = NULL;
}

/* The strategy the execution with seed i really runs, with every parameter
 * that affects its decisions in its name (pct's k, the dfs execution index,
 * swarm). */
static void concrete(const campaign *c, uint64_t i, weft__strategy *x)
{
    *x = c->st;
    if (x->kind == WEFT__S_AUTO)
        weft__strategy_auto_member(i, x);
    if (x->kind == WEFT__S_PCT && !x->k) {
        uint64_t k = c->estimated_in ? c->max_picks_in : c->max_picks;
        x->k = !c->estimated ? WEFT__PCT_DEFAULT_K : k ? k : 1;
    }
    if (x->kind == WEFT__S_DFS) {
        x->has_index = true;
        x->index = weft__dfs_executions(c->dfs);
    }
    weft__strategy_format(x, x->name, sizeof x->name);
}

/* The decision source of one execution; its injection rates are the
 * header's (the options', or drawn by swarm). */
static void source_init(campaign *c, const weft__strategy *x, uint64_t seed,
                        const weft_options *o, weft__source *src, weft__trace *rec)
{
    const weft__trace_header *h = &rec->h;
    (void)o;
    switch (x->kind) {
    case WEFT__S_PCT:
        weft__pct_init(src, seed, x->depth, x->k, h->cancel_rate, h->timeout_rate,
                       h->inject_rate, &c->prio, rec);
        break;
    case WEFT__S_POS:
        weft__pos_init(src, seed, h->cancel_rate, h->timeout_rate, h->inject_rate,
                       &c->prio, rec);
        break;
    case WEFT__S_DFS:
        weft__dfs_init(src, c->dfs, rec);
        break;
    default:
        weft__random_init(src, seed, h->cancel_rate, h->timeout_rate, h->inject_rate, rec);
    }
}

/* Updates pct's estimate of k with the picks of the execution in rec. */
static void note_picks(campaign *c, const weft__trace *rec, const weft__outcome *out)
{
    uint64_t picks = 0;
    for (size_t d = 0; d < rec->len; d++)
        picks += rec->d[d].kind == WEFT__D_PICK;
    if (!c->estimated || picks > c->max_picks)
        c->max_picks = picks;
    c->estimated = true;
    if (out->steps <= rec->h.fair_after) {
        if (!c->estimated_in || picks > c->max_picks_in)
            c->max_picks_in = picks;
        c->estimated_in = true;
    }
}

/* Execution i of the campaign with seed; rec receives its trace, whose
 * header names the concrete strategy. Returns 0, or -1 when it could not
 * run (message in out). */
static int campaign_run(campaign *c, const char *name, weft_task_fn fn,
                        void *arg, const weft_options *o, uint64_t seed,
                        weft__trace *rec, weft__outcome *out)
{
    weft__strategy x;
    weft__source src;
    concrete(c, seed, &x); /* auto: the member is a function of the seed */
    weft__trace_reset(rec);
    weft__header_fill(&rec->h, o, &x, name, seed);
    source_init(c, &x, seed, o, &src, rec);
    int rc = run_with(&src, &rec->h, o, fn, arg, out);
    rec->h.steps = out->steps;
    note_picks(c, rec, out);
    return rc;
}

/* dfs with /i=I: runs the search's first I executions (unrecorded), so that
 * the next one is execution I. 0, or -1 with a message in out. */
static int dfs_skip(campaign *c, const char *name, weft_task_fn fn, void *arg,
                    const weft_options *o, weft__outcome *out)
{
    weft__trace scratch;
    weft__trace_init(&scratch);
    int rc = 0;
    for (uint64_t i = 0; i < c->st.index && rc == 0; i++) {
        rc = campaign_run(c, name, fn, arg, o, i, &scratch, out);
        if (rc == 0 && !weft__dfs_advance(c->dfs)) {
            snprintf(out->message, sizeof out->message,
                     "%s: the search has only %llu schedules", c->st.name,
                     (unsigned long long)(i + 1));
            rc = -1;
        }
    }
    weft__trace_free(&scratch);
    return rc;
}

int weft__run_seed(const char *name, weft_task_fn fn, void *arg,
                   const weft_options *o, const weft__strategy *st,
                   uint64_t seed, weft__trace *rec, weft__outcome *out)
{
    campaign c;
    if (campaign_open(&c, st, out->message, sizeof out->message) != 0)
        return -1;
    int rc = 0;
    if (st->kind == WEFT__S_DFS && st->has_index)
        rc = dfs_skip(&c, name, fn, arg, o, out);
    if (rc == 0)
        rc = campaign_run(&c, name, fn, arg, o, seed, rec, out);
    campaign_close(&c);
    return rc;
}

/* Records a failing execution into r (deduplicated). Returns the failure
 * when it is new (to print), NULL when it was a repeat. */
static weft_failure *note_failure(weft_report *r, const weft__outcome *out,
                                  const weft__trace *rec, uint64_t hash,
                                  uint64_t exec_index, const char *argv0)
{
    uint64_t sig = weft__failure_signature(out->kind, out->location, out->message);
    weft_failure *f = weft__report_find(r, sig);
    r->failed_executions++;
    if (r->first_failure_execution < 0)
        r->first_failure_execution = (int64_t)exec_index;
    if (f) {
        f->hits++;
        return NULL;
    }
    f = weft__report_add(r);
    if (!f)
        return NULL;
    char cmd[1024];
    weft__replay_command(cmd, sizeof cmd, argv0, rec->h.test, rec->h.seed, &rec->h);
    f->kind = out->kind;
    f->message = weft__strdup(out->message);
    f->location = weft__strdup(out->location);
    f->replay_command = weft__strdup(cmd);
    f->seed = rec->h.seed;
    f->execution = exec_index;
    f->steps = out->steps;
    f->hits = 1;
    f->signature = sig;
    f->trace_hash = hash;
    if (weft__trace_encode(rec, &f->trace, &f->trace_len) != 0) {
        f->trace = NULL;
        f->trace_len = 0;
    }
    return f;
}

/* Hands one failing execution to the options' hook (the failure store):
 * every failing execution, so the store can count hits and keep several
 * schedules of one failure. */
static void emit_failure(const weft_options *o, const weft_report *r,
                         const weft__outcome *oc, const weft__trace *rec,
                         uint64_t hash, uint64_t exec_index, const weft_failure *fresh,
                         const char *argv0)
{
    /* a new failure's trace is encoded already (note_failure) */
    uint8_t *bytes = fresh ? fresh->trace : NULL, *owned = NULL;
    size_t len = fresh ? fresh->trace_len : 0;
    if (!bytes) {
        if (weft__trace_encode(rec, &owned, &len) != 0)
            return;
        bytes = owned;
    }
    char cmd[1024];
    weft__replay_command(cmd, sizeof cmd, argv0, rec->h.test, rec->h.seed, &rec->h);
    weft_failure_event ev = {
        .test = r->test,
        .strategy = rec->h.strategy,
        .kind = oc->kind,
        .message = oc->message,
        .location = oc->location,
        .seed = rec->h.seed,
        .execution = exec_index,
        .steps = oc->steps,
        .signature = weft__failure_signature(oc->kind, oc->location, oc->message),
        .trace_hash = hash,
        .trace = bytes,
        .trace_len = len,
        .replay_command = cmd,
        .first_of_signature = fresh != NULL,
    };
    o->on_failure(o->on_failure_ctx, &ev);
    free(owned);
}

/* Prints f with the strategy its execution really ran (under auto, the
 * member), since the report names the strategy as asked. */
static void print_failure(const weft_report *r, const weft_failure *f,
                          const weft__trace *rec, uint64_t total, FILE *log)
{
    char name[96];
    weft_report shown = *r;
    if (strcmp(r->strategy, rec->h.strategy) != 0) {
        snprintf(name, sizeof name, "%s (%s)", rec->h.strategy, r->strategy);
        shown.strategy = name;
    }
    weft__failure_print(&shown, f, total, log);
    uint64_t sites = weft__swarm_sites(&rec->h);
    if (sites)
        fprintf(log, "  swarm: cancel-rate %g, timeout-rate %g, inject-rate %g, inject sites "
                     "key %016llx\n", rec->h.cancel_rate, rec->h.timeout_rate,
                rec->h.inject_rate, (unsigned long long)sites);
}

/* The dfs summary line: exhausted or not. A search resumed at /i=I counts
 * the I schedules before it too. */
static void print_search_end(const weft_report *r, const weft__strategy *st,
                             bool exhausted, FILE *log)
{
    char how[96] = "";
    uint64_t n = r->executions + (st->has_index ? st->index : 0);
    if (st->bound >= 0)
        snprintf(how, sizeof how, " with at most %lld preemption%s",
                 (long long)st->bound, st->bound == 1 ? "" : "s");
    if (st->has_index)
        snprintf(how + strlen(how), sizeof how - strlen(how), ", resumed at %llu",
                 (unsigned long long)st->index);
    if (exhausted && r->n_failures == 0)
        fprintf(log, "%s: all %llu schedules explored, no failure (%s%s)\n", r->test,
                (unsigned long long)n, st->name, how);
    else if (exhausted)
        fprintf(log, "%s: all %llu schedules explored, %zu distinct failure%s (%s%s)\n",
                r->test, (unsigned long long)n, r->n_failures,
                r->n_failures == 1 ? "" : "s", st->name, how);
    else if (r->n_failures == 0)
        fprintf(log, "%s: %s stopped after %llu schedules, before the space was "
                     "exhausted (raise --iterations or --time-limit)\n",
                r->test, st->name, (unsigned long long)n);
    fflush(log);
}

/* Handles one failing execution: report, print, hook. */
static void on_failure(weft_report *r, const weft_options *o, const weft__outcome *oc,
                       const weft__trace *rec, uint64_t h, uint64_t i,
                       uint64_t total, const char *argv0)
{
    FILE *log = o->log ? (FILE *)o->log : stderr;
    weft_failure *f = note_failure(r, oc, rec, h, i, argv0);
    /* the store first: a failure that was printed is never lost */
    if (o->on_failure)
        emit_failure(o, r, oc, rec, h, i, f, argv0);
    if (f && !o->quiet)
        print_failure(r, f, rec, total, log);
}

/* Validates o and opens its campaign (dfs/i=I: the search resumed at I).
 * 0, or -1 with the reason printed. */
static int check_start(const char *name, weft_task_fn fn, void *arg,
                       const weft_options *o, campaign *c)
{
    weft__strategy st;
    char err[256];
    if (!name || !fn) {
        fprintf(stderr, "weft: weft_check needs a test name and a function\n");
        return -1;
    }
    if (weft__options_check(o, &st, err, sizeof err) != 0 ||
        campaign_open(c, &st, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return -1;
    }
    if (c->dfs && st.has_index) {
        weft__outcome skip;
        if (dfs_skip(c, name, fn, arg, o, &skip) != 0) {
            fprintf(stderr, "weft: %s\n", skip.message);
            campaign_close(c);
            return -1;
        }
    }
    return 0;
}

int weft__check(const char *name, weft_task_fn fn, void *arg,
                const weft_options *opt, weft_report *out, weft__check_info *info)
{
    weft_options defaults = WEFT_OPTIONS_INIT;
    const weft_options *o = opt ? opt : &defaults;
    FILE *log = o->log ? (FILE *)o->log : stderr;
    campaign c;
    if (check_start(name, fn, arg, o, &c) != 0)
        return 2;
    const weft__strategy *st = &c.st;
    weft_report r;
    weft__report_init(&r, name, st->name);
    weft__trace local;
    weft__trace_init(&local);
    weft__trace *recp = o->record_into ? (weft__trace *)o->record_into : &local;
    weft__distinct seen;
    weft__distinct_init(&seen);
    uint64_t total = o->seeds ? o->n_seeds : (o->iterations ? o->iterations : 1);
    const char *argv0 = weft__argv0(o);
    bool exhausted = false;
    double t0 = weft__monotonic();
    for (uint64_t i = 0; i < total && !exhausted; i++) {
        if (o->time_limit > 0 && (i & 63) == 0 && weft__monotonic() - t0 >= o->time_limit) {
            r.time_limited = true;
            break;
        }
        uint64_t seed = o->seeds ? o->seeds[i]
                                 : o->seed + i * (o->seed_stride ? o->seed_stride : 1);
        if (o->on_execution && !o->on_execution(o->on_execution_ctx, i, seed, recp)) {
            r.stopped = true;
            break;
        }
        weft__outcome oc;
        if (campaign_run(&c, name, fn, arg, o, seed, recp, &oc) != 0) {
            fprintf(stderr, "weft: %s\n", oc.message);
            break;
        }
        uint64_t h = weft__trace_hash(recp);
        weft__distinct_add(&seen, h);
        if (o->distinct_live && (!seen.saturated || (i & 1023) == 0))
            *o->distinct_live = weft__distinct_count(&seen, NULL); /* estimates cost */
        r.executions++;
        r.last_trace_hash = h;
        exhausted = c.dfs && !weft__dfs_advance(c.dfs);
        if (oc.kind == WEFT_KIND_NONE)
            continue;
        on_failure(&r, o, &oc, recp, h, i, total, argv0);
        if (o->stop_on_failure)
            break;
    }
    r.elapsed_s = weft__monotonic() - t0;
    bool exact;
    r.distinct_schedules = weft__distinct_count(&seen, &exact);
    if (r.distinct_schedules > r.executions)
        r.distinct_schedules = r.executions; /* an estimate never exceeds it */
    r.distinct_estimated = !exact;
    r.exhausted = exhausted;
    if (c.dfs && !o->quiet)
        print_search_end(&r, st, exhausted, log);
    if (info)
        info->exhausted = exhausted;
    weft__distinct_free(&seen);
    weft__trace_free(&local);
    campaign_close(&c);
    int rc = r.n_failures ? 1 : 0;
    if (out)
        *out = r;
    else
        weft_report_free(&r);
    return rc;
}

/* ------------------------------------------------------------- replay */

int weft__replay_trace(const char *name, weft_task_fn fn, void *arg,
                       const weft__trace *from, const weft_options *o,
                       weft__trace *rec, weft__outcome *oc, char *err,
                       size_t err_len)
{
    weft__source src;
    (void)name; /* the header names the test; callers checked it */
    weft__trace_reset(rec);
    rec->h = from->h;
    weft__replay_init(&src, from, rec);
    if (run_with(&src, &from->h, o, fn, arg, oc) != 0) {
        snprintf(err, err_len, "%s", oc->message);
        return -1;
    }
    rec->h.steps = oc->steps;
    if (oc->kind == WEFT_KIND_NONE || oc->kind == WEFT_KIND_DIVERGED) {
        size_t unused = weft__replay_unused(&src);
        if (oc->kind == WEFT_KIND_NONE && unused) {
            oc->kind = WEFT_KIND_DIVERGED;
            snprintf(oc->message, sizeof oc->message,
                     "replay diverged: the execution ended after step %llu with %zu of "
                     "the trace's %zu decisions unused",
                     (unsigned long long)oc->steps, unused, from->len);
        }
    }
    return 0;
}

int weft_replay(const char *name, weft_task_fn fn, void *arg,
                const uint8_t *trace, size_t len, weft_report *out)
{
    weft_options o = WEFT_OPTIONS_INIT;
    return weft__replay_bytes(name, fn, arg, trace, len, &o, out);
}

int weft__replay_bytes(const char *name, weft_task_fn fn, void *arg,
                       const uint8_t *bytes, size_t len,
                       const weft_options *o, weft_report *out)
{
    FILE *log = o->log ? (FILE *)o->log : stderr;
    char err[512];
    weft__trace from, rec;
    weft__trace_init(&from);
    weft__trace_init(&rec);
    if (weft__trace_decode(bytes, len, &from, err, sizeof err) != 0) {
        fprintf(stderr, "weft: bad trace: %s\n", err);
        weft__trace_free(&from);
        return 2;
    }
    if (name && strcmp(name, from.h.test) != 0) {
        fprintf(stderr, "weft: the trace was recorded for test '%s', not '%s'\n",
                from.h.test, name);
        weft__trace_free(&from);
        return 2;
    }
    weft_report r;
    weft__report_init(&r, from.h.test, from.h.strategy);
    weft__outcome oc;
    double t0 = weft__monotonic();
    int rc = 0;
    if (weft__replay_trace(from.h.test, fn, arg, &from, o, &rec, &oc, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        rc = 2;
    } else {
        uint64_t h = weft__trace_hash(&rec);
        r.executions = 1;
        r.distinct_schedules = 1;
        r.last_trace_hash = h;
        if (oc.kind == WEFT_KIND_DIVERGED) {
            r.diverged = true;
            fprintf(stderr, "weft: %s\n", oc.message);
            rc = 2;
        } else if (oc.kind != WEFT_KIND_NONE) {
            weft_failure *f = note_failure(&r, &oc, &rec, h, 0, weft__argv0(o));
            if (f && !o->quiet)
                weft__failure_print(&r, f, 0, log);
            rc = 1;
        }
    }
    r.elapsed_s = weft__monotonic() - t0;
    weft__trace_free(&from);
    weft__trace_free(&rec);
    if (out)
        *out = r;
    else
        weft_report_free(&r);
    return rc;
}
