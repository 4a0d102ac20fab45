/*
 * timeline_text.c — a timeline in words: each event as a lane label and as
 * a sentence, and the compact terminal timeline built from them.
 *
 * The terminal timeline has one column per task and one row per event that
 * matters (weft__tl_rows picks them). A hand-off (a task waking another, a
 * parent spawning a child) is an arrow from the actor's column to the
 * other's; the clock, the scheduler and folds span every column. Each row
 * ends with the file:line of the event and what it adds in words. Only
 * ASCII is printed, so columns line up in any terminal and in a file.
 */
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

/* ------------------------------------------------------------- words */

uint32_t weft__tl_actor(const weft__tl_event *e)
{
    switch (e->kind) {
    case WEFT__EV_WAKE:
    case WEFT__EV_SPAWN:
        return e->other;
    case WEFT__EV_CLOCK:
    case WEFT__EV_INJECT_TIMEOUT:
        return WEFT__TL_NOBODY;
    case WEFT__EV_CANCEL:
        return e->cause == WEFT__CAUSE_DEADLINE ? WEFT__TL_NOBODY : e->task;
    default:
        return e->task;
    }
}

const char *weft__tl_cause_name(unsigned cause)
{
    switch (cause) {
    case WEFT__CAUSE_EXPLICIT: return "explicit";
    case WEFT__CAUSE_DEADLINE: return "deadline";
    case WEFT__CAUSE_FAILURE: return "failure";
    case WEFT__CAUSE_INJECTED: return "injected";
    default: return "?";
    }
}

/* What a task does at a scheduling point, in a sentence and in a lane,
 * and the kind of object it touches. */
static const struct op_words {
    const char *full, *brief, *noun;
} op_words[] = {
    [WEFT__OP_NONE] = {"yield", "yield", NULL},
    [WEFT__OP_START] = {"start", "start", NULL},
    [WEFT__OP_CHECKPOINT] = {"checkpoint", "checkpoint", NULL},
    [WEFT__OP_YIELD] = {"yield", "yield", NULL},
    [WEFT__OP_SLEEP] = {"sleep", "sleep", NULL},
    [WEFT__OP_JOIN] = {"join group", "join", NULL},
    [WEFT__OP_SPAWN] = {"spawn", "spawn", NULL},
    [WEFT__OP_WAKE] = {"resume", "resume", NULL},
    [WEFT__OP_EVENT] = {"wait event", "wait event", "event"},
    [WEFT__OP_LOCK] = {"acquire lock", "acquire lock", "lock"},
    [WEFT__OP_SEMAPHORE] = {"acquire semaphore", "acquire sem", "semaphore"},
    [WEFT__OP_CONDITION] = {"wait condition", "wait cond", "condition"},
    [WEFT__OP_LIMITER] = {"acquire limiter", "acquire lim", "limiter"},
    [WEFT__OP_SEND] = {"send to stream", "send", "stream"},
    [WEFT__OP_RECV] = {"receive from stream", "recv", "stream"},
    [WEFT__OP_IDLE] = {"wait_all_tasks_blocked", "wait idle", NULL},
};

const char *weft__tl_op_name(unsigned op)
{
    return op < sizeof op_words / sizeof op_words[0] && op_words[op].full ? op_words[op].full
                                                                          : "yield";
}

const char *weft__tl_op_noun(unsigned op)
{
    return op < sizeof op_words / sizeof op_words[0] ? op_words[op].noun : NULL;
}

static const char *op_brief(unsigned op)
{
    return op < sizeof op_words / sizeof op_words[0] && op_words[op].brief ? op_words[op].brief
                                                                           : "yield";
}

