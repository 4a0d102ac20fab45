/*
 * campaign.c — `explore` in forked workers.
 *
 * The parent never runs the program under test: it forks J workers, each
 * running weft's explorer on its own slice of the seed space, watches them
 * through a shared-memory slot per worker (executions done, the execution
 * under way and its seed, failures), and draws the progress line. A worker
 * that dies while running an execution (a signal, a sanitizer's exit, the
 * program calling exit) is a `crash` failure of that execution: its seed
 * is known from the slot, and so is its schedule, because every worker
 * records its executions' decisions straight into shared memory (no
 * handler has to run in the dying process: sanitizers exit their own way).
 * The crash is
 * recorded and printed, and a new worker takes over from the next
 * execution, so one SIGSEGV costs one fork, not the campaign.
 *
 * Each worker opens its own store connection (after the fork) and records
 * its failures itself; it also appends them to a memfd of its own, from
 * which the parent builds the merged report when the worker ends (or dies).
 */
#include "campaign.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../scheduler/explore.h"
#include "../scheduler/report.h"


#define CAPTURE_MAX ((size_t)1 << 20) /* decisions of one execution, per worker */

typedef struct wslot {
    volatile uint64_t executions;  /* finished executions (of this slice) */
    volatile uint64_t failures;    /* failing executions */
    volatile uint64_t index;       /* slice index k of the execution under way */
    volatile uint64_t seed;
    volatile uint32_t in_exec;
    volatile uint32_t done;        /* the worker finished its slice */
    volatile uint32_t store_errors; /* the worker's failed store writes */
    volatile uint64_t distinct;    /* distinct schedules of its executions */
    weft__trace trace;             /* the execution under way, as it runs:
                                      header here, decisions in cap */
} wslot;

typedef struct shared {
    volatile uint32_t stop;        /* a worker found a failure (stop_on_failure) */
    wslot slot[];
} shared;

typedef struct campaign {
    const weft_test_def *t;
    const weft_options *o;
    const weft__campaign_opts *co;
    unsigned jobs;
    shared *sh;
    size_t sh_len;
    weft__decision *cap;           /* jobs x CAPTURE_MAX */
    size_t cap_len;
    pid_t *pid;
    int *fd;                       /* memfd per worker: its failure records */
    bool *finished;
    uint64_t *base_exec;           /* executions of earlier (crashed) workers */
    double t0, last_progress, last_saved;
    pid_t parent;
    uint64_t total;                /* executions of this shard */
    weft_report *r;
} campaign;

/* ------------------------------------------------------------ worker side */

static wslot *w_slot;
static volatile uint32_t *w_stop;
static int w_fd;
static uint64_t w_start;

static bool w_on_execution(void *ctx, uint64_t i, uint64_t seed, const void *trace)
{
    (void)ctx;
    w_slot->executions = i;
    w_slot->index = w_start + i;
    w_slot->seed = seed;
    (void)trace; /* it is w_slot->trace: recorded in shared memory */
    w_slot->in_exec = 1;
    return !*w_stop;
}

/* A failure record in a worker's memfd: fixed part, then the strings and
 * the trace, each as a length and bytes. */
typedef struct rec_head {
    int32_t kind;
    uint32_t first;
    uint64_t seed, execution, steps, signature, trace_hash;
    uint32_t len[5]; /* message, location, replay, strategy, trace */
} rec_head;

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static void write_record(int fd, const weft_failure_event *ev, uint64_t global)
{
    const char *str[4] = {ev->message, ev->location, ev->replay_command, ev->strategy};
    rec_head h = {ev->kind, ev->first_of_signature, ev->seed, global, ev->steps,
                  ev->signature, ev->trace_hash, {0}};
    for (int i = 0; i < 4; i++)
        h.len[i] = (uint32_t)strlen(str[i]);
    h.len[4] = ev->first_of_signature ? (uint32_t)ev->trace_len : 0;
    write_all(fd, &h, sizeof h);
    for (int i = 0; i < 4; i++)
        write_all(fd, str[i], h.len[i]);
    write_all(fd, ev->trace, h.len[4]);
}

static weft__recorder *w_store;

