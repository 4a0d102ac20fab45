/*
 * html.c — the failure report: one HTML file that tells a newcomer what
 * failed, where, how to replay it, and what the tasks did.
 *
 * Order of the page, most useful first: the failure and its location; the
 * replay command with the options and seed; what happened (a deadlock's
 * wait-for graph, the key moments as sentences, the tasks and the objects
 * with their file:line); then the swimlane timelines, original and
 * minimized side by side. "What happened" reads the minimized timeline
 * when there is one: it is the same failure with less noise.
 */
#include "html.h"

#include <stdlib.h>
#include <string.h>

#include "svg.h"

/* --------------------------------------------------------------- escaping */

void weft__xml_text(FILE *out, const char *s, size_t max)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        bool starts_char = (*p & 0xc0) != 0x80;
        if (starts_char && max && ++chars > max) {
            fputs("\xe2\x80\xa6", out);
            return;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (*p < 0x20 && *p != '\n' && *p != '\t')
                fputc('?', out);
            else
                fputc(*p, out);
        }
    }
}

/* ------------------------------------------------------------ page frame */

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d232b;"
    "margin:0;background:#f6f7f9}"
    "main{max-width:1500px;margin:0 auto;padding:18px 24px 40px}"
    "h1{font-size:22px;margin:4px 0 2px}h2{font-size:17px;margin:26px 0 8px;"
    "border-bottom:1px solid #dde1e6;padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}"
    "code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:12.5px}"
    "pre{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 12px;"
    "overflow-x:auto;white-space:pre-wrap;margin:6px 0}"
    ".kind{display:inline-block;background:#d23c3c;color:#fff;border-radius:4px;"
    "padding:1px 8px;font-size:14px;vertical-align:2px;margin-right:6px}"
    ".kind.none{background:#2a9d3a}"
    ".where{color:#4b5563}.where code{color:#1d232b;background:#fff3cd;padding:1px 4px;"
    "border-radius:3px}"
    ".msg{border-left:4px solid #d23c3c}.cmd{border-left:4px solid #3465a4}"
    "table{border-collapse:collapse;background:#fff;margin:4px 0}"
    "td,th{border:1px solid #dde1e6;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef1f5;font-weight:600}"
    "table.opts td:first-child{color:#4b5563}"
    ".card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;"
    "margin:6px 0;overflow-x:auto}"
    "ol.moments li{margin:2px 0}ol.moments .st{color:#6b7280;font-size:12px}"
    ".bad{color:#b42318}.ok{color:#1e7a2e}.warn{color:#b45309}"
    ".pair{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}"
    ".pair>.col{flex:0 1 auto;min-width:0;max-width:100%}.pair>.card{flex:0 0 auto}"
    ".scroll{overflow:auto;max-height:1400px;background:#fff;border:1px solid #dde1e6;"
    "border-radius:6px}"
    ".stats{color:#4b5563;font-size:13px;margin:2px 0 6px}"
    "footer{color:#6b7280;font-size:12px;margin-top:30px}"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12.5px;color:#374151;"
    "margin:4px 0 10px}.legend span{display:inline-flex;align-items:center;gap:5px}"
    /* the timeline */
    "svg text{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:11px;fill:#1d232b}"
    "svg .lh{fill:#eef1f5;stroke:#cfd5dd}svg .ln{font-weight:700;font-size:12px}"
    "svg .li,svg .hd{fill:#6b7280}svg .hd{text-anchor:end;font-weight:600}"
    "svg .hw{text-anchor:start}"
    "svg .ll{stroke:#c4c9d0;stroke-width:1.2;fill:none}"
    "svg .run{stroke:#7ea6e0;stroke-width:7;fill:none;stroke-linecap:butt}"
    "svg .blk{stroke:#d23c3c;stroke-width:2.2;stroke-dasharray:4 3;fill:none}"
    "svg .yl{fill:#6b7280}svg .pre{fill:#fff;stroke:#0a9396;stroke-width:2}"
    "svg .bk{fill:#d23c3c}svg .sp{fill:#fff;stroke:#6b7280;stroke-width:1.5}"
    "svg .cx{stroke:#e07b00;stroke-width:2.6;fill:none}"
    "svg .inj{fill:#b5179e}svg .fail{fill:#d23c3c;stroke:#fff;stroke-width:2}"
    "svg .ar{stroke-width:1.6;fill:none}svg .ar.dash{stroke-dasharray:4 3}"
    "svg .clk{stroke:#3465a4;stroke-width:1.4;stroke-dasharray:6 3;fill:none}"
    "svg .lb,svg .bt,svg .wedge text{paint-order:stroke;stroke:#fff;stroke-width:3px;"
    "stroke-linejoin:round}"
    "svg .lb.bad,svg .bad{fill:#b42318}svg .lb.ok{fill:#1e7a2e}svg .lb.warn{fill:#b45309}"
    "svg .lb.pre{fill:#0a6e70;stroke:#fff}svg .lb.inj{fill:#8e1279}"
    "svg .strong{font-weight:700}svg .clkt{fill:#3465a4}"
    "svg .ax{text-anchor:end;fill:#6b7280}svg .tm{fill:#3465a4}svg .w{fill:#374151}"
    "svg .hb{fill:transparent}svg .r:hover .hb{fill:rgba(52,101,164,.09)}"
    "svg .fold{fill:#eceef1}svg .bi{fill:rgba(181,23,158,.13)}"
    "svg .bc{fill:rgba(224,123,0,.15)}svg .bf{fill:rgba(210,60,60,.15)}"
    "svg .bo{fill:rgba(42,157,58,.12)}"
    /* the wait-for graph */
    "svg .wnode rect{stroke-width:1.5}svg .wt rect{fill:#e8f0fb;stroke:#3465a4}"
    "svg .wo rect{fill:#fff4dc;stroke:#c98a00}svg .wnode.cyc rect{stroke:#d23c3c;"
    "stroke-width:2.5}svg .wn{text-anchor:middle;font-weight:700}"
    "svg .ws{text-anchor:middle;fill:#4b5563;font-size:10.5px}"
    "svg .wedge path{stroke:#8a8f98;stroke-width:1.6;fill:none}"
    "svg .wedge.cyc path{stroke:#d23c3c;stroke-width:2.4}"
    "svg .wedge text{text-anchor:middle;fill:#4b5563}svg .wedge.cyc text{fill:#b42318}"
    /* plots */
    "svg .axis{stroke:#9aa1ab;stroke-width:1;fill:none}svg .grid{stroke:#eceef1}"
    "svg .tick{fill:#6b7280;font-size:10.5px}.ptitle{font-weight:600;margin:2px 0 4px}";