void weft__tl_duration(int64_t ns, char *buf, size_t len)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t v = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;
    if (v == 0)
        snprintf(buf, len, "0");
    else if (v % 1000000000u == 0)
        snprintf(buf, len, "%s%llus", sign, (unsigned long long)(v / 1000000000u));
    else if (v >= 1000000000u)
        snprintf(buf, len, "%s%.3gs", sign, (double)v / 1e9);
    else if (v % 1000000u == 0 || v >= 1000000u)
        snprintf(buf, len, "%s%.4gms", sign, (double)v / 1e6);
    else if (v >= 1000u)
        snprintf(buf, len, "%s%.4gus", sign, (double)v / 1e3);
    else
        snprintf(buf, len, "%s%lluns", sign, (unsigned long long)v);
}

void weft__tl_task_label(const weft__timeline *tl, uint32_t id, char *buf, size_t len)
{
    if (id == WEFT__TL_NOBODY)
        snprintf(buf, len, "the clock");
    else if (id < tl->n_task)
        snprintf(buf, len, "%s (task %u)", tl->task[id].name, id);
    else
        snprintf(buf, len, "task %u", id);
}

static void status_text(int status, char *buf, size_t len)
{
    const char *name = weft_status_name(status);
    if (name)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%d", status);
}

/* "acquire lock #3", "checkpoint": what a task does at a scheduling point
 * (brief: as short as a lane needs). */
static void op_phrase(const weft__tl_event *e, bool brief, char *buf, size_t len)
{
    const char *verb = brief ? op_brief(e->op) : weft__tl_op_name(e->op);
    if (e->obj && weft__tl_op_noun(e->op))
        snprintf(buf, len, "%s #%u", verb, e->obj);
    else
        snprintf(buf, len, "%s", verb);
}

/* What the woken task of WAKE e had been waiting on ("lock #3"). */
static void woken_object(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                         size_t len)
{
    char created[160];
    buf[0] = '\0';
    if (e->ref < tl->n_ev)
        weft__tl_block_object(&tl->ev[e->ref], buf, len, created, sizeof created);
}

static void wake_label(const weft__tl_event *e, char *buf, size_t len)
{
    char st[32];
    status_text(e->status, st, sizeof st);
    if (e->status == WEFT_OK && e->among)
        snprintf(buf, len, "timer fired first");
    else if (e->status == WEFT_OK)
        snprintf(buf, len, e->other == WEFT__TL_NOBODY ? "timer fired" : "woken");
    else if (e->status == WEFT_CANCELLED)
        snprintf(buf, len, "woken: CANCELLED");
    else if (e->status == WEFT_TIMEOUT)
        snprintf(buf, len, "woken: TIMEOUT");
    else
        snprintf(buf, len, "woken: %s", st);
}

void weft__tl_label(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                    size_t len)
{
    char a[96], b[160], st[32];
    switch (e->kind) {
    case WEFT__EV_RUN:
        snprintf(buf, len, "runs");
        break;
    case WEFT__EV_YIELD:
        op_phrase(e, true, a, sizeof a);
        snprintf(buf, len, "%s%s", e->flags & WEFT__TL_PREEMPTED ? "PREEMPTED in " : "", a);
        break;
    case WEFT__EV_BLOCK:
        weft__tl_block_object(e, a, sizeof a, b, sizeof b);
        if (strcmp(a, "sleep") == 0)
            snprintf(buf, len, "sleep");
        else if (strcmp(a, "task group") == 0)
            snprintf(buf, len, "WAIT join %s", strrchr(b, ':') ? strrchr(b, ':') : "");
        else
            snprintf(buf, len, "WAIT %s", a);
        break;
    case WEFT__EV_WAKE:
        wake_label(e, buf, len);
        break;
    case WEFT__EV_SPAWN:
        snprintf(buf, len, "start");
        break;
    case WEFT__EV_DONE:
        status_text(e->status, st, sizeof st);
        if (e->status == WEFT_OK)
            snprintf(buf, len, "done");
        else if (e->status == WEFT_CANCELLED)
            snprintf(buf, len, "done: CANCELLED");
        else
            snprintf(buf, len, "FAILED: %s", st);
        break;
    case WEFT__EV_CANCEL:
        snprintf(buf, len, "CANCEL %s :%d", weft__tl_cause_name(e->cause), e->line);
        break;
    case WEFT__EV_CLOCK:
        weft__tl_duration(e->time, a, sizeof a);
        snprintf(buf, len, "clock jumps to %s", a);
        break;
    case WEFT__EV_INJECT_TIMEOUT:
        snprintf(buf, len, "INJECTED TIMEOUT: time jumps to the next timer");
        break;
    case WEFT__TL_INJECT:
        snprintf(buf, len, "INJECTED fault");
        break;
    case WEFT__TL_END:
        if (e->status == WEFT_KIND_NONE)
            snprintf(buf, len, "passed");
        else
            snprintf(buf, len, "FAIL: %s", weft_kind_name(e->status));
        break;
    default:
        snprintf(buf, len, "?");
    }
    (void)tl;
}

