/*
 * svg_waitfor.c — the wait-for graph of a stuck execution as inline SVG.
 *
 * Nodes are the tasks blocked at the end, the objects they wait on, and
 * the tasks those objects wait for (a lock's holder, a group's running
 * children, a limiter's borrowers). Edges go task -> object ("waits at
 * file:line") and object -> task ("held by"). The tasks and objects of a
 * cycle sit on a circle, in cycle order, drawn in red: the deadlock reads
 * as a loop. Everything else is layered left to right in breadth-first
 * order from the tasks nothing waits for (usually main).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define MAX_WAITS 64
#define MAX_NODES (3 * MAX_WAITS)
#define NW 170     /* node width */
#define NH 40      /* node height */
#define COL 340    /* distance between layers (room for an edge's label) */

typedef struct node {
    bool is_task;
    uint32_t task;           /* task nodes */
    size_t wait;             /* object nodes: the first wait on it */
    bool cycle;
    int layer;
    int cx, cy;              /* centre */
} node;

typedef struct edge {
    int from, to;
    size_t wait;             /* the wait it comes from */
    bool to_object;          /* task -> object, else object -> holder */
    bool cycle;
} edge;

typedef struct graph {
    const weft__timeline *tl;
    weft__tl_wait w[MAX_WAITS];
    size_t n_w;
    node n[MAX_NODES];
    size_t n_n;
    edge e[MAX_NODES * 4];
    size_t n_e;
    int width, height;
} graph;

static int task_node(graph *g, uint32_t task)
{
    for (size_t i = 0; i < g->n_n; i++)
        if (g->n[i].is_task && g->n[i].task == task)
            return (int)i;
    if (g->n_n == MAX_NODES)
        return -1;
    g->n[g->n_n] = (node){.is_task = true, .task = task, .layer = -1};
    return (int)g->n_n++;
}

static int object_node(graph *g, size_t wi)
{
    uint32_t obj = g->w[wi].obj;
    for (size_t i = 0; i < g->n_n && obj; i++)
        if (!g->n[i].is_task && g->w[g->n[i].wait].obj == obj)
            return (int)i;
    if (g->n_n == MAX_NODES)
        return -1;
    g->n[g->n_n] = (node){.wait = wi, .layer = -1};
    return (int)g->n_n++;
}

static bool task_in_cycle(const graph *g, uint32_t task)
{
    for (size_t i = 0; i < g->n_w; i++)
        if (g->w[i].task == task)
            return g->w[i].in_cycle;
    return false;
}

static void add_edge(graph *g, int from, int to, size_t wi, bool to_object, bool cycle)
{
    if (from < 0 || to < 0 || g->n_e == sizeof g->e / sizeof g->e[0])
        return;
    g->e[g->n_e++] = (edge){from, to, wi, to_object, cycle};
}

static void build(graph *g)
{
    for (size_t i = 0; i < g->n_w; i++) {
        const weft__tl_wait *w = &g->w[i];
        int t = task_node(g, w->task);
        int o = object_node(g, i);
        add_edge(g, t, o, i, true, w->in_cycle);
        for (size_t h = 0; h < w->n_holders; h++) {
            bool cyc = w->in_cycle && task_in_cycle(g, w->holders[h]);
            add_edge(g, o, task_node(g, w->holders[h]), i, false, cyc);
        }
    }
    for (size_t i = 0; i < g->n_e; i++)
        if (g->e[i].cycle)
            g->n[g->e[i].from].cycle = g->n[g->e[i].to].cycle = true;
}

/* The cycle's nodes in order, following cycle edges from the first. */
static size_t cycle_order(const graph *g, int *order)
{
    size_t k = 0;
    int start = -1;
    for (size_t i = 0; i < g->n_n && start < 0; i++)
        if (g->n[i].cycle && g->n[i].is_task)
            start = (int)i;
    bool seen[MAX_NODES] = {false};
    for (int at = start; at >= 0 && !seen[at];) {
        seen[at] = true;
        order[k++] = at;
        int next = -1;
        for (size_t i = 0; i < g->n_e && next < 0; i++)
            if (g->e[i].cycle && g->e[i].from == at && !seen[g->e[i].to])
                next = g->e[i].to;
        at = next;
    }
    /* cycle nodes the walk missed (a second cycle) follow in any order */
    for (size_t i = 0; i < g->n_n; i++)
        if (g->n[i].cycle && !seen[i])
            order[k++] = (int)i;
    return k;
}