static void w_on_failure(void *ctx, const weft_failure_event *ev)
{
    campaign *c = ctx;
    w_slot->failures++;
    if (w_store) {
        weft__recorder_hook(w_store, ev);
        w_slot->store_errors = (uint32_t)w_store->errors;
    }
    uint64_t k = w_start + ev->execution;
    write_record(w_fd, ev, (w_slot - c->sh->slot) + k * c->jobs);
    if (c->o->stop_on_failure)
        *w_stop = 1;
}

static uint64_t slice_count(const campaign *c, unsigned j, uint64_t k0)
{
    if (c->total == UINT64_MAX)
        return UINT64_MAX;
    uint64_t g0 = j + k0 * c->jobs;
    return g0 >= c->total ? 0 : (c->total - g0 + c->jobs - 1) / c->jobs;
}

static WEFT_NORETURN void worker_main(campaign *c, unsigned j, uint64_t k0)
{
    w_slot = &c->sh->slot[j];
    w_stop = &c->sh->stop;
    w_fd = c->fd[j];
    w_start = k0;
    weft__trace_init(&w_slot->trace);
    w_slot->trace.d = c->cap + (size_t)j * CAPTURE_MAX;
    w_slot->trace.cap = CAPTURE_MAX;
    w_slot->trace.external = true;
    weft__recorder rec;
    char err[512];
    if (c->co->store) {
        if (weft__recorder_join(&rec, c->co->store, err, sizeof err) == 0)
            w_store = &rec;
        else
            fprintf(stderr, "weft: worker %u: %s\n", j, err);
    }
    weft_options o = *c->o;
    uint64_t n = c->co->shard_n ? c->co->shard_n : 1;
    o.seed = c->o->seed + c->co->shard_i + (j + k0 * c->jobs) * n;
    o.seed_stride = c->jobs * n;
    o.iterations = slice_count(c, j, k0);
    o.on_execution = w_on_execution;
    o.on_failure = w_on_failure;
    o.on_failure_ctx = c;
    o.record_into = &w_slot->trace;
    o.distinct_live = &w_slot->distinct;
    if (o.time_limit > 0) {
        double left = o.time_limit - (weft__monotonic() - c->t0);
        o.time_limit = left > 0.001 ? left : 0.001;
    }
    weft_report r;
    int rc = o.iterations ? weft__check(c->t->name, c->t->fn, NULL, &o, &r, NULL) : 0;
    if (w_store) {
        weft__recorder_leave(w_store);
        w_slot->store_errors = (uint32_t)w_store->errors;
    }
    if (rc != 2 && o.iterations) {
        w_slot->executions = r.executions;
        rec_head end = {-1, r.time_limited | r.exhausted << 1 | r.distinct_estimated << 2, 0,
                        r.executions, r.distinct_schedules, 0, 0, {0}};
        write_all(w_fd, &end, sizeof end);
        weft_report_free(&r);
    }
    fflush(NULL);
    w_slot->in_exec = 0;
    w_slot->done = rc == 2 ? 2 : 1;
    _exit(0);
}

/* ------------------------------------------------------------ parent side */

static int spawn(campaign *c, unsigned j, uint64_t k0)
{
    wslot *s = &c->sh->slot[j];
    s->in_exec = s->done = 0;
    weft__trace_init(&s->trace);
    s->index = k0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "weft: cannot start a worker: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* a worker never outlives its campaign (even one killed by SIGKILL) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != c->parent)
            _exit(0);
        worker_main(c, j, k0);
    }
    c->pid[j] = pid;
    c->finished[j] = false;
    return 0;
}

static void describe_death(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "crash: the program under test died of signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "crash: the program under test exited with status %d in the "
                           "middle of an execution (a sanitizer's report, or exit(), is "
                           "above)", WEXITSTATUS(status));
}