void weft__tl_where(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                    size_t len)
{
    const char *file = e->file;
    int line = e->line;
    if (e->kind == WEFT__EV_WAKE && !file && e->ref < tl->n_ev) {
        file = tl->ev[e->ref].file;
        line = tl->ev[e->ref].line;
    }
    if (file)
        snprintf(buf, len, "%s:%d", file, line);
    else
        buf[0] = '\0';
}

static void sentence_wake(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                          size_t len)
{
    char who[160], by[160], obj[96], st[32], where[300];
    weft__tl_task_label(tl, e->task, who, sizeof who);
    weft__tl_task_label(tl, e->other, by, sizeof by);
    woken_object(tl, e, obj, sizeof obj);
    status_text(e->status, st, sizeof st);
    weft__tl_where(tl, e, where, sizeof where);
    size_t off = (size_t)snprintf(buf, len, "%s is woken by %s%s%s%s%s%s, with %s", who, by,
                                  obj[0] ? " from its wait on " : "", obj,
                                  where[0] ? " (blocked at " : "", where, where[0] ? ")" : "", st);
    if (e->among && off < len)
        snprintf(buf + off, len - off, "; its timer fired first of %u due at the same "
                                       "instant (the scheduler's choice)", e->among);
}

static void sentence_cancel(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                            size_t len)
{
    static const char *const why[] = {
        [WEFT__CAUSE_EXPLICIT] = "an explicit cancel",
        [WEFT__CAUSE_DEADLINE] = "its deadline expired",
        [WEFT__CAUSE_FAILURE] = "a child task failed",
        [WEFT__CAUSE_INJECTED] = "injected by the scheduler",
    };
    char who[160];
    weft__tl_task_label(tl, e->task, who, sizeof who);
    size_t off = (size_t)snprintf(
        buf, len, "%s%sthe %s opened at %s:%d is cancelled (%s)",
        e->task == WEFT__TL_NOBODY ? "" : who, e->task == WEFT__TL_NOBODY ? "" : ": ",
        e->call ? e->call : "scope", e->file ? e->file : "?", e->line,
        e->cause <= WEFT__CAUSE_INJECTED ? why[e->cause] : "?");
    if (e->among && off < len)
        snprintf(buf + off, len - off, "; its deadline fired first of %u timers due at the "
                                       "same instant (the scheduler's choice)", e->among);
}

