/*
 * campaign.c — the campaign page: what one exploration campaign did and
 * found, and where it stands in its test's history, from the store.
 *
 * Read only, from what schema 1 keeps: campaign totals (executions,
 * failing executions, start and end), the failures hit per campaign, and
 * the kept schedules with when and by which strategy each was found. The
 * store has no samples taken during a campaign, so executions are plotted
 * per campaign over the test's history, and failures at the time their
 * first schedule was found.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "store_int.h"
#include "svg.h"

/* ------------------------------------------------------------- the data */

typedef struct found {
    int64_t id;
    char kind[32];
    char location[256];
    char message[512];      /* the first line */
    int64_t hits, total_hits;
    double here;            /* when first found in this campaign (epoch s), NAN */
    char here_strategy[64];
    double first;           /* when first found at all */
    char first_strategy[64];
    int64_t first_campaign;
} found;

typedef struct past {
    int64_t id;
    double started, ended;
    char strategy[64];
    int64_t executions, failing, distinct;
} past;

typedef struct page {
    weft__store *s;
    int64_t id, test_id;
    char uuid[40], test[128], host[128], strategy[64], build[1024];
    char started_s[32], ended_s[32];
    char *options;
    double started, ended;
    int64_t executions, failing, pid;
    found *f;
    size_t n_f;
    past *p;
    size_t n_p;
    found *all;             /* every failure of the test (first seen) */
    size_t n_all;
} page;

static double epoch(const unsigned char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!text || sscanf((const char *)text, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return NAN;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static int load_campaign(page *pg, char *err, size_t err_len)
{
    sqlite3_stmt *st = weft__store_prepare(
        pg->s, "SELECT c.id, c.uuid, t.name, c.test_id, c.started, c.ended, c.host, c.pid,"
               " c.strategy, c.options, c.executions, c.failures, b.path"
               " FROM campaigns c JOIN tests t ON t.id = c.test_id"
               " LEFT JOIN builds b ON b.id = c.build_id"
               " WHERE c.id = ?1 OR (?1 = 0 AND c.id = (SELECT id FROM campaigns"
               " ORDER BY started DESC, id DESC LIMIT 1))", err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, pg->id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        pg->id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, pg->uuid, sizeof pg->uuid);
        copy_col(st, 2, pg->test, sizeof pg->test);
        pg->test_id = sqlite3_column_int64(st, 3);
        copy_col(st, 4, pg->started_s, sizeof pg->started_s);
        copy_col(st, 5, pg->ended_s, sizeof pg->ended_s);
        pg->started = epoch(sqlite3_column_text(st, 4));
        pg->ended = epoch(sqlite3_column_text(st, 5));
        copy_col(st, 6, pg->host, sizeof pg->host);
        pg->pid = sqlite3_column_int64(st, 7);
        copy_col(st, 8, pg->strategy, sizeof pg->strategy);
        const unsigned char *o = sqlite3_column_text(st, 9);
        pg->options = strdup(o ? (const char *)o : "");
        pg->executions = sqlite3_column_int64(st, 10);
        pg->failing = sqlite3_column_int64(st, 11);
        copy_col(st, 12, pg->build, sizeof pg->build);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW && pg->options)
        return 0;
    if (rc == SQLITE_DONE && pg->id)
        snprintf(err, err_len, "%s: no campaign %lld", weft__store_path(pg->s),
                 (long long)pg->id);
    else if (rc == SQLITE_DONE)
        snprintf(err, err_len, "%s: no campaigns recorded", weft__store_path(pg->s));
    else
        weft__store_err(pg->s, err, err_len, "reading the campaign");
    return -1;
}

/* Runs st (bound by the caller) and appends one found per row. */
static int load_found(page *pg, sqlite3_stmt *st, found **out, size_t *n, char *err,
                      size_t err_len)
{
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            found *f = realloc(*out, cap * sizeof *f);
            if (!f)
                break;
            *out = f;
        }
        found *f = &(*out)[(*n)++];
        memset(f, 0, sizeof *f);
        f->id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, f->kind, sizeof f->kind);
        copy_col(st, 2, f->location, sizeof f->location);
        copy_col(st, 3, f->message, sizeof f->message);
        f->message[strcspn(f->message, "\n")] = '\0';
        f->hits = sqlite3_column_int64(st, 4);
        f->total_hits = sqlite3_column_int64(st, 5);
        f->here = epoch(sqlite3_column_text(st, 6));
        copy_col(st, 7, f->here_strategy, sizeof f->here_strategy);
        f->first = epoch(sqlite3_column_text(st, 8));
        copy_col(st, 9, f->first_strategy, sizeof f->first_strategy);
        f->first_campaign = sqlite3_column_int64(st, 10);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    weft__store_err(pg->s, err, err_len, "reading failures");
    return -1;
}