/* Adds one failing execution to the merged report (deduplicated). */
static void merge_failure(weft_report *r, const rec_head *h, char *msg, char *loc,
                          char *cmd, uint8_t *trace)
{
    r->failed_executions++;
    if (r->first_failure_execution < 0 || (int64_t)h->execution < r->first_failure_execution)
        r->first_failure_execution = (int64_t)h->execution;
    weft_failure *f = weft__report_find(r, h->signature);
    if (f) { /* the first record keeps its seed, schedule and replay command */
        f->hits++;
        free(msg), free(loc), free(cmd), free(trace);
        return;
    }
    f = weft__report_add(r);
    if (!f) {
        free(msg), free(loc), free(cmd), free(trace);
        return;
    }
    f->kind = h->kind;
    f->message = msg;
    f->location = loc;
    f->replay_command = cmd;
    f->seed = h->seed;
    f->execution = h->execution;
    f->steps = h->steps;
    f->hits = 1;
    f->signature = h->signature;
    f->trace_hash = h->trace_hash;
    f->trace = trace;
    f->trace_len = h->len[4];
}

static char *read_str(FILE *f, uint32_t n)
{
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, n, f) != n) {
        free(s);
        return NULL;
    }
    if (s)
        s[n] = '\0';
    return s;
}

/* Reads worker j's records into the merged report. */
static void read_records(campaign *c, unsigned j)
{
    int fd = dup(c->fd[j]);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f)
        return;
    rewind(f);
    rec_head h;
    while (fread(&h, sizeof h, 1, f) == 1) {
        if (h.kind == -1) { /* a worker's summary */
            c->r->time_limited |= (h.first & 1) != 0;
            c->r->exhausted |= (h.first & 2) != 0;
            c->r->distinct_estimated |= (h.first & 4) != 0;
            c->r->distinct_schedules += h.steps;
            continue;
        }
        char *str[4];
        for (int i = 0; i < 4; i++)
            str[i] = read_str(f, h.len[i]);
        uint8_t *trace = h.len[4] ? malloc(h.len[4]) : NULL;
        if (trace && fread(trace, 1, h.len[4], f) != h.len[4]) {
            free(trace);
            trace = NULL;
        }
        free(str[3]);
        if (!str[0] || !str[1] || !str[2]) {
            free(str[0]), free(str[1]), free(str[2]), free(trace);
            break;
        }
        merge_failure(c->r, &h, str[0], str[1], str[2], trace);
    }
    fclose(f);
}

/* The crash of worker j during execution slot->index: report, record. */
static void report_crash(campaign *c, unsigned j, int status)
{
    wslot *s = &c->sh->slot[j];
    char msg[512], cmd[1024];
    describe_death(status, msg, sizeof msg);
    uint64_t global = j + s->index * c->jobs;
    weft__trace t;
    weft__trace_init(&t);
    /* the header is filled before the first decision: a seed that matches
     * says the shared trace is this execution's */
    bool have = s->trace.h.seed == s->seed && s->trace.h.test[0] && s->trace.len <= CAPTURE_MAX;
    if (have) {
        t.h = s->trace.h;
        const weft__decision *d = c->cap + (size_t)j * CAPTURE_MAX;
        for (size_t i = 0; i < s->trace.len && have; i++)
            have = weft__trace_push(&t, d[i].kind, d[i].n, d[i].value) == 0;
    } else {
        weft__strategy st;
        char err[128];
        weft__options_check(c->o, &st, err, sizeof err);
        weft__header_fill(&t.h, c->o, &st, c->t->name, s->seed);
    }
    weft__replay_command(cmd, sizeof cmd, weft__argv0(c->o), c->t->name, s->seed, &t.h);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (have && weft__trace_encode(&t, &bytes, &len) != 0)
        bytes = NULL, len = 0;
    weft_failure_event ev = {
        .test = c->t->name, .strategy = t.h.strategy, .kind = WEFT_KIND_CRASH,
        .message = msg, .location = "", .seed = s->seed, .execution = global,
        .signature = weft__failure_signature(WEFT_KIND_CRASH, "", msg),
        .trace_hash = bytes ? weft__trace_hash(&t) : 0, .trace = bytes, .trace_len = len,
        .replay_command = cmd, .first_of_signature = true,
    };
    bool first = !weft__report_find(c->r, ev.signature);
    if (c->co->store && bytes)
        weft__recorder_hook(c->co->store, &ev);
    rec_head h = {WEFT_KIND_CRASH, 1, ev.seed, global, 0, ev.signature, ev.trace_hash,
                  {0, 0, 0, 0, (uint32_t)len}};
    merge_failure(c->r, &h, strdup(msg), strdup(""), strdup(cmd), bytes);
    if (first && !c->o->quiet) {
        weft_failure *f = weft__report_find(c->r, ev.signature);
        weft__failure_print(c->r, f, c->total == UINT64_MAX ? 0 : c->total, c->co->log);
        if (!have)
            fprintf(c->co->log, "  (its schedule could not be captured: replay it by seed)\n");
    }
    weft__trace_free(&t);
}

