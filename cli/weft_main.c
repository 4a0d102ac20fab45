/*
 * weft_main.c — the command line of a test binary: list, run, explore,
 * replay (and fuzz, in builds with libFuzzer).
 *
 * Exit status: 0 nothing failed, 1 a failure was found (or a replay
 * reproduced one), 2 usage error or bad input. With --json the last line on
 * stdout is one JSON object and everything for people goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/weft.h>

#include "../fuzz/fuzz.h"
#include "../reports/html.h"
#include "../reports/store.h"
#include "../reports/timeline.h"
#include "../scheduler/explore.h"
#include "../scheduler/minimize.h"
#include "../scheduler/report.h"
#include "campaign.h"
#include "options.h"
#include "record.h"

static const char usage[] =
    "usage: %s COMMAND [NAME] [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  list                          the tests in this binary\n"
    "  run NAME [--seed S]           one execution; prints its schedule\n"
    "  explore NAME                  many executions, stops at the first failure\n"
    "  replay NAME --seed S          re-run one seed (same strategy and options)\n"
    "  replay NAME --trace FILE      re-run a recorded schedule (see --trace-out), or\n"
    "                                a libFuzzer artifact (crash-..., corpus entries)\n"
    "  replay NAME --db FILE --id N  re-run the stored failure N's best schedule\n"
    "  report NAME (--db FILE --id N | --trace FILE) --html FILE\n"
    "                                a self-contained HTML report with an SVG timeline\n"
    "  minimize NAME --db FILE --id N | --trace FILE\n"
    "                                shrink a failing schedule, keeping its failure\n"
    "  fuzz NAME [--time-limit T] [--jobs N] [libFuzzer flags, e.g. -runs=N]\n"
    "                                libFuzzer chooses the schedule (corpus in\n"
    "                                corpus/NAME/; binaries linked with libFuzzer)\n"
    "\n"
    "options:\n"
    "  --strategy ST        auto (explore's default: rotates random, pct:2, pct:3, pos),\n"
    "                       random (run's default), pct:D, pos, dfs[:B] (exhaustive,\n"
    "                       at most B preemptions; stops when all schedules are explored)\n"
    "  --seed S             first seed (execution i uses S + i); default 0\n"
    "  --iterations N       executions to run (explore; default 10000, dfs: no limit)\n"
    "  --time-limit T       stop exploring after T (90, 90s, 15m, 8h)\n"
    "  --max-steps N        scheduling points before a livelock (default 100000)\n"
    "  --stack-size BYTES   each task's stack (default 262144)\n"
    "  --inject-rate P      probability that a weft_inject() site fires\n"
    "  --keep-going         collect every distinct failure instead of stopping\n"
    "  --jobs N             N worker processes on disjoint seeds (explore)\n"
    "  --shard I/N          this machine runs part I of N of the seed space\n"
    "  --trace-out FILE     write the (first failing) schedule to FILE\n"
    "  --db FILE            failure store (default weft.db; see the weft command)\n"
    "  --no-db              record nothing\n"
    "  --json               end with one JSON object on stdout\n"
    "  --verbose            run/replay: print every decision of the schedule\n"
    "  --timeline           replay: print the schedule as a timeline, a column per task\n"
    "  --quiet              print only failures and the summary\n"
    "\n"
    "exit status: 0 passed, 1 a failure was found or reproduced, 2 bad usage/input\n";

static int fail_usage(const char *argv0, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", argv0);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

static int cmd_list(bool verbose)
{
    size_t n;
    const weft_test_def *const *all = weft_tests(&n);
    for (size_t i = 0; i < n; i++) {
        if (verbose)
            printf("%-32s %s:%d\n", all[i]->name, all[i]->file, all[i]->line);
        else
            printf("%s\n", all[i]->name);
    }
    return 0;
}

static int check_duplicates(const char *argv0)
{
    size_t n;
    const weft_test_def *const *all = weft_tests(&n);
    for (size_t i = 1; i < n; i++)
        if (strcmp(all[i - 1]->name, all[i]->name) == 0) {
            fprintf(stderr, "%s: two tests are named '%s' (%s:%d and %s:%d)\n", argv0,
                    all[i]->name, all[i - 1]->file, all[i - 1]->line, all[i]->file,
                    all[i]->line);
            return -1;
        }
    return 0;
}

static void fill_options(const weft__cli *c, const char *argv0, FILE *log,
                         weft_options *o)
{
    *o = (weft_options)WEFT_OPTIONS_INIT;
    o->strategy = c->strategy ? c->strategy
                              : (c->cmd == WEFT__CMD_EXPLORE ? "auto" : "random");
    bool dfs = strncmp(o->strategy, "dfs", 3) == 0;
    o->seed = c->seed;
    o->iterations = c->has_iterations ? c->iterations
                    : (c->time_limit > 0 || dfs ? UINT64_MAX : 10000);
    o->max_steps = c->max_steps;
    o->stack_size = (size_t)c->stack_size;
    o->cancel_rate = c->cancel_rate;
    o->timeout_rate = c->timeout_rate;
    o->inject_rate = c->inject_rate;
    o->time_limit = c->time_limit;
    o->stop_on_failure = !c->keep_going;
    o->quiet = false;
    o->argv0 = argv0;
    o->log = log;
}

/* The store run/explore record into, unless --no-db. NULL when off;
 * *failed when it could not be opened (message printed). */