#define FIRST_COLUMNS                                                         \
    " (SELECT coalesce(sum(hits), 0) FROM failure_hits WHERE failure_id = f.id)," \
    " (SELECT min(found) FROM schedules s WHERE s.failure_id = f.id"         \
    "  AND s.campaign_uuid = ?1),"                                           \
    " (SELECT strategy FROM schedules s WHERE s.failure_id = f.id"           \
    "  AND s.campaign_uuid = ?1 ORDER BY found, id LIMIT 1),"                \
    " coalesce((SELECT min(found) FROM schedules s WHERE s.failure_id = f.id),"   \
    "  f.first_seen),"                                                       \
    " (SELECT strategy FROM schedules s WHERE s.failure_id = f.id"           \
    "  ORDER BY found, id LIMIT 1),"                                         \
    " (SELECT c2.id FROM schedules s JOIN campaigns c2 ON c2.uuid = s.campaign_uuid" \
    "  WHERE s.failure_id = f.id ORDER BY s.found, s.id LIMIT 1)"

static int load_failures(page *pg, char *err, size_t err_len)
{
    sqlite3_stmt *st = weft__store_prepare(
        pg->s, "SELECT f.id, f.kind, f.location, f.message, h.hits," FIRST_COLUMNS
               " FROM failure_hits h JOIN failures f ON f.id = h.failure_id"
               " WHERE h.campaign_uuid = ?1 ORDER BY 7, f.id", err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, pg->uuid, -1, SQLITE_STATIC);
    if (load_found(pg, st, &pg->f, &pg->n_f, err, err_len) != 0)
        return -1;
    st = weft__store_prepare(
        pg->s, "SELECT f.id, f.kind, f.location, f.message, 0," FIRST_COLUMNS
               " FROM failures f WHERE f.test_id = ?2 ORDER BY 9, f.id", err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, pg->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, pg->test_id);
    return load_found(pg, st, &pg->all, &pg->n_all, err, err_len);
}

static int load_history(page *pg, char *err, size_t err_len)
{
    sqlite3_stmt *st = weft__store_prepare(
        pg->s, "SELECT id, started, ended, strategy, executions, failures,"
               " (SELECT count(*) FROM failure_hits WHERE campaign_uuid = c.uuid)"
               " FROM campaigns c WHERE test_id = ?1 ORDER BY started, id", err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, pg->test_id);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (pg->n_p == cap) {
            cap = cap ? cap * 2 : 16;
            past *p = realloc(pg->p, cap * sizeof *p);
            if (!p)
                break;
            pg->p = p;
        }
        past *p = &pg->p[pg->n_p++];
        p->id = sqlite3_column_int64(st, 0);
        p->started = epoch(sqlite3_column_text(st, 1));
        p->ended = epoch(sqlite3_column_text(st, 2));
        copy_col(st, 3, p->strategy, sizeof p->strategy);
        p->executions = sqlite3_column_int64(st, 4);
        p->failing = sqlite3_column_int64(st, 5);
        p->distinct = sqlite3_column_int64(st, 6);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    weft__store_err(pg->s, err, err_len, "reading the campaigns");
    return -1;
}

/* ----------------------------------------------------------------- plots */

typedef struct plot {
    FILE *out;
    int w, h;                /* whole drawing */
    int l, r, t, b;          /* margins */
    double x0, x1, y0, y1;
    bool dates;              /* x is epoch seconds: label as clock times */
} plot;

static double px(const plot *p, double x)
{
    return p->l + (x - p->x0) / (p->x1 - p->x0) * (p->w - p->l - p->r);
}

