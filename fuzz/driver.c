/*
 * driver.c — `BIN fuzz NAME`: libFuzzer (LLVMFuzzerRunDriver) chooses the
 * schedule of test NAME, one input per execution.
 *
 * libFuzzer's -fork/-jobs modes and -minimize_crash re-execute argv[0] with
 * the argument vector given to LLVMFuzzerRunDriver, and libFuzzer ignores
 * arguments that start with "--". So the vector handed to it starts with
 * "--weft-fuzz=NAME" (weft_main routes that back here in every child) and
 * carries weft's own settings as --weft-* arguments: the store, the shared
 * campaign, feedback on or off.
 *
 * A failing execution is recorded in the store (as the schedule it ran,
 * which replays strictly) and printed before the process aborts, so
 * libFuzzer then saves the input as its crash artifact; `BIN replay NAME
 * --trace crash-...` replays that input. Counts go into one campaign row
 * shared by every process of the campaign, once a second and at exit.
 */
#include "fuzz.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../cli/options.h"
#include "../cli/record.h"
#include "../scheduler/explore.h"
#include "../scheduler/report.h"

extern int LLVMFuzzerRunDriver(int *argc, char ***argv,
                               int (*cb)(const uint8_t *data, size_t size))
    __attribute__((weak));

bool weft__fuzz_available(void)
{
    return LLVMFuzzerRunDriver != NULL;
}

static struct {
    const weft_test_def *t;
    weft_options o;
    bool feedback;
    weft__recorder rec;
    bool store;
    bool owner;                /* this process created the campaign row */
    weft__trace trace;
    uint64_t pending_exec, pending_fail;
    double last_save;
    const char *argv0;
} F;

static void save(bool ended)
{
    char err[512];
    if (!F.store || (!F.pending_exec && !F.pending_fail && !ended))
        return;
    if (weft__store_campaign_add(F.rec.store, F.rec.uuid, F.pending_exec, F.pending_fail,
                                 ended, err, sizeof err) != 0)
        fprintf(stderr, "weft: failure store: %s\n", err);
    F.pending_exec = F.pending_fail = 0;
    F.last_save = weft__monotonic();
}

static void at_exit(void)
{
    save(F.owner);
    if (F.store)
        weft__recorder_leave(&F.rec);
    F.store = false;
}

static void report_failure(const weft__outcome *oc)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    char cmd[1024];
    uint64_t hash = weft__trace_hash(&F.trace);
    snprintf(cmd, sizeof cmd, "%s replay %s --trace <the crash- file libFuzzer writes below>",
             F.argv0, F.t->name);
    weft_failure_event ev = {
        .test = F.t->name, .strategy = WEFT__FUZZ_STRATEGY, .kind = oc->kind,
        .message = oc->message, .location = oc->location, .seed = F.trace.h.seed,
        .steps = oc->steps,
        .signature = weft__failure_signature(oc->kind, oc->location, oc->message),
        .trace_hash = hash, .replay_command = cmd, .first_of_signature = true,
    };
    if (weft__trace_encode(&F.trace, &bytes, &len) == 0) {
        ev.trace = bytes;
        ev.trace_len = len;
    }
    if (F.store)
        weft__recorder_hook(&F.rec, &ev);
    weft_report r;
    weft__report_init(&r, F.t->name, WEFT__FUZZ_STRATEGY);
    weft_failure f = {
        .kind = oc->kind, .message = (char *)oc->message, .location = (char *)oc->location,
        .seed = ev.seed, .steps = oc->steps, .trace_hash = hash, .replay_command = cmd,
    };
    weft__failure_print(&r, &f, 0, stdout);
    if (F.store)
        printf("  stored in %s (weft --db %s list)\n", F.rec.path, F.rec.path);
    fflush(stdout);
    weft_report_free(&r);
    free(bytes);
}

/* A signal in the program under test (a NULL dereference, a stack
 * overflow) kills the process before one_input can record anything: record
 * it from the signal handler, as a crash with the decisions made so far,
 * then hand the signal to libFuzzer's handler, which writes the crash-
 * artifact. Not async-signal-safe, but the process is dying anyway, and
 * this is the only chance to get the failure into the store. */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
