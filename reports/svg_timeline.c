/*
 * svg_timeline.c — the swimlane timeline of one execution as inline SVG.
 *
 * Time runs down the page, as in a sequence diagram: one lane per task,
 * one row per event that matters (weft__tl_rows, so a 10,000-step run
 * stays a few hundred rows), step and virtual time on the left, the row's
 * file:line on the right. A lane's line is thin while the task exists,
 * thick while it runs, red and dashed while it is blocked. Hand-offs are
 * arrows from the waker's lane to the woken's, wake-ups by the clock come
 * from the time axis, preemptions are dashed arrows to the task run
 * instead. Every row carries its full sentence in a <title>.
 *
 * Coordinates are integers and paths are merged per lane, to keep the
 * file small.
 */
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define RH 20      /* row height */
#define HEAD 46    /* lane titles */
#define AX 90      /* step and time columns */
#define WHERE_W 128

enum { K_GRAY, K_GREEN, K_ORANGE, K_CYAN, K_BLUE, K_RED, K_N };
static const char *const colour[K_N] = {"#8a8f98", "#2a9d3a", "#e07b00",
                                        "#0a9396", "#3465a4", "#d23c3c"};
static const char *const kname[K_N] = {"s", "g", "o", "c", "b", "r"};

typedef struct layout {
    const weft__timeline *tl;
    FILE *out;
    const char *id;
    weft__tl_row *rows;
    size_t n_rows;
    int *ev_y;        /* per event: its y (rows) or the row boundary before */
    int lw;           /* lane width */
    int width, height;
} layout;

static int lane_x(const layout *l, uint32_t t)
{
    return AX + (int)t * l->lw + 14;
}

static int row_y(size_t i)
{
    return HEAD + (int)i * RH + RH / 2;
}

static size_t label_max(const layout *l)
{
    return (size_t)((l->lw - 16) * 10 / 66); /* 6.6 px a character */
}

/* ---------------------------------------------------------------- layout */

static int place(layout *l)
{
    const weft__timeline *tl = l->tl;
    l->ev_y = malloc((tl->n_ev + 1) * sizeof *l->ev_y);
    if (!l->ev_y)
        return -1;
    for (size_t i = 0; i < tl->n_ev; i++)
        l->ev_y[i] = -1;
    for (size_t r = 0; r < l->n_rows; r++)
        for (size_t i = l->rows[r].ev; i < l->rows[r].end; i++)
            l->ev_y[i] = row_y(r);
    /* events in no row sit on the boundary before the next row */
    int next = row_y(l->n_rows);
    for (size_t i = tl->n_ev; i > 0; i--) {
        if (l->ev_y[i - 1] < 0)
            l->ev_y[i - 1] = next - RH / 2;
        else
            next = l->ev_y[i - 1];
    }
    size_t n = tl->n_task ? tl->n_task : 1;
    l->lw = n <= 3 ? 140 : n <= 6 ? 124 : 104;
    l->width = AX + (int)n * l->lw + 12 + WHERE_W;
    l->height = HEAD + (int)l->n_rows * RH + 8;
    return 0;
}

/* ------------------------------------------------------------ lane paths */

/* Vertical segments of one lane (pairs of y), touching ones merged. */
typedef struct vpath {
    int *y;
    size_t n, cap;     /* ints used and allocated (two per segment) */
} vpath;

static void vseg(vpath *p, int y1, int y2)
{
    if (y2 - y1 < 2)
        return;
    if (p->n && p->y[p->n - 1] >= y1) {
        if (y2 > p->y[p->n - 1])
            p->y[p->n - 1] = y2;
        return;
    }
    if (p->n + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        int *y = realloc(p->y, cap * sizeof *y);
        if (!y)
            return; /* a missing stretch, not a wrong one */
        p->y = y;
        p->cap = cap;
    }
    p->y[p->n++] = y1;
    p->y[p->n++] = y2;
}

static void vpath_write(FILE *out, vpath *p, int x, const char *cls)
{
    if (p->n) {
        fprintf(out, "<path class=\"%s\" d=\"", cls);
        for (size_t i = 0; i + 1 < p->n; i += 2)
            fprintf(out, "M%d %dV%d", x, p->y[i], p->y[i + 1]);
        fputs("\"/>", out);
    }
    free(p->y);
    memset(p, 0, sizeof *p);
}