void weft__tl_sentence(const weft__timeline *tl, const weft__tl_event *e, char *buf,
                       size_t len)
{
    char who[160], other[160], a[96], where[300], st[32];
    weft__tl_task_label(tl, e->task, who, sizeof who);
    weft__tl_task_label(tl, e->other, other, sizeof other);
    weft__tl_where(tl, e, where, sizeof where);
    switch (e->kind) {
    case WEFT__EV_YIELD:
        op_phrase(e, false, a, sizeof a);
        if (e->flags & WEFT__TL_PREEMPTED)
            snprintf(buf, len, "%s reaches a scheduling point (%s) at %s; the scheduler "
                               "preempts it and runs %s", who, a, where, other);
        else
            snprintf(buf, len, "%s reaches a scheduling point (%s) at %s", who, a, where);
        break;
    case WEFT__EV_BLOCK:
        snprintf(buf, len, "%s blocks in %s at %s %s", who, e->call ? e->call : "?", where,
                 e->call && strcmp(e->call, "weft_sleep") == 0 ? "" : e->text ? e->text : "");
        break;
    case WEFT__EV_WAKE:
        sentence_wake(tl, e, buf, len);
        break;
    case WEFT__EV_SPAWN:
        snprintf(buf, len, "%s spawns %s at %s", other, who, where[0] ? where : "?");
        break;
    case WEFT__EV_DONE:
        status_text(e->status, st, sizeof st);
        snprintf(buf, len, "%s returns %s", who, st);
        break;
    case WEFT__EV_CANCEL:
        sentence_cancel(tl, e, buf, len);
        break;
    case WEFT__EV_CLOCK:
        weft__tl_duration(e->time, a, sizeof a);
        snprintf(buf, len, "virtual time jumps to %s, when the next timer is due", a);
        break;
    case WEFT__EV_INJECT_TIMEOUT:
        snprintf(buf, len, "the scheduler injects a timeout: time jumps to the next timer "
                           "while tasks can still run");
        break;
    case WEFT__TL_INJECT:
        snprintf(buf, len, "the scheduler makes a weft_inject() site in %s fail", who);
        break;
    case WEFT__TL_END:
        snprintf(buf, len, "%s%s%s: %.*s", e->status ? weft_kind_name(e->status) : "passed",
                 tl->location[0] ? " at " : "", tl->location,
                 (int)strcspn(tl->message, "\n"), tl->message);
        break;
    default:
        weft__tl_label(tl, e, buf, len);
    }
}

/* ---------------------------------------------------- terminal timeline */

enum colour { C_NONE, C_DIM, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_MAGENTA, C_CYAN, C_FAIL };

static const char *const ansi[] = {
    [C_NONE] = "", [C_DIM] = "\033[2m", [C_RED] = "\033[31m", [C_GREEN] = "\033[32m",
    [C_YELLOW] = "\033[33m", [C_BLUE] = "\033[34m", [C_MAGENTA] = "\033[35m",
    [C_CYAN] = "\033[36m", [C_FAIL] = "\033[1;31m",
};

typedef struct printer {
    const weft__timeline *tl;
    FILE *out;
    bool color;
    int w;                   /* width of a task column */
    int *state;              /* per task: 0 not started, 1 alive, 2 blocked, 3 done */
} printer;

static enum colour colour_of(const weft__tl_event *e)
{
    switch (e->kind) {
    case WEFT__EV_BLOCK: return C_RED;
    case WEFT__EV_WAKE: return e->status == WEFT_OK ? C_GREEN : C_YELLOW;
    case WEFT__EV_CANCEL: return C_YELLOW;
    case WEFT__EV_CLOCK: return C_BLUE;
    case WEFT__EV_INJECT_TIMEOUT:
    case WEFT__TL_INJECT: return C_MAGENTA;
    case WEFT__EV_DONE: return e->status == WEFT_OK ? C_NONE : C_YELLOW;
    case WEFT__TL_END: return e->status ? C_FAIL : C_GREEN;
    case WEFT__EV_YIELD: return e->flags & WEFT__TL_PREEMPTED ? C_CYAN : C_NONE;
    default: return C_NONE;
    }
}

static void paint(printer *p, enum colour c, const char *s, int n)
{
    if (n <= 0)
        return;
    if (p->color && c != C_NONE)
        fprintf(p->out, "%s%.*s\033[0m", ansi[c], n, s);
    else
        fprintf(p->out, "%.*s", n, s);
}

/* Applies event e to the lifelines. */
static void advance(printer *p, const weft__tl_event *e)
{
    uint32_t t = e->task;
    if (t >= p->tl->n_task)
        return;
    if (e->kind == WEFT__EV_SPAWN || e->kind == WEFT__EV_WAKE)
        p->state[t] = 1;
    else if (e->kind == WEFT__EV_BLOCK)
        p->state[t] = 2;
    else if (e->kind == WEFT__EV_DONE)
        p->state[t] = 3;
    else if (p->state[t] == 0)
        p->state[t] = 1;
}