void weft__html_head(FILE *out, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
          "<title>", out);
    weft__xml_text(out, title, 0);
    fprintf(out, "</title>\n<style>%s</style></head>\n<body><main>\n", style);
}

void weft__html_tail(FILE *out)
{
    /* The page needs no script: this one only marks it as parsed and, once
     * loaded and laid out, how long that took (tests/e2e/report.sh reads
     * both). */
    fputs("<footer>Written by weft. Hover a row, a mark or a node for its full "
          "description.</footer>\n</main>\n<script>(function(){var d=document"
          ".documentElement;d.setAttribute('data-weft','ok');addEventListener('load',"
          "function(){void document.body.offsetHeight;d.setAttribute('data-weft-ms',"
          "String(Math.round(performance.now())))})})();</script>\n</body></html>\n", out);
}

/* ---------------------------------------------------------- the failure */

static void failure_section(FILE *out, const char *cmd, const weft__timeline *tl)
{
    fprintf(out, "<h1><span class=\"kind%s\">%s</span>", tl->kind ? "" : " none",
            tl->kind ? weft_kind_name(tl->kind) : "passed");
    weft__xml_text(out, tl->h.test, 0);
    fputs("</h1>\n", out);
    if (tl->location[0]) {
        fputs("<div class=\"where\">at <code>", out);
        weft__xml_text(out, tl->location, 0);
        fputs("</code></div>\n", out);
    }
    if (tl->message[0]) {
        fputs("<pre class=\"msg\">", out);
        weft__xml_text(out, tl->message, 0);
        fputs("</pre>\n", out);
    }
    fputs("<h2>Replay it</h2>\n<pre class=\"cmd\">", out);
    weft__xml_text(out, cmd && cmd[0] ? cmd : "(no replay command given)", 0);
    fputs("</pre>\n", out);
}

