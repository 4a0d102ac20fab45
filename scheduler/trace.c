/*
 * trace.c — the schedule trace in memory, its binary encoding, decoding,
 * identity hash and text dump.
 *
 * Binary format, version 1. "varint" is an unsigned LEB128 integer in its
 * shortest form (7 bits per byte, low group first, high bit set on all but the
 * last byte, at most 10 bytes); anything longer is rejected as overlong.
 *
 *   magic         8 bytes   "WEFTTRC\0"
 *   version       varint    1; a larger one is refused before anything else
 *   strategy      varint length (<= 63), then that many bytes, no NUL
 *   test          varint length (<= 127), then that many bytes, no NUL
 *   seed          varint
 *   max_steps     varint
 *   fair_after    varint
 *   cancel_rate   8 bytes   IEEE-754 binary64 bits, little-endian, in [0, 1]
 *   timeout_rate  8 bytes   same
 *   inject_rate   8 bytes   same
 *   steps         varint
 *   count         varint    number of decisions (each takes >= 1 byte)
 *   decisions     count records, each a tag byte:
 *                   bits 0-2: kind (1..WEFT__D_MAX), bits 3-7: code c
 *                   c == 0:        long form, varint n, varint value follow
 *                   1 <= c <= 24:  short form, n = 2 + (c-1)/6,
 *                                  value = (c-1)%6, nothing follows
 *                   c >= 25:       reserved, rejected
 *                 The short form is mandatory whenever 2 <= n <= 5 and
 *                 value <= 5; n and value are at most 2^32-1.
 *   checksum      8 bytes   XXH3-64 of every byte before it, little-endian
 *
 * Invariant: every trace has exactly one encoding (shortest varints, short
 * form when possible, no NUL in strings, nothing after the checksum), and
 * decode accepts only that encoding, so a buffer that decodes re-encodes to
 * the same bytes. The identity hash (weft__trace_hash) is XXH3-64 of the
 * count and decisions sections as they are encoded here: change either and
 * every recorded hash changes with it (tests pin it).
 *
 * Decoding is total: structural problems (truncation, overlong varints,
 * reserved codes, sizes beyond the input) stop it at once; semantic ones (an
 * unknown kind, value >= n, a rate outside [0, 1]) are reported only once the
 * checksum is known good, so random corruption reads as a checksum mismatch.
 */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static const uint8_t magic[8] = {'W', 'E', 'F', 'T', 'T', 'R', 'C', '\0'};

enum {
    VARINT_MAX = 10,                       /* bytes of a 64-bit varint */
    DECISION_MAX = 1 + 2 * 5,              /* tag + two 32-bit varints */
    SHORT_N_MAX = 5,                       /* short form: 2 <= n <= 5 */
    SHORT_VALUE_MAX = 5,                   /*             value <= 5 */
    SHORT_CODES = 4 * 6,                   /* codes 1..24 */
    HEADER_MAX = 8 + 5 + (1 + 63) + (1 + 127) + 4 * VARINT_MAX + 3 * 8,
    CHECKSUM_LEN = 8,
};

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Formats a message into err[err_len], if the caller gave room for one. */
static void vmessage(char *err, size_t err_len, const char *fmt, va_list ap)
{
    if (err != NULL && err_len > 0)
        vsnprintf(err, err_len, fmt, ap);
}

PRINTF(3, 4) static void set_err(char *err, size_t err_len, const char *fmt,
                                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(err, err_len, fmt, ap);
    va_end(ap);
}

/* ---- the trace in memory ------------------------------------------------ */

void weft__trace_init(weft__trace *t)
{
    memset(t, 0, sizeof *t);
    t->h.version = WEFT__TRACE_VERSION;
}

void weft__trace_reset(weft__trace *t)
{
    t->len = 0;
}

void weft__trace_free(weft__trace *t)
{
    if (t == NULL)
        return;
    if (!t->external)
        free(t->d);
    weft__trace_init(t);
}