/* Where task t exists, runs and waits, from every event (hidden ones too). */
typedef struct spans {
    int born, died;      /* y of its spawn and its end (-1: none yet) */
    int run_from;        /* y it started running (-1: not running) */
    int block_from;      /* y it blocked (-1: not blocked) */
    vpath run, blocked;
} spans;

static void stop_running(spans *s, int y)
{
    if (s->run_from >= 0)
        vseg(&s->run, s->run_from, y);
    s->run_from = -1;
}

static void trace_spans(const layout *l, spans *sp)
{
    const weft__timeline *tl = l->tl;
    uint32_t cur = WEFT__TL_NOBODY;
    for (size_t i = 0; i < tl->n_ev; i++) {
        const weft__tl_event *e = &tl->ev[i];
        int y = l->ev_y[i];
        uint32_t actor = weft__tl_actor(e);
        if (actor < tl->n_task && actor != cur) {
            if (cur < tl->n_task)
                stop_running(&sp[cur], y);
            cur = actor;
            sp[cur].run_from = y;
        }
        if (e->task >= tl->n_task)
            continue;
        spans *s = &sp[e->task];
        if (e->kind == WEFT__EV_SPAWN && s->born < 0)
            s->born = y;
        else if (e->kind == WEFT__EV_BLOCK) {
            stop_running(s, y);
            s->block_from = y;
        } else if (e->kind == WEFT__EV_WAKE && s->block_from >= 0) {
            vseg(&s->blocked, s->block_from, y);
            s->block_from = -1;
        } else if (e->kind == WEFT__EV_DONE) {
            stop_running(s, y);
            s->died = y;
        } else if (e->kind == WEFT__EV_YIELD && (e->flags & WEFT__TL_PREEMPTED))
            stop_running(s, y);
    }
    int end = l->height - 8;
    for (uint32_t t = 0; t < tl->n_task; t++) {
        stop_running(&sp[t], sp[t].died >= 0 ? sp[t].died : end);
        if (sp[t].block_from >= 0)
            vseg(&sp[t].blocked, sp[t].block_from, end);
    }
}

static void lane_header(const layout *l, uint32_t t)
{
    const weft__tl_task *k = &l->tl->task[t];
    int x0 = AX + (int)t * l->lw;
    fprintf(l->out, "<rect class=\"lh\" x=\"%d\" y=\"2\" width=\"%d\" height=\"%d\" rx=\"4\"/>",
            x0 + 2, l->lw - 6, HEAD - 8);
    fprintf(l->out, "<text class=\"ln\" x=\"%d\" y=\"19\"><title>", x0 + 8);
    weft__xml_text(l->out, k->name, 0);
    if (k->file)
        fprintf(l->out, " (task %u), spawned at %s:%d", t, k->file, k->line);
    fputs("</title>", l->out);
    weft__xml_text(l->out, k->name, (size_t)(l->lw - 16) / 7);
    fprintf(l->out, "</text><text class=\"li\" x=\"%d\" y=\"34\">task %u</text>", x0 + 8, t);
}

/* One <g class="lane"> per task: its title, line, running and blocked
 * stretches. */
static int lanes(const layout *l)
{
    const weft__timeline *tl = l->tl;
    spans *sp = calloc(tl->n_task + 1, sizeof *sp);
    if (!sp)
        return -1;
    for (uint32_t t = 0; t < tl->n_task; t++) {
        sp[t].born = t == 0 ? HEAD : -1;
        sp[t].died = sp[t].run_from = sp[t].block_from = -1;
    }
    trace_spans(l, sp);
    for (uint32_t t = 0; t < tl->n_task; t++) {
        int x = lane_x(l, t);
        fprintf(l->out, "<g class=\"lane\" data-task=\"%u\">", t);
        lane_header(l, t);
        int from = sp[t].born >= 0 ? sp[t].born : HEAD;
        int to = sp[t].died >= 0 ? sp[t].died : l->height - 8;
        fprintf(l->out, "<path class=\"ll\" d=\"M%d %dV%d\"/>", x, from, to);
        vpath_write(l->out, &sp[t].run, x, "run");
        vpath_write(l->out, &sp[t].blocked, x, "blk");
        fputs("</g>\n", l->out);
    }
    free(sp);
    return 0;
}