static void totals(const campaign *c, uint64_t *ex, uint64_t *fails)
{
    *ex = *fails = 0;
    for (unsigned j = 0; j < c->jobs; j++) {
        *ex += c->base_exec[j] + c->sh->slot[j].executions;
        *fails += c->sh->slot[j].failures;
    }
}

static void progress(campaign *c, bool final)
{
    if (!c->co->progress)
        return;
    double now = weft__monotonic();
    bool tty = isatty(fileno(c->co->log));
    if (!final && now - c->last_progress < (tty ? 0.25 : 10.0))
        return;
    c->last_progress = now;
    uint64_t ex, fails;
    totals(c, &ex, &fails);
    double el = now - c->t0;
    if (final) {
        if (tty)
            fprintf(c->co->log, "\r\033[K");
    } else {
        fprintf(c->co->log, "%s%7.1f s  %llu executions  %.0f/s  %llu failing  %u job%s  %s%s",
                tty ? "\r\033[K" : "  ", el, (unsigned long long)ex,
                el > 0 ? (double)ex / el : 0.0, (unsigned long long)fails, c->jobs,
                c->jobs == 1 ? "" : "s", c->o->strategy ? c->o->strategy : "random",
                tty ? "" : "\n");
    }
    fflush(c->co->log);
}

/* Keeps the campaign row current once a second, so a campaign killed at
 * any moment still says how far it got. */
static void save_progress(campaign *c)
{
    double now = weft__monotonic();
    if (!c->co->store || now - c->last_saved < 1.0)
        return;
    c->last_saved = now;
    uint64_t ex, fails, distinct = 0;
    char err[512];
    totals(c, &ex, &fails);
    for (unsigned j = 0; j < c->jobs; j++)
        distinct += c->sh->slot[j].distinct; /* workers' sets may overlap */
    if (weft__store_campaign_update(c->co->store->store, c->co->store->uuid, ex, fails, false,
                                    err, sizeof err) != 0 ||
        weft__store_progress(c->co->store->store, c->co->store->uuid, now - c->t0, ex, fails,
                             distinct, err, sizeof err) != 0)
        fprintf(stderr, "weft: failure store: %s\n", err);
}

static int find_worker(const campaign *c, pid_t pid)
{
    for (unsigned j = 0; j < c->jobs; j++)
        if (c->pid[j] == pid)
            return (int)j;
    return -1;
}

/* A worker ended: normally, by its own error, or by a crash. */
static void worker_ended(campaign *c, unsigned j, int status)
{
    wslot *s = &c->sh->slot[j];
    if (s->done) {
        c->finished[j] = true;
        return;
    }
    if (!s->in_exec) { /* died outside an execution: weft's own bug or a kill */
        fprintf(stderr, "weft: worker %u ended unexpectedly (status %d)\n", j, status);
        c->finished[j] = true;
        return;
    }
    report_crash(c, j, status);
    c->base_exec[j] += s->executions + 1; /* the crashed one ran too */
    s->executions = 0;
    uint64_t next = s->index + 1;
    bool more = slice_count(c, j, next) > 0;
    if (c->o->stop_on_failure)
        c->sh->stop = 1;
    if (!more || c->sh->stop || (c->o->time_limit > 0 &&
                                 weft__monotonic() - c->t0 >= c->o->time_limit) ||
        spawn(c, j, next) != 0)
        c->finished[j] = true;
}

static bool all_finished(const campaign *c)
{
    for (unsigned j = 0; j < c->jobs; j++)
        if (!c->finished[j])
            return false;
    return true;
}