/* Doubles the buffer (64 decisions at first). 0, or -1 with t unchanged. */
int weft__trace_grow(weft__trace *t)
{
    size_t cap = t->cap ? t->cap : 32;

    if (t->external || cap > SIZE_MAX / 2 / sizeof *t->d)
        return -1;
    weft__decision *d = realloc(t->d, 2 * cap * sizeof *d);
    if (d == NULL)
        return -1;
    t->d = d;
    t->cap = 2 * cap;
    return 0;
}

void weft__trace_bad_decision(unsigned kind, uint32_t n, uint32_t value)
{
    fprintf(stderr,
            "weft: internal error: invalid decision pushed to a trace "
            "(kind %u, n %lu, value %lu)\n",
            kind, (unsigned long)n, (unsigned long)value);
    abort();
}

/* Makes room for exactly count decisions. 0, or -1 when out of memory. */
static int reserve(weft__trace *t, size_t count)
{
    if (count <= t->cap)
        return 0;
    if (count > SIZE_MAX / sizeof *t->d)
        return -1;
    weft__decision *d = realloc(t->d, count * sizeof *d);
    if (d == NULL)
        return -1;
    t->d = d;
    t->cap = count;
    return 0;
}

bool weft__trace_equal(const weft__trace *a, const weft__trace *b)
{
    const weft__trace_header *x = &a->h, *y = &b->h;

    if (x->version != y->version || strcmp(x->strategy, y->strategy) != 0 ||
        strcmp(x->test, y->test) != 0 || x->seed != y->seed ||
        x->max_steps != y->max_steps || x->fair_after != y->fair_after ||
        x->steps != y->steps || a->len != b->len)
        return false;
    if (memcmp(&x->cancel_rate, &y->cancel_rate, sizeof(double)) != 0 ||
        memcmp(&x->timeout_rate, &y->timeout_rate, sizeof(double)) != 0 ||
        memcmp(&x->inject_rate, &y->inject_rate, sizeof(double)) != 0)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (a->d[i].kind != b->d[i].kind || a->d[i].n != b->d[i].n ||
            a->d[i].value != b->d[i].value)
            return false;
    return true;
}

/* ---- validation shared by encode and decode ----------------------------- */

/* 0 if d keeps the decision invariants; else -1 and a reason in msg. */
static int decision_problem(const weft__decision *d, char *msg, size_t len)
{
    if (d->kind < 1 || d->kind > WEFT__D_MAX) {
        snprintf(msg, len, "unknown decision kind %u", (unsigned)d->kind);
        return -1;
    }
    if (d->n < 2) {
        snprintf(msg, len, "%lu alternatives (a decision needs at least 2)",
                 (unsigned long)d->n);
        return -1;
    }
    if (d->kind != WEFT__D_PICK && d->value >= d->n) {
        snprintf(msg, len, "value %lu out of range for %lu alternatives",
                 (unsigned long)d->value, (unsigned long)d->n);
        return -1;
    }
    return 0;
}

static bool rate_ok(double r)
{
    return r >= 0.0 && r <= 1.0; /* false for NaN */
}

/* True if the header keeps its invariants (the version aside: encode always
 * writes the current one). */
static bool header_ok(const weft__trace_header *h)
{
    return memchr(h->strategy, '\0', sizeof h->strategy) != NULL &&
           memchr(h->test, '\0', sizeof h->test) != NULL &&
           rate_ok(h->cancel_rate) && rate_ok(h->timeout_rate) &&
           rate_ok(h->inject_rate);
}

/* ---- encoding ----------------------------------------------------------- */

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_double(uint8_t *p, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return put_le64(p, bits);
}

/* Length-prefixed bytes of the NUL-terminated s (at most cap - 1 of them). */
static uint8_t *put_string(uint8_t *p, const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    size_t n = nul ? (size_t)(nul - s) : cap - 1;

    p = put_varint(p, n);
    memcpy(p, s, n);
    return p + n;
}