static struct sigaction prev_action[sizeof fatal_signals / sizeof fatal_signals[0]];
static bool in_input;

static void on_fatal_signal(int sig)
{
    static weft__outcome oc; /* large: not on the (alternate) stack */
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &prev_action[i], NULL); /* the fault repeats into it */
    if (!in_input)
        return;
    in_input = false;
    memset(&oc, 0, sizeof oc);
    oc.kind = WEFT_KIND_CRASH;
    oc.steps = F.trace.len;
    snprintf(oc.message, sizeof oc.message,
             "crash: the program under test died of signal %d (%s)", sig, strsignal(sig));
    F.trace.h.steps = oc.steps;
    F.pending_fail++;
    report_failure(&oc);
    save(F.owner);
}

/* Installed at the first input: after libFuzzer's own handlers, which it
 * sets up inside LLVMFuzzerRunDriver. */
static void catch_fatal_signals(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    static char alt[1 << 16]; /* a task's stack may be the one that overflowed */
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE))
        sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &prev_action[i]);
}

static int one_input(const uint8_t *data, size_t size)
{
    catch_fatal_signals();
    weft__outcome oc;
    in_input = true;
    int rc = weft__fuzz_run(F.t->name, F.t->fn, NULL, data, size, &F.o, F.feedback,
                            &F.trace, &oc);
    in_input = false;
    if (rc != 0)
        return 0;
    F.pending_exec++;
    if (oc.kind != WEFT_KIND_NONE) {
        F.pending_fail++;
        report_failure(&oc);
        save(F.owner); /* a single process's crash ends its campaign */
        abort(); /* libFuzzer saves this input as a crash artifact */
    }
    if (F.store && weft__monotonic() - F.last_save >= 1.0)
        save(false);
    return 0;
}

/* Reads weft's own --weft-* arguments of the vector libFuzzer will see. */
static int weft_args(int argc, char **argv, const char **db, const char **campaign)
{
    *db = "weft.db";
    *campaign = NULL;
    F.feedback = true;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--weft-db=", 10))
            *db = argv[i] + 10;
        else if (!strcmp(argv[i], "--weft-no-db"))
            *db = NULL;
        else if (!strncmp(argv[i], "--weft-campaign=", 16))
            *campaign = argv[i] + 16;
        else if (!strcmp(argv[i], "--weft-no-feedback"))
            F.feedback = false;
    }
    return 0;
}

static int open_store(const char *db, const char *campaign)
{
    char err[512];
    if (!db)
        return 0;
    int rc;
    if (campaign) {
        weft__recorder parent;
        memset(&parent, 0, sizeof parent);
        snprintf(parent.path, sizeof parent.path, "%s", db);
        snprintf(parent.uuid, sizeof parent.uuid, "%s", campaign);
        snprintf(parent.options, sizeof parent.options, "{\"strategy\":\"fuzz\"}");
        rc = weft__recorder_join(&F.rec, &parent, err, sizeof err);
        if (rc == 0 &&
            weft__store_build(F.rec.store, "/proc/self/exe", &F.rec.build, err, sizeof err))
            rc = -1;
    } else {
        weft_options o = F.o;
        o.strategy = WEFT__FUZZ_STRATEGY;
        rc = weft__recorder_open(&F.rec, db, F.argv0, F.t->name, &o, err, sizeof err);
        F.rec.worker = true; /* counts go in by increments, from every process */
        F.owner = rc == 0;
    }
    if (rc != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return -1;
    }
    F.store = true;
    return 0;
}