static weft__recorder *open_recorder(const weft__cli *c, const char *argv0,
                                     const weft_options *o, weft__recorder *r,
                                     bool *failed)
{
    char err[512];
    *failed = false;
    if (c->no_db)
        return NULL;
    const char *path = c->db ? c->db : "weft.db";
    if (weft__recorder_open(r, path, argv0, c->test, o, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        *failed = true;
        return NULL;
    }
    return r;
}

static int write_trace_bytes(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "weft: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static void print_timeline(const weft_test_def *t, const weft__trace *trace, FILE *log);

/* Records run's one failure into the store (unless --no-db). */
static int record_one(const weft__cli *c, const weft_options *o, const weft__trace *rec,
                      const weft_failure *f)
{
    weft__recorder r;
    bool failed;
    weft__recorder *store = open_recorder(c, o->argv0, o, &r, &failed);
    if (!store)
        return failed ? -1 : 0;
    uint8_t *bytes;
    size_t len;
    if (weft__trace_encode(rec, &bytes, &len) != 0) {
        weft__recorder_close(store, 1);
        return -1;
    }
    weft_failure_event ev = {
        .test = rec->h.test, .strategy = rec->h.strategy, .kind = f->kind,
        .message = f->message, .location = f->location, .seed = f->seed,
        .steps = f->steps, .signature = f->signature, .trace_hash = f->trace_hash,
        .trace = bytes, .trace_len = len, .replay_command = f->replay_command,
        .first_of_signature = true,
    };
    weft__recorder_hook(store, &ev);
    free(bytes);
    return weft__recorder_close(store, 1) ? -1 : 0;
}

/* run NAME / replay NAME --seed S: one seeded execution, its schedule shown. */
static int cmd_run_seed(const weft__cli *c, const weft_test_def *t,
                        const weft_options *o, FILE *log, bool is_replay)
{
    weft__strategy st;
    char err[256];
    if (weft__options_check(o, &st, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return 2;
    }
    weft__trace rec;
    weft__trace_init(&rec);
    weft__outcome oc;
    double t0 = weft__monotonic();
    if (weft__run_seed(t->name, t->fn, NULL, o, &st, c->seed, &rec, &oc) != 0) {
        fprintf(stderr, "weft: %s\n", oc.message);
        weft__trace_free(&rec);
        return 2;
    }
    weft_report r;
    weft__report_init(&r, t->name, st.name);
    r.executions = r.distinct_schedules = 1;
    r.last_trace_hash = weft__trace_hash(&rec);
    r.elapsed_s = weft__monotonic() - t0;
    char hex[17];
    weft__hash_hex(r.last_trace_hash, hex);
    if (c->verbose)
        weft__trace_dump(&rec, log);
    fprintf(log, "%s %s: seed %llu, %llu steps, %zu decisions, schedule %s: %s\n",
            is_replay ? "replay" : "run", t->name, (unsigned long long)c->seed,
            (unsigned long long)oc.steps, rec.len, hex,
            oc.kind == WEFT_KIND_NONE ? "passed" : "FAILED");
    int rc = 0;
    if (oc.kind != WEFT_KIND_NONE) {
        rc = 1;
        r.failed_executions = 1;
        r.first_failure_execution = 0;
        weft_failure *f = weft__report_add(&r);
        if (f) {
            char cmd[1024];
            weft__replay_command(cmd, sizeof cmd, o->argv0, t->name, c->seed, &rec.h);
            f->kind = oc.kind;
            f->message = weft__strdup(oc.message);
            f->location = weft__strdup(oc.location);
            f->replay_command = weft__strdup(cmd);
            f->seed = c->seed;
            f->steps = oc.steps;
            f->hits = 1;
            f->trace_hash = r.last_trace_hash;
            f->signature = weft__failure_signature(oc.kind, oc.location, oc.message);
            if (!is_replay && record_one(c, o, &rec, f) != 0)
                rc = 2;
            weft__failure_print(&r, f, 0, log);
        }
        if (is_replay)
            fprintf(log, "reproduced: %s\n", weft_kind_name(oc.kind));
    }
    if (c->timeline)
        print_timeline(t, &rec, log);
    if (c->trace_out && weft__trace_write_file(&rec, c->trace_out, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        rc = 2;
    }
    if (c->json) {
        weft_report_json(&r, stdout);
        putchar('\n');
    }
    weft_report_free(&r);
    weft__trace_free(&rec);
    return rc;
}

static int cmd_explore(const weft__cli *c, const weft_test_def *t,
                       const weft_options *opt, FILE *log)
{
    weft_report r;
    weft__recorder rec;
    bool failed;
    weft_options o = *opt;
    weft__recorder *store = open_recorder(c, o.argv0, &o, &rec, &failed);
    if (failed)
        return 2;
    weft__campaign_opts co = {
        .jobs = c->jobs ? c->jobs : 1,
        .shard_i = c->shard_i,
        .shard_n = c->shard_n ? c->shard_n : 1,
        .store = store,
        .log = log,
        .progress = !c->quiet,
    };
    int rc = weft__campaign_explore(t, &o, &co, &r);
    if (rc == 2) {
        weft__recorder_close(store, 0);
        return 2;
    }
    bool store_failed = weft__recorder_close(store, r.executions) != 0;
    fprintf(log, "explore %s: %llu executions, %s%llu distinct schedules, %zu failure%s, "
                 "%.2f s (%.0f executions/s), strategy %s%s\n",
            t->name, (unsigned long long)r.executions, r.distinct_estimated ? "~" : "",
            (unsigned long long)r.distinct_schedules, r.n_failures,
            r.n_failures == 1 ? "" : "s", r.elapsed_s,
            r.elapsed_s > 0 ? (double)r.executions / r.elapsed_s : 0.0, r.strategy,
            r.time_limited ? " (time limit reached)" : "");
    if (store_failed)
        rc = 2;
    else if (store && r.n_failures)
        fprintf(log, "recorded in %s (weft%s%s list)\n", c->db ? c->db : "weft.db",
                c->db ? " --db " : "", c->db ? c->db : "");
    if (c->trace_out && r.n_failures && r.failures[0].trace &&
        write_trace_bytes(c->trace_out, r.failures[0].trace, r.failures[0].trace_len) != 0)
        rc = 2;
    if (c->json) {
        weft_report_json(&r, stdout);
        putchar('\n');
    }
    weft_report_free(&r);
    return rc;
}

/* libFuzzer's files are raw inputs, any bytes: recognised by their names
 * (crash-, timeout-, oom-, leak-, slow-unit- artifacts; 40-hex corpus
 * entries), so that anything else must be a well-formed weft trace. */
static bool is_fuzz_artifact(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    static const char *const prefixes[] = {"crash-", "timeout-", "oom-", "leak-", "slow-unit-"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
            return true;
    size_t n = strlen(base);
    if (n != 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((base[i] >= '0' && base[i] <= '9') || (base[i] >= 'a' && base[i] <= 'f')))
            return false;
    return true;
}

/* Prints the timeline of replaying `trace` (replay --timeline). */
static void print_timeline(const weft_test_def *t, const weft__trace *trace, FILE *log)
{
    weft__timeline *tl;
    char err[512];
    if (weft__timeline_record(t->name, t->fn, NULL, trace, &tl, err, sizeof err) != 0) {
        fprintf(stderr, "weft: timeline: %s\n", err);
        return;
    }
    fflush(log);
    weft__timeline_print(tl, log, isatty(fileno(log)) != 0);
    weft__timeline_free(tl);
}

static void print_timeline_bytes(const weft_test_def *t, const uint8_t *b, size_t len,
                                 FILE *log)
{
    weft__trace trace;
    char err[256];
    weft__trace_init(&trace);
    if (weft__trace_decode(b, len, &trace, err, sizeof err) == 0)
        print_timeline(t, &trace, log);
    weft__trace_free(&trace);
}

/* The trace of c's source: --trace FILE, --db FILE --id N (best schedule;
 * *minimized also gets the failure's minimized schedule when there is one
 * and it is not the best itself). 0, or -1 (message printed). */
static int load_trace(const weft__cli *c, const weft_test_def *t, weft__trace *trace,
                      char *replay_cmd, size_t cmd_len);

static int cmd_report(const weft__cli *c, const weft_test_def *t, FILE *log)
{
    weft__trace trace;
    char cmd[1024], err[512];
    weft__trace_init(&trace);
    if (load_trace(c, t, &trace, cmd, sizeof cmd) != 0)
        return 2;
    weft__timeline *orig = NULL, *min = NULL;
    int rc = 2;
    if (weft__timeline_record(t->name, t->fn, NULL, &trace, &orig, err, sizeof err) != 0) {
        fprintf(stderr, "weft: report: %s\n", err);
        goto out;
    }
    weft__min_result m;
    if (orig->kind != WEFT_KIND_NONE &&
        weft__minimize(t->name, t->fn, NULL, &trace, 0, &m, err, sizeof err) == 0) {
        if (m.after.decisions < m.before.decisions || m.after.preemptions < m.before.preemptions)
            weft__timeline_record(t->name, t->fn, NULL, &m.trace, &min, err, sizeof err);
        weft__trace_free(&m.trace);
    }
    FILE *f = fopen(c->html, "w");
    if (!f) {
        fprintf(stderr, "weft: cannot write %s\n", c->html);
        goto out;
    }
    rc = weft__report_html(f, cmd, orig, min, err, sizeof err) == 0 ? 0 : 2;
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "weft: report: %s\n", rc ? err : "write error");
        rc = 2;
    } else {
        fprintf(log, "wrote %s (%s%s)\n", c->html, orig->kind ? "failure" : "passing run",
                min ? ", with its minimized schedule" : "");
    }
out:
    weft__timeline_free(orig);
    weft__timeline_free(min);
    weft__trace_free(&trace);
    return rc;
}

/* A crash artifact of `fuzz` is the raw input: replay it as fuzz does. */
static int replay_fuzz_input(const weft__cli *c, const weft_test_def *t,
                             const weft_options *o, const uint8_t *buf, size_t len, FILE *log)
{
    weft__trace rec;
    weft__outcome oc;
    weft__trace_init(&rec);
    if (weft__fuzz_run(t->name, t->fn, NULL, buf, len, o, false, &rec, &oc) != 0) {
        fprintf(stderr, "weft: %s\n", oc.message);
        weft__trace_free(&rec);
        return 2;
    }
    char hex[17];
    weft__hash_hex(weft__trace_hash(&rec), hex);
    if (c->verbose)
        weft__trace_dump(&rec, log);
    fprintf(log, "replay %s: libFuzzer input of %zu bytes, %llu steps, %zu decisions, "
                 "schedule %s: %s\n", t->name, len, (unsigned long long)oc.steps, rec.len, hex,
            oc.kind == WEFT_KIND_NONE ? "passed" : "FAILED");
    int rc = 0;
    if (oc.kind != WEFT_KIND_NONE) {
        fprintf(log, "FAIL %s: %s%s%s\n  %s\nreproduced: %s\n", t->name,
                weft_kind_name(oc.kind), oc.location[0] ? " at " : "", oc.location, oc.message,
                weft_kind_name(oc.kind));
        rc = 1;
    }
    char err[256];
    if (c->trace_out && weft__trace_write_file(&rec, c->trace_out, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        rc = 2;
    }
    weft__trace_free(&rec);
    return rc;
}

static int cmd_replay_trace(const weft__cli *c, const weft_test_def *t,
                            const weft_options *o, FILE *log)
{
    FILE *f = fopen(c->trace_in, "rb");
    if (!f) {
        fprintf(stderr, "weft: cannot open trace file %s\n", c->trace_in);
        return 2;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    uint8_t chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) {
            cap = (len + got) * 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                fprintf(stderr, "weft: out of memory reading %s\n", c->trace_in);
                return 2;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    if ((len < 8 || memcmp(buf, "WEFTTRC", 7) != 0) && is_fuzz_artifact(c->trace_in)) {
        int frc = replay_fuzz_input(c, t, o, buf, len, log);
        free(buf);
        return frc;
    }
    weft_report r = {0};
    int rc = weft__replay_bytes(t->name, t->fn, NULL, buf, len, o, &r);
    if (c->timeline && rc != 2)
        print_timeline_bytes(t, buf, len, log);
    free(buf);
    if (rc == 1)
        fprintf(log, "reproduced: %s\n", weft_kind_name(r.failures[0].kind));
    else if (rc == 0)
        fprintf(log, "replay %s: the schedule ran to the end and passed\n", t->name);
    if ((rc != 2 || r.diverged) && c->json) {
        weft_report_json(&r, stdout);
        putchar('\n');
    }
    weft_report_free(&r);
    return rc;
}

/* Reads failure c->id of the store c->db for test t. Prints why not. */
static int load_stored(const weft__cli *c, const weft_test_def *t, weft__stored_failure *f)
{
    weft__store *st;
    char err[512];
    if (weft__store_open(c->db, WEFT__STORE_READ, &st, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return -1;
    }
    int rc = weft__store_get(st, (int64_t)c->id, 0, f, err, sizeof err);
    weft__store_close(st);
    if (rc != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return -1;
    }
    if (strcmp(f->test, t->name) != 0) {
        fprintf(stderr, "weft: failure %llu is of test '%s', not '%s'\n",
                (unsigned long long)c->id, f->test, t->name);
        weft__stored_failure_free(f);
        return -1;
    }
    char self[17];
    if (f->build_hash[0] && weft__file_hash("/proc/self/exe", self) == 0 &&
        strcmp(self, f->build_hash) != 0)
        fprintf(stderr, "weft: note: failure %llu was recorded by another build of this "
                        "binary (%s, now %s); if the code changed, the replay may diverge\n",
                (unsigned long long)c->id, f->build_hash, self);
    return 0;
}

static int cmd_replay_db(const weft__cli *c, const weft_test_def *t, const weft_options *o,
                         FILE *log)
{
    weft__stored_failure f;
    if (load_stored(c, t, &f) != 0)
        return 2;
    fprintf(log, "replaying failure %llu (%s), schedule %lld: seed %llu, strategy %s, "
                 "%llu steps%s\n",
            (unsigned long long)c->id, f.kind, (long long)f.schedule_id,
            (unsigned long long)f.seed, f.strategy, (unsigned long long)f.steps,
            f.minimized ? ", minimized" : "");
    weft_report r = {0};
    int rc = weft__replay_bytes(t->name, t->fn, NULL, f.trace, f.trace_len, o, &r);
    if (c->timeline && rc != 2)
        print_timeline_bytes(t, f.trace, f.trace_len, log);
    if (rc == 1)
        fprintf(log, "reproduced: %s\n", weft_kind_name(r.failures[0].kind));
    else if (rc == 0)
        fprintf(log, "NOT reproduced: the schedule ran to the end and passed\n");
    if (rc != 2 && c->json) {
        weft_report_json(&r, stdout);
        putchar('\n');
    }
    weft_report_free(&r);
    weft__stored_failure_free(&f);
    return rc;
}

static int load_trace(const weft__cli *c, const weft_test_def *t, weft__trace *trace,
                      char *replay_cmd, size_t cmd_len)
{
    char err[512];
    if (c->trace_in) {
        if (weft__trace_read_file(c->trace_in, trace, err, sizeof err) != 0) {
            fprintf(stderr, "weft: bad trace: %s\n", err);
            return -1;
        }
        snprintf(replay_cmd, cmd_len, "%s replay %s --trace %s", weft_program(), t->name,
                 c->trace_in);
        return 0;
    }
    weft__stored_failure f;
    if (load_stored(c, t, &f) != 0)
        return -1;
    int rc = weft__trace_decode(f.trace, f.trace_len, trace, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "weft: failure %llu: bad stored trace: %s\n", (unsigned long long)c->id,
                err);
    snprintf(replay_cmd, cmd_len, "%s replay %s --db %s --id %llu", weft_program(), t->name,
             c->db, (unsigned long long)c->id);
    weft__stored_failure_free(&f);
    return rc;
}

static int store_minimized(const weft__cli *c, const weft__min_result *m, FILE *log)
{
    uint8_t *bytes;
    size_t len;
    weft__store *st;
    char err[512];
    int64_t sid = 0;
    if (weft__trace_encode(&m->trace, &bytes, &len) != 0)
        return -1;
    int rc = weft__store_open(c->db, WEFT__STORE_WRITE, &st, err, sizeof err);
    if (rc == 0) {
        rc = weft__store_add_schedule(st, (int64_t)c->id, bytes, len,
                                      weft__trace_hash(&m->trace), m->trace.h.seed,
                                      m->trace.h.strategy, m->after.steps, true, &sid, err,
                                      sizeof err);
        weft__store_close(st);
    }
    free(bytes);
    if (rc != 0)
        fprintf(stderr, "weft: %s\n", err);
    else if (sid)
        fprintf(log, "stored as schedule %lld of failure %llu\n", (long long)sid,
                (unsigned long long)c->id);
    else
        fprintf(log, "already stored (same schedule)\n");
    return rc;
}

static int cmd_minimize(const weft__cli *c, const weft_test_def *t, FILE *log)
{
    weft__trace from;
    char err[512];
    weft__trace_init(&from);
    if (c->trace_in) {
        if (weft__trace_read_file(c->trace_in, &from, err, sizeof err) != 0) {
            fprintf(stderr, "weft: bad trace: %s\n", err);
            return 2;
        }
    } else {
        weft__stored_failure f;
        if (load_stored(c, t, &f) != 0)
            return 2;
        int rc = weft__trace_decode(f.trace, f.trace_len, &from, err, sizeof err);
        weft__stored_failure_free(&f);
        if (rc != 0) {
            fprintf(stderr, "weft: failure %llu: bad stored trace: %s\n",
                    (unsigned long long)c->id, err);
            return 2;
        }
    }
    weft__min_result m;
    if (weft__minimize(t->name, t->fn, NULL, &from, 0, &m, err, sizeof err) != 0) {
        fprintf(stderr, "weft: minimize %s: %s\n", t->name, err);
        weft__trace_free(&from);
        return 2;
    }
    fprintf(log, "minimized %s in %u runs: steps %llu -> %llu, decisions %zu -> %zu, "
                 "preemptions %zu -> %zu, injections %zu -> %zu\n",
            t->name, m.runs, (unsigned long long)m.before.steps,
            (unsigned long long)m.after.steps, m.before.decisions, m.after.decisions,
            m.before.preemptions, m.after.preemptions, m.before.injections,
            m.after.injections);
    int rc = 0;
    if (c->trace_out && weft__trace_write_file(&m.trace, c->trace_out, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        rc = 2;
    }
    if (c->has_id && store_minimized(c, &m, log) != 0)
        rc = 2;
    weft__trace_free(&m.trace);
    weft__trace_free(&from);
    return rc;
}

/* Runs `run`/`replay` in a child process, so that a crash of the program
 * under test is reported (and counts as reproduced) instead of killing the
 * command. WEFT_NO_FORK=1 runs in-process (for debuggers). */
/* Set by the child when it returns normally: an exit without it is the
 * program under test (or a sanitizer) ending the process in mid-run. */
static volatile int *child_finished;

static int isolated(int *rc)
{
    const char *nf = getenv("WEFT_NO_FORK");
    if (nf && *nf && strcmp(nf, "0") != 0)
        return 0;
    child_finished = mmap(NULL, sizeof *child_finished, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (child_finished == MAP_FAILED) {
        child_finished = NULL;
        return 0;
    }
    *child_finished = 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        setvbuf(stdout, NULL, _IOLBF, 0); /* what it printed survives a crash */
    if (pid <= 0)
        return 0; /* the child (or no fork): do the work here */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    if (WIFEXITED(status) && *child_finished) {
        *rc = WEXITSTATUS(status);
    } else {
        if (WIFSIGNALED(status))
            printf("crash: the program under test died of signal %d (%s)\n", WTERMSIG(status),
                   strsignal(WTERMSIG(status)));
        else
            printf("crash: the program under test exited with status %d in the middle of an "
                   "execution (a sanitizer's report, or exit(), is above)\n",
                   WEXITSTATUS(status));
        printf("reproduced: crash\n");
        *rc = 1;
    }
    return 1;
}

static int dispatch(const weft__cli *c, const weft_test_def *t, weft_options *o, FILE *log);

int weft_main(int argc, char **argv)
{
    const char *argv0 = argc > 0 && argv[0] ? argv[0] : "weft-test";
    if (argc >= 2 && !strncmp(argv[1], "--weft-fuzz=", 12)) { /* a libFuzzer child */
        const weft_test_def *ft = weft_test_find(argv[1] + 12);
        if (!ft)
            return fail_usage(argv0, "unknown test '%s' (see list)", argv[1] + 12);
        return weft__fuzz_main(ft, argc - 1, argv + 1, argv0);
    }
    weft__cli c;
    char err[256];
    if (weft__cli_parse(argc, argv, &c, err, sizeof err) != 0)
        return fail_usage(argv0, "%s", err);
    if (c.cmd == WEFT__CMD_HELP) {
        printf(usage, argv0);
        return 0;
    }
    if (c.cmd == WEFT__CMD_VERSION) {
        printf("weft %s\n", WEFT_VERSION_STRING);
        return 0;
    }
    if (check_duplicates(argv0) != 0)
        return 2;
    if (c.cmd == WEFT__CMD_LIST)
        return cmd_list(c.verbose);
    const weft_test_def *t = weft_test_find(c.test);
    if (!t)
        return fail_usage(argv0, "unknown test '%s' (see list)", c.test);
    if (c.cmd == WEFT__CMD_FUZZ)
        return weft__fuzz_main(t, c.fuzz_argc, c.fuzz_argv, argv0);
    FILE *log = c.json ? stderr : stdout;
    int isolated_rc;
    if ((c.cmd == WEFT__CMD_RUN || c.cmd == WEFT__CMD_REPLAY) && isolated(&isolated_rc))
        return isolated_rc;
    weft_options o;
    fill_options(&c, argv0, log, &o);
    int rc = dispatch(&c, t, &o, log);
    if (child_finished)
        *child_finished = 1;
    return rc;
}

static int dispatch(const weft__cli *cc, const weft_test_def *t, weft_options *o, FILE *log)
{
    weft__cli c = *cc;
    switch (c.cmd) {
    case WEFT__CMD_RUN:
        return cmd_run_seed(&c, t, o, log, false);
    case WEFT__CMD_EXPLORE:
        return cmd_explore(&c, t, o, log);
    case WEFT__CMD_MINIMIZE:
        return cmd_minimize(&c, t, log);
    case WEFT__CMD_REPORT:
        return cmd_report(&c, t, log);
    case WEFT__CMD_REPLAY:
        if (c.trace_in)
            return cmd_replay_trace(&c, t, o, log);
        if (c.has_id)
            return cmd_replay_db(&c, t, o, log);
        return cmd_run_seed(&c, t, o, log, true);
    }
    return 2;
}