static bool is_short(uint64_t n, uint64_t value)
{
    return n >= 2 && n <= SHORT_N_MAX && value <= SHORT_VALUE_MAX;
}

/* The one encoding of d: at most DECISION_MAX bytes. */
static uint8_t *put_decision(uint8_t *p, const weft__decision *d)
{
    unsigned kind = d->kind & 7u;

    if (is_short(d->n, d->value)) {
        unsigned code = 1 + (d->n - 2) * (SHORT_VALUE_MAX + 1) + d->value;
        *p++ = (uint8_t)(kind | code << 3);
        return p;
    }
    *p++ = (uint8_t)kind;
    p = put_varint(p, d->n);
    return put_varint(p, d->value);
}

static uint8_t *put_header(uint8_t *p, const weft__trace_header *h)
{
    memcpy(p, magic, sizeof magic);
    p = put_varint(p + sizeof magic, WEFT__TRACE_VERSION);
    p = put_string(p, h->strategy, sizeof h->strategy);
    p = put_string(p, h->test, sizeof h->test);
    p = put_varint(p, h->seed);
    p = put_varint(p, h->max_steps);
    p = put_varint(p, h->fair_after);
    p = put_double(p, h->cancel_rate);
    p = put_double(p, h->timeout_rate);
    p = put_double(p, h->inject_rate);
    return put_varint(p, h->steps);
}

/* True if t keeps every invariant of trace.h. */
static bool trace_ok(const weft__trace *t)
{
    if (!header_ok(&t->h))
        return false;
    for (size_t i = 0; i < t->len; i++)
        if (decision_problem(&t->d[i], NULL, 0) != 0)
            return false;
    return true;
}

int weft__trace_encode(const weft__trace *t, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!trace_ok(t))
        return -1;
    if (t->len > (SIZE_MAX - HEADER_MAX - VARINT_MAX - CHECKSUM_LEN) /
                     DECISION_MAX)
        return -1;
    uint8_t *buf = malloc(HEADER_MAX + VARINT_MAX + CHECKSUM_LEN +
                          t->len * DECISION_MAX);
    if (buf == NULL)
        return -1;

    uint8_t *p = put_header(buf, &t->h);
    p = put_varint(p, t->len);
    for (size_t i = 0; i < t->len; i++)
        p = put_decision(p, &t->d[i]);
    p = put_le64(p, XXH3_64bits(buf, (size_t)(p - buf)));
    *out = buf;
    *out_len = (size_t)(p - buf);
    return 0;
}

/* ---- identity hash ------------------------------------------------------ */

/* Encodes decisions from *next on into buf[used..size) while they surely fit;
 * returns the bytes now used and advances *next. */
static size_t fill_decisions(const weft__trace *t, size_t *next, uint8_t *buf,
                             size_t used, size_t size)
{
    uint8_t *p = buf + used;

    while (*next < t->len && (size_t)(p - buf) <= size - DECISION_MAX)
        p = put_decision(p, &t->d[(*next)++]);
    return (size_t)(p - buf);
}

uint64_t weft__trace_hash(const weft__trace *t)
{
    uint8_t buf[4096];
    size_t next = 0;
    size_t used = (size_t)(put_varint(buf, t->len) - buf);

    used = fill_decisions(t, &next, buf, used, sizeof buf);
    if (next == t->len) /* the common case: one shot, no state to set up */
        return XXH3_64bits(buf, used);

    /* Streaming gives the same value as one shot over the same bytes. */
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    for (;;) {
        XXH3_64bits_update(&state, buf, used);
        if (next == t->len)
            break;
        used = fill_decisions(t, &next, buf, 0, sizeof buf);
    }
    return XXH3_64bits_digest(&state);
}

void weft__hash_hex(uint64_t h, char out[17])
{
    static const char digit[] = "0123456789abcdef";

    for (int i = 15; i >= 0; i--) {
        out[i] = digit[h & 0xf];
        h >>= 4;
    }
    out[16] = '\0';
}