static double py(const plot *p, double y)
{
    return p->h - p->b - (y - p->y0) / (p->y1 - p->y0) * (p->h - p->t - p->b);
}

/* A round tick step for range; never below 1 (counts and whole seconds). */
static double nice_step(double range)
{
    double raw = range / 5, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    return step < 1 ? 1 : step;
}

static void tick_text(const plot *p, double v, bool x, char *buf, size_t len)
{
    if (!x || !p->dates) {
        snprintf(buf, len, "%.10g", v);
        return;
    }
    time_t t = (time_t)v;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, p->x1 - p->x0 > 2 * 86400 ? "%m-%d" : "%H:%M:%S", &tm);
}

static void axes(const plot *p, const char *xlabel, const char *ylabel)
{
    FILE *out = p->out;
    char t[32];
    double sx = nice_step(p->x1 - p->x0), sy = nice_step(p->y1 - p->y0);
    for (double y = ceil(p->y0 / sy) * sy; y <= p->y1 + 1e-9; y += sy) {
        tick_text(p, y, false, t, sizeof t);
        fprintf(out, "<path class=\"grid\" d=\"M%d %.1fH%d\"/><text class=\"tick\" "
                     "x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                p->l, py(p, y), p->w - p->r, p->l - 5, py(p, y) + 4, t);
    }
    for (double x = ceil(p->x0 / sx) * sx; x <= p->x1 + 1e-9; x += sx) {
        tick_text(p, x, true, t, sizeof t);
        fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                     "</text>", px(p, x), p->h - p->b + 15, t);
    }
    fprintf(out, "<path class=\"axis\" d=\"M%d %dV%dH%d\"/>", p->l, p->t, p->h - p->b,
            p->w - p->r);
    fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
            (p->l + p->w - p->r) / 2, p->h - 6, xlabel);
    fprintf(out, "<text class=\"tick\" x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
                 "text-anchor=\"middle\">%s</text>\n",
            (p->t + p->h - p->b) / 2, (p->t + p->h - p->b) / 2, ylabel);
}

static void plot_open(plot *p, FILE *out, double x0, double x1, double y1, bool dates)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->w = 580;
    p->h = 260;
    p->l = 56;
    p->r = 36;
    p->t = 16;
    p->b = 40;
    p->dates = dates;
    p->x0 = x0;
    p->x1 = x1 > x0 + 10 ? x1 : x0 + 10; /* the store's times are whole seconds */
    p->y0 = 0;
    p->y1 = y1 > 0 ? y1 * 1.1 : 1;
    fprintf(out, "<svg class=\"plot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "role=\"img\">", p->w, p->h, p->w, p->h);
}

static const char *strategy_colour(const char *s)
{
    static const struct { const char *name, *colour; } known[] = {
        {"random", "#3465a4"}, {"pct", "#e07b00"}, {"pos", "#2a9d3a"},
        {"dfs", "#b5179e"}, {"auto", "#6b7280"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strncmp(s, known[i].name, strlen(known[i].name)) == 0)
            return known[i].colour;
    return "#374151";
}

/* A cumulative step line through the failures' times, a dot per failure
 * coloured by the strategy that found it. */
static void failure_steps(const plot *p, const found *f, size_t n, bool here,
                          double origin)
{
    FILE *out = p->out;
    double count = 0;
    fprintf(out, "<path d=\"M%.1f %.1f", px(p, p->x0), py(p, 0));
    for (size_t i = 0; i < n; i++) {
        double t = (here ? f[i].here : f[i].first) - origin;
        if (isnan(t))
            continue;
        fprintf(out, "H%.1fV%.1f", px(p, t), py(p, ++count));
    }
    fprintf(out, "H%.1f\" stroke=\"#6b7280\" stroke-width=\"1.5\" fill=\"none\"/>",
            px(p, p->x1));
    count = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (here ? f[i].here : f[i].first) - origin;
        const char *s = here ? f[i].here_strategy : f[i].first_strategy;
        if (isnan(t))
            continue;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>failure "
                     "%lld (%s at ", px(p, t), py(p, ++count), strategy_colour(s),
                (long long)f[i].id, f[i].kind);
        weft__xml_text(out, f[i].location, 0);
        fputs(") found by ", out);
        weft__xml_text(out, s[0] ? s : "?", 0);
        fputs("</title></circle>", out);
    }
}