static void options_table(FILE *out, const weft__timeline *tl)
{
    char hash[17];
    weft__hash_hex(tl->trace_hash, hash);
    fputs("<table class=\"opts\"><tr><td>test</td><td class=\"mono\">", out);
    weft__xml_text(out, tl->h.test, 0);
    fputs("</td><td>strategy</td><td class=\"mono\">", out);
    weft__xml_text(out, tl->h.strategy, 0);
    fprintf(out, "</td><td>seed</td><td class=\"mono\">%llu</td></tr>\n"
                 "<tr><td>max steps</td><td class=\"mono\">%llu</td>"
                 "<td>fair after</td><td class=\"mono\">%llu</td>"
                 "<td>schedule</td><td class=\"mono\">%s</td></tr>\n"
                 "<tr><td>cancel rate</td><td class=\"mono\">%g</td>"
                 "<td>timeout rate</td><td class=\"mono\">%g</td>"
                 "<td>inject rate</td><td class=\"mono\">%g</td></tr>\n"
                 "<tr><td>steps</td><td class=\"mono\">%llu</td>"
                 "<td>decisions</td><td class=\"mono\">%zu</td>"
                 "<td>preemptions / injections</td><td class=\"mono\">%zu / %zu</td></tr>"
                 "</table>\n",
            (unsigned long long)tl->h.seed, (unsigned long long)tl->h.max_steps,
            (unsigned long long)tl->h.fair_after, hash, tl->h.cancel_rate,
            tl->h.timeout_rate, tl->h.inject_rate, (unsigned long long)tl->steps,
            tl->decisions, tl->preemptions, tl->injections);
}

/* ------------------------------------------------------- what happened */