/* ---- decoding ----------------------------------------------------------- */

typedef struct reader {
    const uint8_t *buf;
    size_t end;        /* reads stop here (before the checksum, for decisions) */
    size_t pos;        /* next byte to read */
    size_t decision;   /* index of the decision being read, or SIZE_MAX */
    char *err;         /* message buffer (err_len bytes), may be NULL */
    size_t err_len;
    bool deferred;     /* a semantic error is waiting in err */
    char where[40];    /* "header", "decision 37", "checksum" */
} reader;

/* Structural error: writes the message (replacing a deferred one), -1. */
PRINTF(2, 3) static int fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(r->err, r->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Semantic error: kept only if it is the first, reported after the checksum
 * has been verified. */
PRINTF(2, 3) static void defer(reader *r, const char *fmt, ...)
{
    if (r->deferred)
        return;
    r->deferred = true;
    va_list ap;
    va_start(ap, fmt);
    vmessage(r->err, r->err_len, fmt, ap);
    va_end(ap);
}

static const char *where(reader *r)
{
    if (r->decision == SIZE_MAX)
        return "header";
    snprintf(r->where, sizeof r->where, "decision %zu", r->decision);
    return r->where;
}

static int truncated(reader *r)
{
    if (r->decision != SIZE_MAX) /* r->end is where the checksum begins */
        return fail(r, "truncated or corrupt trace: %s runs into the "
                    "checksum at byte %zu", where(r), r->end);
    return fail(r, "truncated trace: %s ends at byte %zu", where(r), r->end);
}

/* Reads a shortest-form varint. 0, or -1 (truncated, overlong, overflow). */
static int get_varint(reader *r, uint64_t *out)
{
    size_t start = r->pos;
    uint64_t v = 0;

    for (int i = 0; i < VARINT_MAX; i++) {
        if (r->pos >= r->end)
            return truncated(r);
        uint8_t b = r->buf[r->pos++];
        if (i == VARINT_MAX - 1 && b > 1)
            return fail(r, "corrupt trace: varint over 64 bits in %s at byte %zu",
                        where(r), start);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            if (b == 0 && i > 0)
                return fail(r, "corrupt trace: overlong varint in %s at byte %zu",
                            where(r), start);
            *out = v;
            return 0;
        }
    }
    return fail(r, "corrupt trace: varint too long"); /* not reached */
}

static int get_u32(reader *r, uint32_t *out)
{
    size_t start = r->pos;
    uint64_t v;

    if (get_varint(r, &v) != 0)
        return -1;
    if (v > UINT32_MAX)
        return fail(r, "corrupt trace: %s: %llu at byte %zu exceeds 32 bits",
                    where(r), (unsigned long long)v, start);
    *out = (uint32_t)v;
    return 0;
}

/* Points *out at the next n bytes. 0, or -1 if fewer are left. */
static int get_bytes(reader *r, size_t n, const uint8_t **out)
{
    if (r->end - r->pos < n)
        return truncated(r);
    *out = r->buf + r->pos;
    r->pos += n;
    return 0;
}

static int get_le64(reader *r, uint64_t *out)
{
    const uint8_t *p = NULL;

    if (get_bytes(r, 8, &p) != 0)
        return -1;
    *out = 0;
    for (int i = 7; i >= 0; i--)
        *out = *out << 8 | p[i];
    return 0;
}

static int get_rate(reader *r, const char *name, double *out)
{
    uint64_t bits;

    if (get_le64(r, &bits) != 0)
        return -1;
    memcpy(out, &bits, sizeof *out);
    if (!rate_ok(*out))
        defer(r, "corrupt trace: %s %g is not in [0, 1]", name, *out);
    return 0;
}