static int setup(campaign *c)
{
    c->sh_len = sizeof(shared) + c->jobs * sizeof(wslot);
    c->cap_len = (size_t)c->jobs * CAPTURE_MAX * sizeof(weft__decision);
    c->sh = mmap(NULL, c->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c->cap = mmap(NULL, c->cap_len, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    c->pid = calloc(c->jobs, sizeof *c->pid);
    c->fd = calloc(c->jobs, sizeof *c->fd);
    c->finished = calloc(c->jobs, sizeof *c->finished);
    c->base_exec = calloc(c->jobs, sizeof *c->base_exec);
    if (c->sh == MAP_FAILED || c->cap == MAP_FAILED || !c->pid || !c->fd || !c->finished ||
        !c->base_exec)
        return -1;
    memset((void *)c->sh, 0, c->sh_len);
    for (unsigned j = 0; j < c->jobs; j++)
        if ((c->fd[j] = memfd_create("weft-worker", MFD_CLOEXEC)) < 0)
            return -1;
    return 0;
}

static void teardown(campaign *c)
{
    for (unsigned j = 0; c->fd && j < c->jobs; j++)
        if (c->fd[j] > 0)
            close(c->fd[j]);
    if (c->sh && c->sh != MAP_FAILED)
        munmap((void *)c->sh, c->sh_len);
    if (c->cap && c->cap != MAP_FAILED)
        munmap(c->cap, c->cap_len);
    free(c->pid);
    free(c->fd);
    free(c->finished);
    free(c->base_exec);
}

int weft__campaign_explore(const weft_test_def *t, const weft_options *o,
                           const weft__campaign_opts *co, weft_report *out)
{
    weft__strategy st;
    char err[256];
    if (weft__options_check(o, &st, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return 2;
    }
    campaign c = {.t = t, .o = o, .co = co, .jobs = co->jobs ? co->jobs : 1};
    if (st.kind == WEFT__S_DFS && c.jobs > 1) {
        fprintf(co->log, "note: dfs is one search: running it in 1 worker, not %u\n", c.jobs);
        c.jobs = 1;
    }
    c.total = o->iterations ? o->iterations : 1;
    weft_report r;
    weft__report_init(&r, t->name, st.name);
    c.r = &r;
    int rc = 2;
    bool store_failed = false;
    if (setup(&c) != 0) {
        fprintf(stderr, "weft: cannot set up the workers: %s\n", strerror(errno));
        goto out;
    }
    c.t0 = c.last_progress = c.last_saved = weft__monotonic();
    c.parent = getpid();
    for (unsigned j = 0; j < c.jobs; j++)
        if (spawn(&c, j, 0) != 0)
            c.finished[j] = true;
    unsigned idle = 0;
    while (!all_finished(&c)) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            progress(&c, false);
            save_progress(&c);
            /* short campaigns end within milliseconds: poll fast at first */
            long ns = idle++ < 200 ? 500 * 1000L : 20 * 1000 * 1000L;
            nanosleep(&(struct timespec){0, ns}, NULL);
            continue;
        }
        idle = 0;
        int j = find_worker(&c, pid);
        if (j >= 0)
            worker_ended(&c, (unsigned)j, status);
    }
    progress(&c, true);
    c.last_saved = 0;
    save_progress(&c); /* the last sample */
    for (unsigned j = 0; j < c.jobs; j++) {
        r.executions += c.base_exec[j] + c.sh->slot[j].executions;
        read_records(&c, j);
        if (c.sh->slot[j].done == 2)
            goto out;
        if (c.sh->slot[j].store_errors)
            store_failed = true;
    }
    r.stopped = c.sh->stop != 0;
    if (c.jobs > 1)
        r.distinct_estimated = true; /* workers' sets may overlap */
    r.elapsed_s = weft__monotonic() - c.t0;
    rc = store_failed ? 2 : r.n_failures ? 1 : 0;
    if (store_failed)
        fprintf(stderr, "weft: some failures could not be recorded in the store\n");
out:
    teardown(&c);
    if (rc == 2) {
        weft_report_free(&r);
        return 2;
    }
    *out = r;
    return rc;
}