static double time_span(const found *f, size_t n, bool here, double *lo)
{
    double hi = *lo;
    for (size_t i = 0; i < n; i++) {
        double t = here ? f[i].here : f[i].first;
        if (isnan(t))
            continue;
        if (isnan(*lo) || t < *lo)
            *lo = t;
        if (isnan(hi) || t > hi)
            hi = t;
    }
    return hi;
}

static void plot_found_here(FILE *out, const page *pg)
{
    plot p;
    double lo = pg->started, hi = time_span(pg->f, pg->n_f, true, &lo);
    if (!isnan(pg->ended) && (isnan(hi) || pg->ended > hi))
        hi = pg->ended;
    if (isnan(lo))
        lo = hi = 0;
    fputs("<div class=\"card\"><div class=\"ptitle\">Distinct failures found during this "
          "campaign</div>", out);
    plot_open(&p, out, 0, hi - lo, (double)pg->n_f, false);
    axes(&p, "seconds since the campaign started", "distinct failures");
    failure_steps(&p, pg->f, pg->n_f, true, lo);
    fputs("</svg></div>\n", out);
}

static void plot_history(FILE *out, const page *pg)
{
    plot p;
    double total = 0, lo = NAN, hi = NAN;
    for (size_t i = 0; i < pg->n_p; i++) {
        total += (double)pg->p[i].executions;
        double t = isnan(pg->p[i].ended) ? pg->p[i].started : pg->p[i].ended;
        lo = isnan(lo) || pg->p[i].started < lo ? pg->p[i].started : lo;
        hi = isnan(hi) || t > hi ? t : hi;
    }
    if (isnan(lo))
        lo = hi = 0;
    fputs("<div class=\"card\"><div class=\"ptitle\">Executions over time, all campaigns "
          "of this test</div>", out);
    plot_open(&p, out, lo, hi, total, true);
    axes(&p, "campaign end (UTC)", "executions (cumulative)");
    double sum = 0;
    fprintf(out, "<path d=\"M%.1f %.1f", px(&p, lo), py(&p, 0));
    for (size_t i = 0; i < pg->n_p; i++) {
        double t = isnan(pg->p[i].ended) ? pg->p[i].started : pg->p[i].ended;
        sum += (double)pg->p[i].executions;
        fprintf(out, "L%.1f %.1f", px(&p, t), py(&p, sum));
    }
    fputs("\" stroke=\"#3465a4\" stroke-width=\"1.5\" fill=\"none\"/>", out);
    sum = 0;
    for (size_t i = 0; i < pg->n_p; i++) {
        const past *c = &pg->p[i];
        double t = isnan(c->ended) ? c->started : c->ended;
        sum += (double)c->executions;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"#1d232b\" "
                     "stroke-width=\"%d\"><title>campaign %lld (%s): %lld executions, %lld "
                     "failing, %lld distinct failures</title></circle>",
                px(&p, t), py(&p, sum), c->id == pg->id ? 7 : 4,
                strategy_colour(c->strategy), c->id == pg->id ? 2 : 0, (long long)c->id,
                c->strategy, (long long)c->executions, (long long)c->failing,
                (long long)c->distinct);
    }
    fputs("</svg></div>\n", out);
}

/* Executions and distinct schedules over the campaign's own time, from its
 * progress samples (schema 2; none for an older store or a short run). */