/* Reads a length-prefixed string into dst[cap] (NUL-terminated). */
static int get_string(reader *r, const char *name, char *dst, size_t cap)
{
    uint64_t n;
    const uint8_t *p = NULL;

    if (get_varint(r, &n) != 0)
        return -1;
    if (n >= cap)
        return fail(r, "corrupt trace: %s name of %llu bytes (at most %zu)",
                    name, (unsigned long long)n, cap - 1);
    if (get_bytes(r, (size_t)n, &p) != 0)
        return -1;
    if (memchr(p, '\0', (size_t)n) != NULL)
        defer(r, "corrupt trace: NUL byte inside the %s name", name);
    memcpy(dst, p, (size_t)n);
    dst[n] = '\0';
    return 0;
}

/* Magic and version: checked first, before the checksum, because a newer
 * version may lay out everything after it differently. */
static int get_magic_version(reader *r, weft__trace_header *h)
{
    size_t have = r->end < sizeof magic ? r->end : sizeof magic;
    uint64_t version;

    if (r->end == 0)
        return fail(r, "empty input: not a weft trace");
    if (memcmp(r->buf, magic, have) != 0)
        return fail(r, "not a weft trace (bad magic)");
    if (have < sizeof magic)
        return truncated(r);
    r->pos = sizeof magic;
    if (get_varint(r, &version) != 0)
        return -1;
    if (version > WEFT__TRACE_VERSION)
        return fail(r, "trace format version %llu is newer than this weft (%d)",
                    (unsigned long long)version, WEFT__TRACE_VERSION);
    if (version == 0)
        return fail(r, "corrupt trace: format version 0");
    h->version = (uint32_t)version;
    return 0;
}

static int get_header(reader *r, weft__trace_header *h)
{
    if (get_magic_version(r, h) != 0 ||
        get_string(r, "strategy", h->strategy, sizeof h->strategy) != 0 ||
        get_string(r, "test", h->test, sizeof h->test) != 0 ||
        get_varint(r, &h->seed) != 0 || get_varint(r, &h->max_steps) != 0 ||
        get_varint(r, &h->fair_after) != 0 ||
        get_rate(r, "cancel_rate", &h->cancel_rate) != 0 ||
        get_rate(r, "timeout_rate", &h->timeout_rate) != 0 ||
        get_rate(r, "inject_rate", &h->inject_rate) != 0)
        return -1;
    return get_varint(r, &h->steps);
}

/* Reads one decision record into *d; semantic problems are deferred. */
static int get_decision(reader *r, weft__decision *d)
{
    const uint8_t *tag = NULL;

    if (get_bytes(r, 1, &tag) != 0)
        return -1;
    unsigned code = *tag >> 3;
    d->kind = *tag & 7u;
    if (code == 0) {
        if (get_u32(r, &d->n) != 0 || get_u32(r, &d->value) != 0)
            return -1;
        if (is_short(d->n, d->value))
            return fail(r, "corrupt trace: %s: long form where the short "
                        "one is required", where(r));
    } else if (code <= SHORT_CODES) {
        d->n = 2 + (code - 1) / (SHORT_VALUE_MAX + 1);
        d->value = (code - 1) % (SHORT_VALUE_MAX + 1);
    } else {
        return fail(r, "corrupt trace: %s: reserved code %u", where(r), code);
    }

    char why[96];
    if (decision_problem(d, why, sizeof why) != 0)
        defer(r, "%s: %s", where(r), why);
    return 0;
}

/* Count and decisions, up to (not into) the checksum. */
static int get_decisions(reader *r, weft__trace *t)
{
    uint64_t count;

    if (get_varint(r, &count) != 0)
        return -1;
    size_t left = r->end - r->pos;
    size_t room = left >= CHECKSUM_LEN ? left - CHECKSUM_LEN : 0;
    if (count > room) /* each decision takes at least one byte */
        return fail(r, "truncated or corrupt trace: %llu decisions declared "
                    "but only %zu bytes follow", (unsigned long long)count,
                    left);
    if (reserve(t, (size_t)count) != 0)
        return fail(r, "out of memory for %llu decisions",
                    (unsigned long long)count);
    if (count == 0)
        return 0;

    r->end -= CHECKSUM_LEN;
    for (r->decision = 0; r->decision < count; r->decision++)
        if (get_decision(r, &t->d[r->decision]) != 0)
            return -1;
    t->len = (size_t)count;
    r->end += CHECKSUM_LEN;
    return 0;
}