/* ------------------------------------------------------------------ rows */

static void arrow(const layout *l, int x1, int x2, int y, int k, bool dashed)
{
    int end = x2 + (x2 > x1 ? -6 : 6);
    fprintf(l->out, "<path class=\"ar%s\" stroke=\"%s\" d=\"M%d %dH%d\" "
                    "marker-end=\"url(#%s-a%s)\"/>",
            dashed ? " dash" : "", colour[k], x1, y, end, l->id, kname[k]);
}

static void label(const layout *l, int x, int y, const char *cls, const char *text,
                  size_t max)
{
    fprintf(l->out, "<text class=\"%s\" x=\"%d\" y=\"%d\">", cls, x, y);
    weft__xml_text(l->out, text, max);
    fputs("</text>", l->out);
}

/* A band across every lane, with its text at the left. */
static void band(const layout *l, int y, const char *cls, const char *text)
{
    int x0 = AX, w = (int)l->tl->n_task * l->lw;
    fprintf(l->out, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", cls,
            x0, y - RH / 2 + 2, w, RH - 4);
    label(l, x0 + 8, y + 4, "bt", text, (size_t)w / 6);
}

static int wake_colour(const weft__tl_event *e)
{
    if (e->status == WEFT_CANCELLED || e->status == WEFT_TIMEOUT)
        return K_ORANGE;
    return e->other == WEFT__TL_NOBODY ? K_BLUE : K_GREEN;
}

/* A finished task's end bar: black when it returned WEFT_OK, orange when
 * cancelled, red when it failed. Returns its label's class. */
static const char *done_mark(const layout *l, const weft__tl_event *e, int x, int y)
{
    bool ok = e->status == WEFT_OK, cancelled = e->status == WEFT_CANCELLED;
    fprintf(l->out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>",
            x - 7, y - 2, ok ? "#333" : cancelled ? colour[K_ORANGE] : colour[K_RED]);
    return ok ? "lb" : cancelled ? "lb warn" : "lb bad";
}