static void plot_progress(FILE *out, const page *pg)
{
    sqlite3 *db = weft__store_db(pg->s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT t_s, executions, distinct_schedules, failing FROM"
                               " campaign_progress WHERE campaign_uuid = ?1 ORDER BY t_s",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_bind_text(st, 1, pg->uuid, -1, SQLITE_STATIC);
    double t[512], ex[512], di[512], tmax = 0, emax = 0;
    size_t n = 0;
    while (n < 512 && sqlite3_step(st) == SQLITE_ROW) {
        t[n] = sqlite3_column_double(st, 0);
        ex[n] = (double)sqlite3_column_int64(st, 1);
        di[n] = (double)sqlite3_column_int64(st, 2);
        tmax = t[n] > tmax ? t[n] : tmax;
        emax = ex[n] > emax ? ex[n] : emax;
        n++;
    }
    sqlite3_finalize(st);
    if (n == 0)
        return;
    plot p;
    fputs("<div class=\"card\"><div class=\"ptitle\">Executions (blue) and distinct schedules "
          "(green) during this campaign</div>", out);
    plot_open(&p, out, 0, tmax, emax, false);
    axes(&p, "seconds since the campaign started", "count");
    const double *ys[2] = {ex, di};
    const char *colour[2] = {"#3465a4", "#2a9d3a"};
    for (int k = 0; k < 2; k++) {
        fprintf(out, "<path d=\"M%.1f %.1f", px(&p, 0), py(&p, 0));
        for (size_t i = 0; i < n; i++)
            fprintf(out, "L%.1f %.1f", px(&p, t[i]), py(&p, ys[k][i]));
        fprintf(out, "\" stroke=\"%s\" stroke-width=\"1.5\" fill=\"none\"/>", colour[k]);
    }
    for (size_t i = 0; i < n; i++)
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#3465a4\"><title>"
                     "%.1f s: %.0f executions, %.0f distinct schedules</title></circle>",
                px(&p, t[i]), py(&p, ex[i]), t[i], ex[i], di[i]);
    fputs("</svg></div>\n", out);
}

static void plot_found_ever(FILE *out, const page *pg)
{
    plot p;
    double lo = NAN, hi = time_span(pg->all, pg->n_all, false, &lo);
    if (isnan(lo))
        lo = hi = 0;
    fputs("<div class=\"card\"><div class=\"ptitle\">Distinct failures of this test, by "
          "when they were first found</div>", out);
    plot_open(&p, out, lo, hi, (double)pg->n_all, true);
    axes(&p, "first found (UTC)", "distinct failures");
    failure_steps(&p, pg->all, pg->n_all, false, 0);
    fputs("</svg></div>\n", out);
}

/* ---------------------------------------------------------------- tables */

static void summary(FILE *out, const page *pg)
{
    size_t fresh = 0;
    for (size_t i = 0; i < pg->n_f; i++)
        fresh += pg->f[i].first_campaign == pg->id;
    fprintf(out, "<h1>Campaign %lld &middot; ", (long long)pg->id);
    weft__xml_text(out, pg->test, 0);
    fputs("</h1>\n<table class=\"opts\"><tr><td>strategy</td><td class=\"mono\">", out);
    weft__xml_text(out, pg->strategy, 0);
    fprintf(out, "</td><td>executions</td><td class=\"mono\">%lld</td>"
                 "<td>failing executions</td><td class=\"mono\">%lld</td></tr>\n"
                 "<tr><td>started</td><td class=\"mono\">%s</td><td>ended</td>"
                 "<td class=\"mono\">%s</td><td>distinct failures (new)</td>"
                 "<td class=\"mono\">%zu (%zu)</td></tr>\n<tr><td>host, pid</td>"
                 "<td class=\"mono\">",
            (long long)pg->executions, (long long)pg->failing, pg->started_s,
            pg->ended_s[0] ? pg->ended_s : "(still running or killed)", pg->n_f, fresh);
    weft__xml_text(out, pg->host, 0);
    fprintf(out, ", %lld</td><td>build</td><td class=\"mono\" colspan=\"3\">",
            (long long)pg->pid);
    weft__xml_text(out, pg->build, 0);
    fputs("</td></tr>\n<tr><td>options</td><td class=\"mono\" colspan=\"5\">", out);
    weft__xml_text(out, pg->options, 0);
    fputs("</td></tr></table>\n", out);
}

static void when(FILE *out, double t, const char *strategy)
{
    char buf[32] = "?";
    if (!isnan(t)) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    }
    fprintf(out, "%s by <span style=\"color:%s\">", buf, strategy_colour(strategy));
    weft__xml_text(out, strategy[0] ? strategy : "?", 0);
    fputs("</span>", out);
}