/* The checksum must be the last 8 bytes and match everything before it. */
static int check_sum(reader *r)
{
    size_t left = r->end - r->pos;
    uint64_t stored;

    r->decision = SIZE_MAX;
    if (left < CHECKSUM_LEN)
        return fail(r, "truncated trace: checksum ends at byte %zu", r->end);
    if (left > CHECKSUM_LEN)
        return fail(r, "corrupt trace: %zu bytes of trailing garbage after "
                    "the checksum", left - CHECKSUM_LEN);
    size_t body = r->pos;
    if (get_le64(r, &stored) != 0)
        return -1;
    if (stored != XXH3_64bits(r->buf, body))
        return fail(r, "corrupt trace: checksum mismatch");
    return 0;
}

/* Empty trace with a default header, keeping the buffer for reuse. */
static void make_empty(weft__trace *t)
{
    weft__decision *d = t->d;
    size_t cap = t->cap;

    weft__trace_init(t);
    t->d = d;
    t->cap = cap;
}

int weft__trace_decode(const uint8_t *buf, size_t len, weft__trace *t,
                       char *err, size_t err_len)
{
    reader r = {.buf = buf, .end = len, .decision = SIZE_MAX, .err = err,
                .err_len = err_len};

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    memset(&t->h, 0, sizeof t->h);
    t->len = 0;
    if (get_header(&r, &t->h) == 0 && get_decisions(&r, t) == 0 &&
        check_sum(&r) == 0 && !r.deferred)
        return 0;

    make_empty(t);
    return -1;
}

/* ---- files -------------------------------------------------------------- */

/* Writes buf to a new file at tmp. 0, or -1 with errno set. */
static int write_all(const char *tmp, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return -1;
    bool ok = fwrite(buf, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    return ok ? 0 : -1;
}

int weft__trace_write_file(const weft__trace *t, const char *path, char *err,
                           size_t err_len)
{
    uint8_t *buf;
    size_t len;
    int rc = -1;

    if (weft__trace_encode(t, &buf, &len) != 0) {
        set_err(err, err_len, "cannot encode trace for '%s' (out of memory "
                "or invalid trace)", path);
        return -1;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp");
    if (tmp == NULL) {
        set_err(err, err_len, "out of memory writing '%s'", path);
        goto out_free_buf;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", sizeof ".tmp");

    errno = 0;
    if (write_all(tmp, buf, len) != 0 || rename(tmp, path) != 0) {
        set_err(err, err_len, "cannot write trace file '%s': %s", path,
                errno ? strerror(errno) : "I/O error");
        remove(tmp);
        goto out_free_tmp;
    }
    rc = 0;
out_free_tmp:
    free(tmp);
out_free_buf:
    free(buf);
    return rc;
}

/* Reads all of f into a malloc'd *out (at most WEFT__TRACE_FILE_MAX bytes).
 * 0, or -1: 1 read error, 2 too large, 3 out of memory (in *why). */
static int slurp(FILE *f, uint8_t **out, size_t *out_len, int *why)
{
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);

    *why = 3;
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, f);
        if (ferror(f)) {
            *why = 1;
            break;
        }
        if (len < cap) { /* EOF */
            *out = buf;
            *out_len = len;
            return 0;
        }
        if (cap >= WEFT__TRACE_FILE_MAX) {
            *why = 2;
            break;
        }
        uint8_t *bigger = realloc(buf, 2 * cap);
        if (bigger == NULL)
            break;
        buf = bigger;
        cap *= 2;
    }
    free(buf);
    return -1;
}