/* The mark of event e in its own lane at y, with its label. */
static void mark(const layout *l, const weft__tl_event *e, int y)
{
    const weft__timeline *tl = l->tl;
    int x = lane_x(l, e->task);
    char text[256];
    weft__tl_label(tl, e, text, sizeof text);
    const char *cls = "lb";
    /* the ring and the dashed arrow say "preempted"; the label says where */
    const char *shown = strncmp(text, "PREEMPTED in ", 13) == 0 ? text + 13 : text;
    switch (e->kind) {
    case WEFT__EV_YIELD:
        if (e->flags & WEFT__TL_PREEMPTED) {
            if (e->other < tl->n_task)
                arrow(l, x, lane_x(l, e->other), y, K_CYAN, true);
            fprintf(l->out, "<circle class=\"pre\" cx=\"%d\" cy=\"%d\" r=\"4\"/>", x, y);
            cls = "lb pre";
        } else {
            fprintf(l->out, "<circle class=\"yl\" cx=\"%d\" cy=\"%d\" r=\"3\"/>", x, y);
        }
        break;
    case WEFT__EV_BLOCK:
        fprintf(l->out, "<rect class=\"bk\" x=\"%d\" y=\"%d\" width=\"8\" height=\"8\"/>",
                x - 4, y - 4);
        cls = "lb bad";
        break;
    case WEFT__EV_WAKE: {
        int k = wake_colour(e);
        arrow(l, e->other < tl->n_task ? lane_x(l, e->other) : AX - 4, x, y, k, false);
        fprintf(l->out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>", x, y, colour[k]);
        cls = k == K_ORANGE ? "lb warn" : "lb ok";
        break;
    }
    case WEFT__EV_SPAWN:
        if (e->other < tl->n_task)
            arrow(l, lane_x(l, e->other), x, y, K_GRAY, false);
        fprintf(l->out, "<circle class=\"sp\" cx=\"%d\" cy=\"%d\" r=\"4\"/>", x, y);
        break;
    case WEFT__EV_DONE:
        cls = done_mark(l, e, x, y);
        break;
    case WEFT__EV_CANCEL:
        fprintf(l->out, "<path class=\"cx\" d=\"M%d %dl10 10m0 -10l-10 10\"/>", x - 5, y - 5);
        cls = "lb warn";
        break;
    case WEFT__TL_INJECT:
        fprintf(l->out, "<path class=\"inj\" d=\"M%d %dl5 5l-5 5l-5 -5z\"/>", x, y - 5);
        cls = "lb inj";
        break;
    case WEFT__TL_END:
        fprintf(l->out, "<circle class=\"fail\" cx=\"%d\" cy=\"%d\" r=\"6\"/>", x, y);
        cls = "lb bad strong";
        break;
    default:
        break;
    }
    /* above the row's arrow, if it has one */
    bool arrowed = e->kind == WEFT__EV_WAKE || e->kind == WEFT__EV_SPAWN ||
                   (e->kind == WEFT__EV_YIELD && (e->flags & WEFT__TL_PREEMPTED));
    label(l, x + 9, arrowed ? y - 3 : y + 4, cls, shown, label_max(l));
}

/* A row for an event that belongs to no lane: the clock, an injected
 * timeout, a deadline, a deadlock's end. */
static void banner(const layout *l, const weft__tl_event *e, int y)
{
    char text[512];
    weft__tl_label(l->tl, e, text, sizeof text);
    switch (e->kind) {
    case WEFT__EV_CLOCK:
        fprintf(l->out, "<path class=\"clk\" d=\"M%d %dH%d\"/>", AX - 4, y,
                AX + (int)l->tl->n_task * l->lw);
        label(l, AX + 8, y - 3, "bt clkt", text, 0);
        break;
    case WEFT__EV_INJECT_TIMEOUT:
        band(l, y, "bi", text);
        break;
    case WEFT__EV_CANCEL:
        band(l, y, "bc", text);
        break;
    case WEFT__TL_END:
        if (e->status && l->tl->location[0])
            snprintf(text + strlen(text), sizeof text - strlen(text), " at %s",
                     l->tl->location);
        band(l, y, e->status ? "bf" : "bo", text);
        break;
    default:
        band(l, y, "bo", text);
    }
}

static void axis(const layout *l, const weft__tl_event *e, int y, int64_t *last_time)
{
    fprintf(l->out, "<text class=\"ax\" x=\"38\" y=\"%d\">%llu</text>", y + 4,
            (unsigned long long)e->step);
    if (e->time != *last_time) {
        char t[32];
        weft__tl_duration(e->time, t, sizeof t);
        fprintf(l->out, "<text class=\"ax tm\" x=\"%d\" y=\"%d\">%s</text>", AX - 6, y + 4, t);
        *last_time = e->time;
    }
}

static void row(const layout *l, size_t r, int64_t *last_time)
{
    const weft__timeline *tl = l->tl;
    const weft__tl_row *w = &l->rows[r];
    int y = row_y(r);
    char text[1200], t[32];
    fprintf(l->out, "<g class=\"r\"><title>");
    if (w->fold) {
        snprintf(text, sizeof text, "steps %llu to %llu: %zu events with nothing notable "
                                    "(yields, preemptions, runs) folded",
                 (unsigned long long)w->from, (unsigned long long)w->to, w->end - w->ev);
        weft__xml_text(l->out, text, 0);
        fprintf(l->out, "</title><rect class=\"hb\" x=\"0\" y=\"%d\" width=\"%d\" "
                        "height=\"%d\"/>", y - RH / 2, l->width, RH);
        unsigned long long n = (unsigned long long)(w->to - w->from + 1);
        snprintf(text, sizeof text, "\xe2\x8b\xaf %llu step%s folded (%llu\xe2\x80\x93%llu) "
                                    "\xe2\x8b\xaf", n, n == 1 ? "" : "s",
                 (unsigned long long)w->from, (unsigned long long)w->to);
        band(l, y, "fold", text);
        fputs("</g>\n", l->out);
        return;
    }
    const weft__tl_event *e = &tl->ev[w->ev];
    weft__tl_duration(e->time, t, sizeof t);
    fprintf(l->out, "step %llu, time %s: ", (unsigned long long)e->step, t);
    weft__tl_sentence(tl, e, text, sizeof text);
    weft__xml_text(l->out, text, 0);
    fprintf(l->out, "</title><rect class=\"hb\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
            y - RH / 2, l->width, RH);
    axis(l, e, y, last_time);
    if (e->task < tl->n_task)
        mark(l, e, y);
    else
        banner(l, e, y);
    weft__tl_where(tl, e, text, sizeof text);
    if (text[0]) {
        /* the full path is in the row's title */
        const char *base = strrchr(text, '/');
        label(l, AX + (int)tl->n_task * l->lw + 12, y + 4, "w", base ? base + 1 : text,
              (WHERE_W - 10) * 10 / 66);
    }
    fputs("</g>\n", l->out);
}

static void defs(const layout *l)
{
    fputs("<defs>", l->out);
    for (int k = 0; k < K_N; k++)
        fprintf(l->out, "<marker id=\"%s-a%s\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" "
                        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                        "<path d=\"M0 0L8 4L0 8z\" fill=\"%s\"/></marker>",
                l->id, kname[k], colour[k]);
    fputs("</defs>\n", l->out);
}

static void column_heads(const layout *l)
{
    fprintf(l->out, "<text class=\"hd\" x=\"38\" y=\"26\">step</text>"
                    "<text class=\"hd\" x=\"%d\" y=\"26\">time</text>"
                    "<text class=\"hd hw\" x=\"%d\" y=\"26\">where</text>\n",
            AX - 8, AX + (int)l->tl->n_task * l->lw + 12);
}

int weft__svg_timeline(FILE *out, const weft__timeline *tl, const char *id)
{
    layout l = {.tl = tl, .out = out, .id = id};
    if (weft__tl_rows(tl, WEFT__SVG_ROW_BUDGET, &l.rows, &l.n_rows) != 0 || place(&l) != 0)
        goto out_oom;
    fprintf(out, "<svg class=\"tl\" id=\"%s\" "
                 "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"timeline: one lane per task, time flows down\">\n",
            id, l.width, l.height, l.width, l.height);
    defs(&l);
    column_heads(&l);
    if (lanes(&l) != 0)
        goto out_oom;
    int64_t last_time = -1;
    for (size_t r = 0; r < l.n_rows; r++)
        row(&l, r, &last_time);
    fputs("</svg>\n", out);
    free(l.rows);
    free(l.ev_y);
    return 0;
out_oom:
    free(l.rows);
    free(l.ev_y);
    return -1;
}

/* One legend entry: a 16x16 drawing and its words. */
static void legend_item(FILE *out, const char *svg, const char *words)
{
    fprintf(out, "<span><svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\">%s</svg>%s"
                 "</span>", svg, words);
}

void weft__svg_legend(FILE *out)
{
    char wake[160], clock[160];
    snprintf(wake, sizeof wake, "<path d=\"M1 8H15\" stroke=\"%s\" stroke-width=\"2\"/>",
             colour[K_GREEN]);
    snprintf(clock, sizeof clock, "<path d=\"M1 8H15\" stroke=\"%s\" stroke-width=\"2\"/>",
             colour[K_BLUE]);
    fputs("<div class=\"legend\">", out);
    legend_item(out, "<path class=\"run\" d=\"M8 1V15\"/>", "running");
    legend_item(out, "<path class=\"blk\" d=\"M8 0V16\"/>", "blocked");
    legend_item(out, "<circle class=\"yl\" cx=\"8\" cy=\"8\" r=\"3\"/>", "scheduling point");
    legend_item(out, "<circle class=\"pre\" cx=\"8\" cy=\"8\" r=\"4\"/>",
                "preempted (the dashed arrow points to the task run instead)");
    legend_item(out, "<rect class=\"bk\" x=\"4\" y=\"4\" width=\"8\" height=\"8\"/>", "blocks");
    legend_item(out, wake, "wakes another task (hand-off)");
    legend_item(out, clock, "woken by the clock");
    legend_item(out, "<path class=\"cx\" d=\"M3 3l10 10m0 -10l-10 10\"/>", "cancel");
    legend_item(out, "<path class=\"inj\" d=\"M8 2l6 6l-6 6l-6 -6z\"/>", "injected");
    legend_item(out, "<circle class=\"fail\" cx=\"8\" cy=\"8\" r=\"6\"/>", "failure");
    fputs("</div>\n", out);
}