/* One task column: text (truncated), padded with fill; an arrow head '>'
 * ends the padding, '<' starts it. */
static void column(printer *p, const char *text, enum colour c, char fill, char head)
{
    char buf[128];
    int w = p->w, n = (int)strlen(text);
    if (n > w - 3)
        n = w - 3;
    paint(p, c, text, n);
    int pad = w - n;
    memset(buf, fill, (size_t)pad);
    if (fill != ' ' && n > 0)
        buf[0] = ' ';
    if (head == '>' && pad >= 2)
        buf[pad - 2] = head, buf[pad - 1] = ' ';
    else if (head == '<')
        buf[n > 0 ? 1 : 0] = head;
    paint(p, fill == ' ' ? C_NONE : c, buf, pad);
}

static const char *lifeline(int state)
{
    return state == 1 ? "|" : state == 2 ? ":" : "";
}

/* The task columns of a row for event e (or a banner across them). */
static void lanes(printer *p, const weft__tl_event *e)
{
    const weft__timeline *tl = p->tl;
    uint32_t actor = weft__tl_actor(e);
    bool pair = (e->kind == WEFT__EV_WAKE || e->kind == WEFT__EV_SPAWN) &&
                actor != WEFT__TL_NOBODY && actor != e->task && e->task < tl->n_task;
    char label[200];
    weft__tl_label(tl, e, label, sizeof label);
    if (e->task >= tl->n_task && !pair) {
        char banner[256];
        int n = snprintf(banner, sizeof banner, "---- %s ", label);
        paint(p, colour_of(e), banner, n);
        for (int i = n; i < p->w * (int)tl->n_task; i++)
            paint(p, colour_of(e), "-", 1);
        return;
    }
    uint32_t lo = pair ? (actor < e->task ? actor : e->task) : e->task;
    uint32_t hi = pair ? (actor < e->task ? e->task : actor) : e->task;
    bool right = pair && actor < e->task;
    char act[64];
    snprintf(act, sizeof act, "%s #%u", e->kind == WEFT__EV_SPAWN ? "spawn" : "wake", e->task);
    for (uint32_t t = 0; t < tl->n_task; t++) {
        enum colour c = colour_of(e);
        if (t == e->task && pair && !right)
            column(p, label, c, '-', '<');
        else if (t == e->task)
            column(p, label, c, ' ', 0);
        else if (pair && t == actor)
            column(p, act, c, right ? '-' : ' ', right && t + 1 == hi ? '>' : 0);
        else if (pair && t > lo && t < hi)
            column(p, "", c, '-', right && t + 1 == hi ? '>' : 0);
        else
            column(p, lifeline(p->state[t]), C_DIM, ' ', 0);
    }
}

/* What a row adds in words after its location. */
static void detail(const weft__timeline *tl, const weft__tl_event *e, char *buf, size_t len)
{
    char a[160], b[160];
    buf[0] = '\0';
    switch (e->kind) {
    case WEFT__EV_BLOCK:
        if (e->call && strcmp(e->call, "weft_sleep") != 0)
            snprintf(buf, len, "%s %s", e->call, e->text ? e->text : "");
        break;
    case WEFT__EV_WAKE:
        woken_object(tl, e, a, sizeof a);
        weft__tl_task_label(tl, e->other, b, sizeof b);
        snprintf(buf, len, "woken by %s: its wait (%s) ends%s", b, a[0] ? a : "?",
                 e->among ? ", first of the timers due at once" : "");
        break;
    case WEFT__EV_YIELD:
        if (e->flags & WEFT__TL_PREEMPTED) {
            weft__tl_task_label(tl, e->other, a, sizeof a);
            snprintf(buf, len, "the scheduler switches to %s", a);
        }
        break;
    case WEFT__EV_SPAWN:
        weft__tl_task_label(tl, e->task, a, sizeof a);
        snprintf(buf, len, "new task %s", a);
        break;
    case WEFT__EV_CANCEL:
    case WEFT__EV_CLOCK:
        weft__tl_sentence(tl, e, buf, len);
        break;
    default:
        break;
    }
}