/* In every process of the campaign: argv is the vector libFuzzer sees. */
static int run_driver(const weft_test_def *t, int argc, char **argv)
{
    const char *db, *campaign;
    F.t = t;
    F.o = (weft_options)WEFT_OPTIONS_INIT;
    weft__trace_init(&F.trace);
    weft_args(argc, argv, &db, &campaign);
    if (open_store(db, campaign) != 0)
        return 2;
    F.last_save = weft__monotonic();
    atexit(at_exit);
    char **vec = argv;
    if (F.store && !campaign) { /* children join this campaign */
        static char arg[64];
        snprintf(arg, sizeof arg, "--weft-campaign=%s", F.rec.uuid);
        vec = calloc((size_t)argc + 2, sizeof *vec);
        if (!vec)
            return 2;
        memcpy(vec, argv, (size_t)argc * sizeof *vec);
        vec[argc++] = arg;
    }
    return LLVMFuzzerRunDriver(&argc, &vec, one_input);
}

/* `BIN fuzz NAME args`: builds libFuzzer's vector from weft's options. */
int weft__fuzz_main(const weft_test_def *t, int argc, char **argv, const char *argv0)
{
    F.argv0 = argv0;
    if (!weft__fuzz_available()) {
        fprintf(stderr, "%s: fuzz: this binary was linked without libFuzzer; build it with "
                        "clang and $(pkg-config --cflags --libs weft-fuzz)\n", argv0);
        return 2;
    }
    if (argc >= 1 && !strncmp(argv[0], "--weft-fuzz=", 12)) /* a libFuzzer child */
        return run_driver(t, argc + 1, argv - 1);
    char **vec = calloc((size_t)argc + 16, sizeof *vec);
    static char name_arg[256], db_arg[4200], total[64], fork[64];
    if (!vec)
        return 2;
    int n = 0, corpora = 0;
    bool has_timeout = false;
    const char *db = "weft.db";
    vec[n++] = (char *)argv0;
    snprintf(name_arg, sizeof name_arg, "--weft-fuzz=%s", t->name);
    vec[n++] = name_arg;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        double secs;
        uint64_t jobs;
        if (!strcmp(a, "--time-limit") && i + 1 < argc) {
            if (weft__parse_duration(argv[++i], &secs) != 0) {
                fprintf(stderr, "%s: --time-limit: '%s' is not a duration\n", argv0, argv[i]);
                return 2;
            }
            snprintf(total, sizeof total, "-max_total_time=%.0f", secs < 1 ? 1 : secs);
            vec[n++] = total;
        } else if (!strcmp(a, "--jobs") && i + 1 < argc) {
            if (weft__parse_u64(argv[++i], &jobs) != 0 || jobs == 0 || jobs > 1024) {
                fprintf(stderr, "%s: --jobs: '%s' is not a number from 1 to 1024\n", argv0,
                        argv[i]);
                return 2;
            }
            snprintf(fork, sizeof fork, "-fork=%llu", (unsigned long long)jobs);
            if (jobs > 1)
                vec[n++] = fork;
        } else if (!strcmp(a, "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(a, "--no-db")) {
            db = NULL;
        } else if (!strcmp(a, "--no-feedback")) {
            vec[n++] = "--weft-no-feedback";
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "%s: fuzz: unknown option '%s' (libFuzzer's own flags take one "
                            "dash, e.g. -runs=1000)\n", argv0, a);
            return 2;
        } else {
            if (a[0] != '-')
                corpora++;
            else if (!strncmp(a, "-timeout=", 9))
                has_timeout = true;
            vec[n++] = (char *)a;
        }
    }
    if (db) {
        snprintf(db_arg, sizeof db_arg, "--weft-db=%s", db);
        vec[n++] = db_arg;
    } else {
        vec[n++] = "--weft-no-db";
    }
    if (!has_timeout)
        vec[n++] = "-timeout=30"; /* deadlocks and livelocks are weft's to find */
    static char corpus[512];
    if (!corpora) {
        snprintf(corpus, sizeof corpus, "corpus/%s", t->name);
        mkdir("corpus", 0777);
        if (mkdir(corpus, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create %s: %s\n", argv0, corpus, strerror(errno));
            return 2;
        }
        vec[n++] = corpus;
    }
    vec[n] = NULL;
    return run_driver(t, n, vec);
}