/* Breadth-first layers of the nodes outside the cycle; returns how many. */
static int layer(graph *g)
{
    int queue[MAX_NODES], head = 0, tail = 0, layers = 0;
    for (size_t i = 0; i < g->n_n; i++) {
        bool has_in = false;
        for (size_t k = 0; k < g->n_e; k++)
            has_in |= g->e[k].to == (int)i && !g->n[g->e[k].from].cycle;
        if (!g->n[i].cycle && !has_in) {
            g->n[i].layer = 0;
            queue[tail++] = (int)i;
        }
    }
    while (head < tail) {
        int at = queue[head++];
        if (g->n[at].layer + 1 > layers)
            layers = g->n[at].layer + 1;
        for (size_t k = 0; k < g->n_e; k++) {
            int to = g->e[k].to;
            if (g->e[k].from != at || g->n[to].cycle || g->n[to].layer >= 0)
                continue;
            g->n[to].layer = g->n[at].layer + 1;
            queue[tail++] = to;
        }
    }
    for (size_t i = 0; i < g->n_n; i++)
        if (!g->n[i].cycle && g->n[i].layer < 0)
            g->n[i].layer = 0;
    return layers ? layers : (g->n_n ? 1 : 0);
}

static void place(graph *g)
{
    int layers = layer(g), per[MAX_NODES] = {0}, bottom = 0;
    bool any_outside = false;
    for (size_t i = 0; i < g->n_n; i++) {
        node *n = &g->n[i];
        if (n->cycle)
            continue;
        any_outside = true;
        n->cx = 24 + NW / 2 + n->layer * COL;
        n->cy = 34 + NH / 2 + per[n->layer]++ * (NH + 34);
        if (n->cy + NH / 2 > bottom)
            bottom = n->cy + NH / 2;
    }
    int order[MAX_NODES];
    size_t k = cycle_order(g, order);
    int right = any_outside ? 24 + layers * COL - (COL - NW) : 0;
    if (k) {
        double r = k <= 2 ? 90 : fmax(100, (NW + 30) * k / (2 * M_PI) * 0.9);
        int cx = right + 110 + (int)r + NW / 2, cy = 30 + (int)r + NH / 2;
        for (size_t i = 0; i < k; i++) {
            double a = -M_PI / 2 + 2 * M_PI * (double)i / (double)k;
            g->n[order[i]].cx = cx + (int)lround(r * cos(a) * 1.25);
            g->n[order[i]].cy = cy + (int)lround(r * sin(a));
        }
        right = cx + (int)(r * 1.25) + NW / 2;
        if (cy + (int)r + NH / 2 > bottom)
            bottom = cy + (int)r + NH / 2;
    }
    g->width = right + 30;
    g->height = bottom + 40;
}

/* ---------------------------------------------------------------- drawing */

