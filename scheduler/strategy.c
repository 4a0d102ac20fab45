/*
 * strategy.c — the names of the exploration strategies: parsing, the
 * canonical form, the auto portfolio.
 *
 * The canonical name goes into every trace header, so a replay never needs
 * to be told which strategy produced a schedule. Parsing is strict (decimal
 * digits only, no sign, no overflow, nothing trailing) so that every
 * accepted text has one meaning.
 */
#include "strategy.h"

#include "prng.h"

#include <stdio.h>
#include <string.h>

static const char known[] = "known: random, pct:D, pos, dfs[:B], auto";

/* Parses a decimal number at *p (advancing it). 0, or -1 when there is no
 * digit or the value exceeds max. */
static int parse_u64(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 0;
}

/* "/NAME=VALUE" at *p, when present: sets *out and *has. 0, or -1 when the
 * suffix is there but malformed. */
static int parse_param(const char **p, const char *name, uint64_t min,
                       uint64_t *out, bool *has)
{
    size_t len = strlen(name);
    if ((*p)[0] != '/')
        return 0;
    if (strncmp(*p + 1, name, len) != 0 || (*p)[1 + len] != '=')
        return -1;
    *p += len + 2;
    if (parse_u64(p, UINT64_MAX, out) != 0 || *out < min)
        return -1;
    *has = true;
    return 0;
}

static int parse_pct(const char *text, weft__strategy *out, char *err,
                     size_t err_len)
{
    const char *p = text + 3;
    uint64_t d = 0, k = 0;
    bool has_k = false;
    if (*p != ':' || (p++, parse_u64(&p, WEFT__PCT_MAX_DEPTH, &d) != 0) || d < 1 ||
        parse_param(&p, "k", 1, &k, &has_k) != 0 || *p) {
        snprintf(err, err_len,
                 "bad strategy '%s': pct wants a depth from 1 to %u and an optional "
                 "/k=K >= 1 (pct:3, pct:3/k=250)", text, WEFT__PCT_MAX_DEPTH);
        return -1;
    }
    out->kind = WEFT__S_PCT;
    out->depth = (uint32_t)d;
    out->k = has_k ? k : 0;
    return 0;
}

static int parse_dfs(const char *text, weft__strategy *out, char *err,
                     size_t err_len)
{
    const char *p = text + 3;
    uint64_t b = 0;
    out->kind = WEFT__S_DFS;
    out->bound = -1;
    if (*p == ':') {
        p++;
        if (parse_u64(&p, INT32_MAX, &b) != 0)
            goto bad;
        out->bound = (int64_t)b;
    }
    if (parse_param(&p, "i", 0, &out->index, &out->has_index) != 0 || *p)
        goto bad;
    return 0;
bad:
    snprintf(err, err_len,
             "bad strategy '%s': dfs wants an optional preemption bound B >= 0 "
             "(dfs, dfs:2) and an optional /i=I", text);
    return -1;
}

static int parse_base(const char *text, weft__strategy *out, char *err, size_t err_len);

int weft__strategy_parse(const char *text, weft__strategy *out, char *err,
                         size_t err_len)
{
    char base[64];
    size_t n = text ? strlen(text) : 0;
    bool swarm = n > 6 && strcmp(text + n - 6, "/swarm") == 0;
    if (swarm) {
        if (n - 6 >= sizeof base) {
            snprintf(err, err_len, "unknown strategy '%s' (%s)", text, known);
            return -1;
        }
        memcpy(base, text, n - 6);
        base[n - 6] = '\0';
        text = base;
    }
    if (parse_base(text, out, err, err_len) != 0)
        return -1;
    if (swarm && (out->kind == WEFT__S_DFS || out->kind == WEFT__S_AUTO)) {
        snprintf(err, err_len, "bad strategy '%s/swarm': swarm goes with random, pct or pos",
                 text);
        return -1;
    }
    out->swarm = swarm;
    weft__strategy_format(out, out->name, sizeof out->name);
    return 0;
}

static int parse_base(const char *text, weft__strategy *out, char *err, size_t err_len)
{
    if (!text || !*text)
        text = "random";
    memset(out, 0, sizeof *out);
    out->bound = -1;
    int rc = 0;
    if (strcmp(text, "random") == 0)
        out->kind = WEFT__S_RANDOM;
    else if (strcmp(text, "pos") == 0)
        out->kind = WEFT__S_POS;
    else if (strcmp(text, "auto") == 0)
        out->kind = WEFT__S_AUTO;
    else if (strncmp(text, "pct", 3) == 0 && (text[3] == ':' || !text[3]))
        rc = parse_pct(text, out, err, err_len);
    else if (strncmp(text, "dfs", 3) == 0 && (!text[3] || text[3] == ':' || text[3] == '/'))
        rc = parse_dfs(text, out, err, err_len);
    else {
        snprintf(err, err_len, "unknown strategy '%s' (%s)", text, known);
        return -1;
    }
    if (rc != 0)
        return -1;
    weft__strategy_format(out, out->name, sizeof out->name);
    return 0;
}

static void format_base(const weft__strategy *st, char *buf, size_t len);

void weft__strategy_format(const weft__strategy *st, char *buf, size_t len)
{
    format_base(st, buf, len);
    size_t n = strlen(buf);
    if (st->swarm && n < len)
        snprintf(buf + n, len - n, "/swarm");
}

void weft__swarm_draw(uint64_t seed, weft__swarm *out)
{
    static const double cancel[4] = {0, 0, 0.02, 0.1};
    static const double timeout[4] = {0, 0, 0.02, 0.1};
    static const double inject[4] = {0, 0.05, 0.25, 0.5};
    uint64_t x = seed ^ 0x737761726d5f6b79ull; /* "swarm_ky" */
    uint64_t a = weft__splitmix64(&x), b = weft__splitmix64(&x);
    out->cancel_rate = cancel[a & 3];
    out->timeout_rate = timeout[(a >> 2) & 3];
    out->inject_rate = inject[(a >> 4) & 3];
    out->sites = b | 1; /* never 0, which means "every site" */
}

static void format_base(const weft__strategy *st, char *buf, size_t len)
{
    switch (st->kind) {
    case WEFT__S_PCT:
        if (st->k)
            snprintf(buf, len, "pct:%u/k=%llu", st->depth, (unsigned long long)st->k);
        else
            snprintf(buf, len, "pct:%u", st->depth);
        return;
    case WEFT__S_POS:
        snprintf(buf, len, "pos");
        return;
    case WEFT__S_DFS: {
        int off = st->bound >= 0 ? snprintf(buf, len, "dfs:%lld", (long long)st->bound)
                                 : snprintf(buf, len, "dfs");
        if (st->has_index && off >= 0 && (size_t)off < len)
            snprintf(buf + off, len - (size_t)off, "/i=%llu",
                     (unsigned long long)st->index);
        return;
    }
    case WEFT__S_AUTO:
        snprintf(buf, len, "auto");
        return;
    default:
        snprintf(buf, len, "random");
        return;
    }
}

void weft__strategy_auto_member(uint64_t i, weft__strategy *out)
{
    static const char *const members[WEFT__AUTO_MEMBERS] = {"random", "pct:2", "pct:3", "pos"};
    char err[8];
    int rc = weft__strategy_parse(members[i % WEFT__AUTO_MEMBERS], out, err, sizeof err);
    (void)rc; /* the members are valid names */
    out->swarm = true;
    weft__strategy_format(out, out->name, sizeof out->name);
}