static void failures_table(FILE *out, const page *pg)
{
    if (!pg->n_f) {
        fputs("<p>No failure was found in this campaign.</p>\n", out);
        return;
    }
    fputs("<table><tr><th>failure</th><th>kind</th><th>where</th><th>hits here / in all"
          "</th><th>found here</th><th>first found</th><th>message</th></tr>\n", out);
    for (size_t i = 0; i < pg->n_f; i++) {
        const found *f = &pg->f[i];
        fprintf(out, "<tr><td>%lld%s</td><td class=\"bad\">", (long long)f->id,
                f->first_campaign == pg->id ? " <b>new</b>" : "");
        weft__xml_text(out, f->kind, 0);
        fputs("</td><td class=\"mono\">", out);
        weft__xml_text(out, f->location, 0);
        fprintf(out, "</td><td>%lld / %lld</td><td>", (long long)f->hits,
                (long long)f->total_hits);
        if (isnan(f->here))
            fputs("(no schedule kept from this campaign)", out);
        else
            when(out, f->here, f->here_strategy);
        fputs("</td><td>", out);
        when(out, f->first, f->first_strategy);
        if (f->first_campaign)
            fprintf(out, " in campaign %lld", (long long)f->first_campaign);
        fputs("</td><td>", out);
        weft__xml_text(out, f->message, 160);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void history_table(FILE *out, const page *pg)
{
    fputs("<table><tr><th>campaign</th><th>started (UTC)</th><th>strategy</th>"
          "<th>executions</th><th>failing</th><th>distinct failures</th></tr>\n", out);
    size_t from = pg->n_p > 50 ? pg->n_p - 50 : 0;
    for (size_t i = pg->n_p; i > from; i--) {
        const past *c = &pg->p[i - 1];
        char buf[32] = "?";
        if (!isnan(c->started)) {
            time_t tt = (time_t)c->started;
            struct tm tm;
            gmtime_r(&tt, &tm);
            strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        }
        fprintf(out, "<tr%s><td>%lld</td><td>%s</td><td style=\"color:%s\">",
                c->id == pg->id ? " style=\"font-weight:700\"" : "", (long long)c->id, buf,
                strategy_colour(c->strategy));
        weft__xml_text(out, c->strategy, 0);
        fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                (long long)c->executions, (long long)c->failing, (long long)c->distinct);
    }
    fputs("</table>\n", out);
}

static void write_page(FILE *out, const page *pg)
{
    char title[256];
    snprintf(title, sizeof title, "weft: campaign %lld of %s", (long long)pg->id, pg->test);
    weft__html_head(out, title);
    summary(out, pg);
    fputs("<h2>Failures found</h2>\n<p class=\"stats\">Dots are coloured by strategy: "
          "<span style=\"color:#3465a4\">random</span>, <span style=\"color:#e07b00\">pct"
          "</span>, <span style=\"color:#2a9d3a\">pos</span>, <span style=\"color:#b5179e\">"
          "dfs</span>. Hover a dot for the failure.</p>\n<div class=\"pair\">", out);
    plot_found_here(out, pg);
    plot_found_ever(out, pg);
    fputs("</div>\n<div class=\"pair\">", out);
    plot_progress(out, pg);
    fputs("</div>\n", out);
    failures_table(out, pg);
    fputs("<h2>History of this test</h2>\n<p class=\"stats\">Each dot is one campaign "
          "(its total executions).</p>\n", out);
    fputs("<div class=\"pair\">", out);
    plot_history(out, pg);
    fputs("</div>\n", out);
    history_table(out, pg);
    weft__html_tail(out);
}

int weft__campaign_html(const char *db_path, int64_t campaign_id, FILE *out, char *err,
                        size_t err_len)
{
    page pg;
    memset(&pg, 0, sizeof pg);
    pg.id = campaign_id;
    int rc = -1;
    if (weft__store_open(db_path, WEFT__STORE_READ, &pg.s, err, err_len) != 0)
        return -1;
    if (load_campaign(&pg, err, err_len) == 0 && load_failures(&pg, err, err_len) == 0 &&
        load_history(&pg, err, err_len) == 0) {
        write_page(out, &pg);
        rc = 0;
        if (fflush(out) != 0 || ferror(out)) {
            snprintf(err, err_len, "cannot write the campaign page");
            rc = -1;
        }
    }
    free(pg.options);
    free(pg.f);
    free(pg.p);
    free(pg.all);
    weft__store_close(pg.s);
    return rc;
}