int weft__trace_read_file(const char *path, weft__trace *t, char *err,
                          size_t err_len)
{
    static const char *const reason[] = {"", "read error", "file too large",
                                         "out of memory"};
    uint8_t *buf;
    size_t len;
    int why;
    char msg[256];

    make_empty(t);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        set_err(err, err_len, "cannot open trace file '%s': %s", path,
                strerror(errno));
        return -1;
    }
    int rc = slurp(f, &buf, &len, &why);
    fclose(f);
    if (rc != 0) {
        set_err(err, err_len, "cannot read trace file '%s': %s", path,
                reason[why]);
        return -1;
    }
    rc = weft__trace_decode(buf, len, t, msg, sizeof msg);
    free(buf);
    if (rc != 0)
        set_err(err, err_len, "trace file '%s': %s", path, msg);
    return rc;
}

/* ---- text dump ---------------------------------------------------------- */

const char *weft__dkind_name(unsigned kind)
{
    static const char *const name[WEFT__D_MAX + 1] = {
        [WEFT__D_PICK] = "pick",       [WEFT__D_TIMER] = "timer",
        [WEFT__D_CANCEL] = "cancel",   [WEFT__D_TIMEOUT] = "timeout",
        [WEFT__D_INJECT] = "inject",
    };
    return kind >= 1 && kind <= WEFT__D_MAX ? name[kind] : "?";
}

/* Prints "  label x" with the fewest digits (15..17) that read back as x. */
static void dump_rate(FILE *f, const char *label, double x)
{
    char s[32];

    for (int digits = 15; digits <= 17; digits++) {
        snprintf(s, sizeof s, "%.*g", digits, x);
        if (strtod(s, NULL) == x)
            break;
    }
    fprintf(f, "  %-13s %s\n", label, s);
}

static void dump_decision(FILE *f, size_t i, const weft__decision *d)
{
    unsigned long n = d->n, v = d->value;

    fprintf(f, "%6zu  %-8s ", i, weft__dkind_name(d->kind));
    if (d->kind == WEFT__D_PICK)
        fprintf(f, "task %lu of %lu\n", v, n);
    else if (d->kind == WEFT__D_CANCEL && v == 0)
        fprintf(f, "none (%lu candidate scope%s)\n", n - 1, n == 2 ? "" : "s");
    else if (d->kind == WEFT__D_CANCEL)
        fprintf(f, "scope %lu of %lu\n", v - 1, n - 1);
    else if ((d->kind == WEFT__D_TIMEOUT || d->kind == WEFT__D_INJECT) &&
             n == 2)
        fprintf(f, "%s\n", v ? "yes" : "no");
    else
        fprintf(f, "%lu of %lu\n", v, n);
}

void weft__trace_dump(const weft__trace *t, FILE *f)
{
    const weft__trace_header *h = &t->h;
    char hex[17];

    weft__hash_hex(weft__trace_hash(t), hex);
    fprintf(f, "weft trace, format %lu\n", (unsigned long)h->version);
    fprintf(f, "  test          %s\n", h->test);
    fprintf(f, "  strategy      %s\n", h->strategy);
    fprintf(f, "  seed          %llu\n", (unsigned long long)h->seed);
    fprintf(f, "  max_steps     %llu\n", (unsigned long long)h->max_steps);
    fprintf(f, "  fair_after    %llu\n", (unsigned long long)h->fair_after);
    dump_rate(f, "cancel_rate", h->cancel_rate);
    dump_rate(f, "timeout_rate", h->timeout_rate);
    dump_rate(f, "inject_rate", h->inject_rate);
    fprintf(f, "  steps         %llu\n", (unsigned long long)h->steps);
    fprintf(f, "  decisions     %zu\n", t->len);
    fprintf(f, "  hash          %s\n", hex);
    for (size_t i = 0; i < t->len; i++)
        dump_decision(f, i, &t->d[i]);
}