static void waits_list(FILE *out, const weft__timeline *tl)
{
    weft__tl_wait w[64];
    size_t n = weft__tl_waitfor(tl, w, 64);
    fputs("<ul>", out);
    for (size_t i = 0; i < n; i++) {
        char s[1200];
        weft__tl_sentence(tl, &tl->ev[w[i].block], s, sizeof s);
        fprintf(out, "<li class=\"%s\">", w[i].in_cycle ? "bad" : "");
        weft__xml_text(out, s, 0);
        fputs(w[i].in_cycle ? " <b>(in the cycle)</b>" : "", out);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static bool is_moment(const weft__tl_event *e)
{
    switch (e->kind) {
    case WEFT__EV_BLOCK:
    case WEFT__EV_CANCEL:
    case WEFT__EV_INJECT_TIMEOUT:
    case WEFT__TL_INJECT:
    case WEFT__TL_END:
    case WEFT__EV_CLOCK:
        return true;
    case WEFT__EV_WAKE:
        return e->status != WEFT_OK || e->other != WEFT__TL_NOBODY || e->among;
    case WEFT__EV_DONE:
        return e->status != WEFT_OK;
    case WEFT__EV_YIELD:
        return e->flags & WEFT__TL_PREEMPTED;
    default:
        return false;
    }
}

/* The last moments that matter, as sentences, oldest first. */
static void moments(FILE *out, const weft__timeline *tl)
{
    enum { MAX = 16 };
    size_t pick[MAX], n = 0, total = 0;
    for (size_t i = tl->n_ev; i > 0 && n < MAX; i--)
        if (is_moment(&tl->ev[i - 1]))
            pick[n++] = i - 1;
    for (size_t i = 0; i < tl->n_ev; i++)
        total += is_moment(&tl->ev[i]);
    if (total > n)
        fprintf(out, "<p class=\"stats\">The last %zu of %zu.</p>", n, total);
    fputs("<ol class=\"moments\">", out);
    for (size_t k = n; k > 0; k--) {
        const weft__tl_event *e = &tl->ev[pick[k - 1]];
        char s[1200], t[32];
        weft__tl_duration(e->time, t, sizeof t);
        weft__tl_sentence(tl, e, s, sizeof s);
        fprintf(out, "<li><span class=\"st\">step %llu, t=%s:</span> <span class=\"%s\">",
                (unsigned long long)e->step, t,
                e->kind == WEFT__TL_END || e->kind == WEFT__EV_BLOCK ? "bad"
                : e->kind == WEFT__EV_CANCEL || e->kind == WEFT__EV_INJECT_TIMEOUT ? "warn"
                                                                                   : "");
        weft__xml_text(out, s, 0);
        fputs("</span></li>\n", out);
    }
    fputs("</ol>\n", out);
}

static void task_end(const weft__timeline *tl, uint32_t id, char *buf, size_t len)
{
    const weft__tl_task *t = &tl->task[id];
    char obj[96], created[160];
    switch (t->state) {
    case WEFT__TL_DONE: {
        const char *name = weft_status_name(t->status);
        snprintf(buf, len, "returned %s", name ? name : "an error code");
        if (!name)
            snprintf(buf, len, "returned %d", t->status);
        break;
    }
    case WEFT__TL_BLOCKED: {
        const weft__tl_event *b = &tl->ev[t->last_block];
        weft__tl_block_object(b, obj, sizeof obj, created, sizeof created);
        snprintf(buf, len, "blocked in %s on %s at %s:%d", b->call ? b->call : "?", obj,
                 b->file ? b->file : "?", b->line);
        break;
    }
    case WEFT__TL_RUNNING:
        snprintf(buf, len, "running%s", id == tl->end_task && tl->kind ? " (where it failed)"
                                                                        : "");
        break;
    default:
        snprintf(buf, len, "runnable, not finished");
    }
}

static void tasks_table(FILE *out, const weft__timeline *tl)
{
    fputs("<table><tr><th>task</th><th>name</th><th>spawned by</th><th>at</th>"
          "<th>at the end</th></tr>\n", out);
    for (uint32_t i = 0; i < tl->n_task; i++) {
        const weft__tl_task *t = &tl->task[i];
        char end[400], by[200] = "";
        if (t->parent < tl->n_task)
            weft__tl_task_label(tl, t->parent, by, sizeof by);
        task_end(tl, i, end, sizeof end);
        fprintf(out, "<tr><td>%u</td><td><b>", i);
        weft__xml_text(out, t->name, 0);
        fputs("</b></td><td>", out);
        weft__xml_text(out, by, 0);
        fputs("</td><td class=\"mono\">", out);
        if (t->file)
            fprintf(out, "%s:%d", t->file, t->line);
        fprintf(out, "</td><td class=\"%s\">",
                t->state == WEFT__TL_BLOCKED ? "bad"
                : t->state == WEFT__TL_DONE && t->status ? "warn" : "");
        weft__xml_text(out, end, 0);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* One object tasks used or waited on, or a scope that was cancelled. */
typedef struct obj_use {
    uint32_t obj;            /* 0: keyed by what and where */
    char what[96];
    char where[160];
    char uses[600];
    size_t n_uses;
} obj_use;

static obj_use *find_use(obj_use *u, size_t *n, size_t cap, uint32_t obj, const char *what,
                         const char *where)
{
    for (size_t i = 0; i < *n; i++)
        if (obj ? u[i].obj == obj
                : !u[i].obj && strcmp(u[i].what, what) == 0 && strcmp(u[i].where, where) == 0) {
            if (!u[i].where[0])
                snprintf(u[i].where, sizeof u[i].where, "%s", where);
            return &u[i];
        }
    if (*n == cap)
        return NULL;
    obj_use *x = &u[(*n)++];
    memset(x, 0, sizeof *x);
    x->obj = obj;
    snprintf(x->what, sizeof x->what, "%s", what);
    snprintf(x->where, sizeof x->where, "%s", where);
    return x;
}

static void add_use(obj_use *x, const char *text)
{
    size_t len = strlen(x->uses);
    if (x->n_uses++ < 6 && !strstr(x->uses, text))
        snprintf(x->uses + len, sizeof x->uses - len, "%s%s", len ? "; " : "", text);
}

/* The object event e involves and what it did with it; NULL when none. */
static obj_use *use_of(const weft__timeline *tl, const weft__tl_event *e, obj_use *u,
                       size_t *n, size_t cap, char *use, size_t len)
{
    char what[96], where[160];
    const char *noun = weft__tl_op_noun(e->op);
    if (e->kind == WEFT__EV_BLOCK && (!e->call || strcmp(e->call, "weft_sleep") != 0)) {
        weft__tl_block_object(e, what, sizeof what, where, sizeof where);
        snprintf(use, len, "%s waited at %s:%d", tl->task[e->task].name,
                 e->file ? e->file : "?", e->line);
        return find_use(u, n, cap, strcmp(what, "task group") ? e->obj : 0, what, where);
    }
    if (e->kind == WEFT__EV_YIELD && noun && e->obj) {
        snprintf(what, sizeof what, "%s #%u", noun, e->obj);
        snprintf(use, len, "%s used it at %s:%d", tl->task[e->task].name,
                 e->file ? e->file : "?", e->line);
        return find_use(u, n, cap, e->obj, what, "");
    }
    if (e->kind == WEFT__EV_CANCEL) {
        snprintf(what, sizeof what, "%s", e->call ? e->call : "cancel scope");
        snprintf(where, sizeof where, "%s:%d", e->file ? e->file : "?", e->line);
        snprintf(use, len, "cancelled (%s)%s%s at step %llu", weft__tl_cause_name(e->cause),
                 e->task < tl->n_task ? " by " : "",
                 e->task < tl->n_task ? tl->task[e->task].name : "",
                 (unsigned long long)e->step);
        return find_use(u, n, cap, 0, what, where);
    }
    return NULL;
}

static void objects_table(FILE *out, const weft__timeline *tl)
{
    enum { CAP = 40 };
    obj_use *u = calloc(CAP, sizeof *u);
    size_t n = 0;
    if (!u)
        return;
    for (size_t i = 0; i < tl->n_ev; i++) {
        char use[300];
        obj_use *x = use_of(tl, &tl->ev[i], u, &n, CAP, use, sizeof use);
        if (x)
            add_use(x, use);
    }
    if (n) {
        fputs("<table><tr><th>object</th><th>created / opened at</th><th>what happened"
              "</th></tr>\n", out);
        for (size_t i = 0; i < n; i++) {
            fputs("<tr><td><b>", out);
            weft__xml_text(out, u[i].what, 0);
            fputs("</b></td><td class=\"mono\">", out);
            weft__xml_text(out, u[i].where[0] ? u[i].where : "(not recorded)", 0);
            fputs("</td><td>", out);
            weft__xml_text(out, u[i].uses, 0);
            if (u[i].n_uses > 6)
                fprintf(out, " (%zu times in all)", u[i].n_uses);
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    free(u);
}

static void what_happened(FILE *out, const weft__timeline *tl, bool from_minimized)
{
    fprintf(out, "<h2 id=\"what\">What happened%s</h2>\n",
            from_minimized ? " <small class=\"stats\">(in the minimized schedule)</small>" : "");
    if (tl->kind == WEFT_KIND_DEADLOCK) {
        fputs("<h3>Who waits for whom</h3>\n<p class=\"stats\">Every task is blocked. "
              "Arrows go from a task to the object it waits on, and from the object to "
              "the task(s) it waits for; a red loop is the deadlock.</p>\n"
              "<div class=\"card\">", out);
        weft__svg_waitfor(out, tl);
        fputs("</div>\n", out);
        waits_list(out, tl);
    }
    fputs("<h3>Key moments</h3>\n", out);
    moments(out, tl);
    fputs("<h3>Tasks</h3>\n", out);
    tasks_table(out, tl);
    fputs("<h3>Objects</h3>\n", out);
    objects_table(out, tl);
}

/* ------------------------------------------------------------ timelines */

static int timeline_column(FILE *out, const char *title, const weft__timeline *tl,
                           const char *id)
{
    char hash[17];
    weft__hash_hex(tl->trace_hash, hash);
    fprintf(out, "<div class=\"col\"><h3>%s</h3><p class=\"stats\">%llu steps, %zu "
                 "decisions, %zu preemptions, %zu injections, %zu tasks &middot; "
                 "schedule <code>%s</code></p><div class=\"scroll\">\n",
            title, (unsigned long long)tl->steps, tl->decisions, tl->preemptions,
            tl->injections, tl->n_task, hash);
    int rc = weft__svg_timeline(out, tl, id);
    fputs("</div></div>\n", out);
    return rc;
}

int weft__report_html(FILE *out, const char *replay_command,
                      const weft__timeline *original, const weft__timeline *minimized,
                      char *err, size_t err_len)
{
    if (!original) {
        snprintf(err, err_len, "no timeline to report");
        return -1;
    }
    const weft__timeline *main_tl = minimized ? minimized : original;
    char title[512];
    snprintf(title, sizeof title, "weft: %s in %s", original->kind ? weft_kind_name(original->kind)
                                                                   : "pass", original->h.test);
    weft__html_head(out, title);
    failure_section(out, replay_command, original);
    options_table(out, original);
    what_happened(out, main_tl, minimized != NULL);
    fputs("<h2 id=\"timeline\">Timeline</h2>\n<p class=\"stats\">Time flows down; one lane per task. "
          "Long stretches where nothing notable happens are folded.</p>\n", out);
    weft__svg_legend(out);
    fputs("<div class=\"pair\">\n", out);
    int rc = timeline_column(out, "Original schedule", original, "orig");
    if (rc == 0 && minimized)
        rc = timeline_column(out, "Minimized schedule", minimized, "min");
    fputs("</div>\n", out);
    weft__html_tail(out);
    if (rc != 0) {
        snprintf(err, err_len, "out of memory writing the report");
        return -1;
    }
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, err_len, "cannot write the report");
        return -1;
    }
    return 0;
}