/* Moves (*x, *y) from a node's centre towards (tx, ty) onto its border. */
static void clip(int *x, int *y, int tx, int ty)
{
    double dx = tx - *x, dy = ty - *y;
    double sx = dx ? (NW / 2.0 + 3) / fabs(dx) : 1e9, sy = dy ? (NH / 2.0 + 3) / fabs(dy) : 1e9;
    double s = fmin(fmin(sx, sy), 1.0);
    *x += (int)lround(dx * s);
    *y += (int)lround(dy * s);
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void edge_label(const graph *g, const edge *e, char *buf, size_t len)
{
    const weft__tl_wait *w = &g->w[e->wait];
    const weft__tl_event *b = &g->tl->ev[w->block];
    if (e->to_object)
        snprintf(buf, len, "waits at %s:%d", b->file ? basename_of(b->file) : "?", b->line);
    else if (b->text && strstr(b->text, "held by"))
        snprintf(buf, len, "held by");
    else if (b->text && strstr(b->text, "running:"))
        snprintf(buf, len, "still running");
    else if (b->text && strstr(b->text, "borrowed by"))
        snprintf(buf, len, "borrowed by");
    else
        snprintf(buf, len, "waits for");
}

/* The edge's line: straight on the cycle; elsewhere leaving the source to
 * the right and bending towards the target, so that it goes round the
 * circle rather than through it. Sets the label position. */
static void draw_edge(FILE *out, const graph *g, const edge *e, int *lx, int *ly)
{
    const node *a = &g->n[e->from], *b = &g->n[e->to];
    int x1 = a->cx, y1 = a->cy, x2 = b->cx, y2 = b->cy;
    fprintf(out, "<g class=\"wedge%s\">", e->cycle ? " cyc" : "");
    if (e->cycle || abs(y2 - y1) < NH || x2 < x1) {
        clip(&x1, &y1, b->cx, b->cy);
        clip(&x2, &y2, a->cx, a->cy);
        fprintf(out, "<path d=\"M%d %dL%d %d\"", x1, y1, x2, y2);
        *lx = (x1 + x2) / 2;
        *ly = (y1 + y2) / 2 - 5;
    } else {
        x1 += NW / 2 + 2;
        int qx = x1 + 50, qy = y2;
        clip(&x2, &y2, qx, qy);
        fprintf(out, "<path d=\"M%d %dQ%d %d %d %d\"", x1, y1, qx, qy, x2, y2);
        *lx = x2 - 60;
        *ly = y2 - 6;
    }
    fprintf(out, " marker-end=\"url(#wf-a%s)\"/></g>\n", e->cycle ? "r" : "s");
}

static void draw_edge_label(FILE *out, const graph *g, const edge *e, int x, int y)
{
    char text[300];
    edge_label(g, e, text, sizeof text);
    fprintf(out, "<g class=\"wedge%s\"><text x=\"%d\" y=\"%d\">", e->cycle ? " cyc" : "",
            x, y);
    weft__xml_text(out, text, 0);
    fputs("</text></g>\n", out);
}

static void task_text(const graph *g, const node *n, FILE *out)
{
    const weft__timeline *tl = g->tl;
    const weft__tl_task *t = &tl->task[n->task];
    char sub[200];
    const char *state = t->state == WEFT__TL_DONE ? "finished"
                        : t->state == WEFT__TL_BLOCKED ? "blocked" : "can run";
    snprintf(sub, sizeof sub, "task %u \xc2\xb7 %s", n->task, state);
    fprintf(out, "<title>");
    weft__xml_text(out, t->name, 0);
    fprintf(out, " (task %u), %s", n->task, state);
    if (t->state == WEFT__TL_BLOCKED && t->last_block != SIZE_MAX) {
        char s[1200];
        weft__tl_sentence(tl, &tl->ev[t->last_block], s, sizeof s);
        fputs(": ", out);
        weft__xml_text(out, s, 0);
    }
    fprintf(out, "</title><text class=\"wn\" x=\"%d\" y=\"%d\">", n->cx, n->cy - 3);
    weft__xml_text(out, t->name, 24);
    fprintf(out, "</text><text class=\"ws\" x=\"%d\" y=\"%d\">", n->cx, n->cy + 12);
    weft__xml_text(out, sub, 30);
    fputs("</text>", out);
}

static void object_text(const graph *g, const node *n, FILE *out)
{
    const weft__tl_wait *w = &g->w[n->wait];
    char sub[200];
    snprintf(sub, sizeof sub, "%s %s", strcmp(w->object, "task group") == 0 ? "opened" : "created",
             w->created[0] ? basename_of(w->created) : "?");
    fprintf(out, "<title>");
    weft__xml_text(out, w->object, 0);
    fprintf(out, ", %s at ", strcmp(w->object, "task group") == 0 ? "opened" : "created");
    weft__xml_text(out, w->created[0] ? w->created : "?", 0);
    fprintf(out, "</title><text class=\"wn\" x=\"%d\" y=\"%d\">", n->cx, n->cy - 3);
    weft__xml_text(out, w->object, 24);
    fprintf(out, "</text><text class=\"ws\" x=\"%d\" y=\"%d\">", n->cx, n->cy + 12);
    weft__xml_text(out, sub, 30);
    fputs("</text>", out);
}

static void draw_node(FILE *out, const graph *g, const node *n)
{
    fprintf(out, "<g class=\"wnode %s%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                 "rx=\"%d\"/>",
            n->is_task ? "wt" : "wo", n->cycle ? " cyc" : "", n->cx - NW / 2, n->cy - NH / 2,
            NW, NH, n->is_task ? 5 : 18);
    if (n->is_task)
        task_text(g, n, out);
    else
        object_text(g, n, out);
    fputs("</g>\n", out);
}

int weft__svg_waitfor(FILE *out, const weft__timeline *tl)
{
    graph *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    g->tl = tl;
    g->n_w = weft__tl_waitfor(tl, g->w, MAX_WAITS);
    if (!g->n_w) {
        free(g);
        return 0;
    }
    build(g);
    place(g);
    fprintf(out, "<svg class=\"wf\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "role=\"img\" aria-label=\"wait-for graph\"><defs>",
            g->width, g->height, g->width, g->height);
    fputs("<marker id=\"wf-ar\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"8\" "
          "markerHeight=\"8\" orient=\"auto\"><path d=\"M0 0L8 4L0 8z\" fill=\"#d23c3c\"/>"
          "</marker><marker id=\"wf-as\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" "
          "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0 0L8 4L0 8z\" "
          "fill=\"#8a8f98\"/></marker></defs>\n", out);
    int lx[sizeof g->e / sizeof g->e[0]], ly[sizeof g->e / sizeof g->e[0]];
    for (size_t i = 0; i < g->n_e; i++)
        draw_edge(out, g, &g->e[i], &lx[i], &ly[i]);
    for (size_t i = 0; i < g->n_n; i++)
        draw_node(out, g, &g->n[i]);
    for (size_t i = 0; i < g->n_e; i++)
        draw_edge_label(out, g, &g->e[i], lx[i], ly[i]);
    fputs("</svg>\n", out);
    int n = (int)g->n_w;
    free(g);
    return n;
}