static void print_row(printer *p, const weft__tl_event *e, int64_t *last_time)
{
    char t[32] = "", where[300], more[600];
    if (e->time != *last_time)
        weft__tl_duration(e->time, t, sizeof t);
    *last_time = e->time;
    fprintf(p->out, "%6llu %7s  ", (unsigned long long)e->step, t);
    lanes(p, e);
    advance(p, e);
    weft__tl_where(p->tl, e, where, sizeof where);
    detail(p->tl, e, more, sizeof more);
    fprintf(p->out, " %s", where);
    if (more[0]) {
        fputs("  ", p->out);
        paint(p, C_DIM, more, (int)strlen(more));
    }
    fputc('\n', p->out);
}

static void print_fold(printer *p, const weft__tl_row *r)
{
    char banner[128];
    unsigned long long n = (unsigned long long)(r->to - r->from + 1);
    int len = snprintf(banner, sizeof banner, "... %llu step%s (%llu-%llu) ...", n,
                       n == 1 ? "" : "s", (unsigned long long)r->from,
                       (unsigned long long)r->to);
    fprintf(p->out, "%6s %7s  ", "", "");
    paint(p, C_DIM, banner, len);
    fputc('\n', p->out);
    for (size_t i = r->ev; i < r->end; i++)
        advance(p, &p->tl->ev[i]);
}

static void print_header(printer *p)
{
    const weft__timeline *tl = p->tl;
    char hash[17], head[512];
    weft__hash_hex(tl->trace_hash, hash);
    int n = snprintf(head, sizeof head, "%s: %s%s%s", tl->h.test,
                     tl->kind ? weft_kind_name(tl->kind) : "passed",
                     tl->location[0] ? " at " : "", tl->location);
    paint(p, tl->kind ? C_FAIL : C_GREEN, head, n);
    fprintf(p->out, "\n  strategy %s, seed %llu, %llu steps, %zu decisions, %zu preemptions, "
                    "schedule %s\n\n", tl->h.strategy, (unsigned long long)tl->h.seed,
            (unsigned long long)tl->steps, tl->decisions, tl->preemptions, hash);
    fprintf(p->out, "%6s %7s  ", "step", "time");
    for (uint32_t t = 0; t < tl->n_task; t++) {
        char name[64];
        snprintf(name, sizeof name, "%s", tl->task[t].name);
        column(p, name, C_NONE, ' ', 0);
    }
    fprintf(p->out, " where\n%6s %7s  ", "", "");
    for (uint32_t t = 0; t < tl->n_task; t++) {
        char id[16];
        snprintf(id, sizeof id, "#%u", t);
        column(p, id, C_DIM, ' ', 0);
    }
    fputc('\n', p->out);
}

void weft__timeline_print(const weft__timeline *tl, FILE *out, bool color)
{
    weft__tl_row *rows;
    size_t n_rows;
    printer p = {.tl = tl, .out = out, .color = color};
    p.state = calloc(tl->n_task + 1, sizeof *p.state);
    if (!p.state || weft__tl_rows(tl, 60, &rows, &n_rows) != 0) {
        free(p.state);
        fprintf(out, "weft: out of memory printing the timeline\n");
        return;
    }
    int lanes_w = 96;
    p.w = tl->n_task ? lanes_w / (int)tl->n_task : lanes_w;
    p.w = p.w < 12 ? 12 : p.w > 24 ? 24 : p.w;
    print_header(&p);
    int64_t last_time = -1;
    for (size_t i = 0; i < n_rows; i++) {
        if (rows[i].fold)
            print_fold(&p, &rows[i]);
        else
            print_row(&p, &tl->ev[rows[i].ev], &last_time);
    }
    if (tl->kind && tl->message[0]) {
        fputc('\n', out);
        paint(&p, C_FAIL, tl->message, (int)strlen(tl->message));
        fputc('\n', out);
    }
    free(rows);
    free(p.state);
}
