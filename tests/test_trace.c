/*
 * test_trace.c — CUnit suite "trace": the schedule trace (scheduler/trace.c)
 * and the PRNG (scheduler/prng.h).
 *
 * What it keeps: recorded seeds and traces stay replayable. The PRNG outputs,
 * the identity hash and the encoding of a fixed trace are pinned to literal
 * constants, so any change to them fails here; if one does, the change is
 * the bug (or a deliberate format version bump). The decoder is checked to
 * reject every truncation, every single-byte change and each kind of
 * malformed input with a message, never a crash.
 */
#include <CUnit/CUnit.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scheduler/prng.h"
#include "../scheduler/trace.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- helpers ------------------------------------------------------------ */

/* A small trace with every kind, both short and long decision forms. */
static void fixed_trace(weft__trace *t)
{
    weft__trace_init(t);
    strcpy(t->h.strategy, "pct:3");
    strcpy(t->h.test, "lost_update");
    t->h.seed = 42;
    t->h.max_steps = 1000;
    t->h.fair_after = 500;
    t->h.cancel_rate = 0.25;
    t->h.inject_rate = 0.5;
    t->h.steps = 7;
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_PICK, 2, 1) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_PICK, 3, 7) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_TIMER, 2, 0) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_CANCEL, 3, 2) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_TIMEOUT, 2, 1) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_INJECT, 2, 0) == 0);
    CU_ASSERT_FATAL(weft__trace_push(t, WEFT__D_PICK, 1000, 123456) == 0);
}

static void random_string(weft__prng *p, char *s, size_t cap)
{
    size_t n = (size_t)weft__prng_below(p, cap);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(' ' + weft__prng_below(p, 95));
    s[n] = '\0';
}

static double random_rate(weft__prng *p)
{
    switch (weft__prng_below(p, 4)) {
    case 0: return 0.0;
    case 1: return 1.0;
    default: return weft__prng_unit(p);
    }
}

/* n: mostly small (short form), sometimes anything up to 2^32-1. */
static uint32_t random_n(weft__prng *p)
{
    switch (weft__prng_below(p, 4)) {
    case 0: return (uint32_t)(2 + weft__prng_below(p, UINT32_MAX - 1));
    case 1: return UINT32_MAX;
    default: return (uint32_t)(2 + weft__prng_below(p, 6));
    }
}

static void random_decision(weft__prng *p, weft__trace *t)
{
    uint8_t kind = (uint8_t)(1 + weft__prng_below(p, WEFT__D_MAX));
    uint32_t n = random_n(p);
    uint32_t value = (uint32_t)weft__prng_below(p, n);

    if (kind == WEFT__D_PICK && weft__prng_below(p, 3) == 0)
        value = (uint32_t)weft__prng_next(p); /* task ids need not be < n */
    CU_ASSERT_FATAL(weft__trace_push(t, kind, n, value) == 0);
}

/* A random valid trace of up to max_len decisions (t initialised). */
static void random_trace(weft__prng *p, weft__trace *t, size_t max_len)
{
    weft__trace_reset(t);
    random_string(p, t->h.strategy, sizeof t->h.strategy);
    random_string(p, t->h.test, sizeof t->h.test);
    t->h.seed = weft__prng_next(p);
    t->h.max_steps = weft__prng_next(p); /* separate draws: operand */
    t->h.max_steps >>= weft__prng_below(p, 64); /* order is unspecified */
    t->h.fair_after = weft__prng_below(p, 100000);
    t->h.cancel_rate = random_rate(p);
    t->h.timeout_rate = random_rate(p);
    t->h.inject_rate = random_rate(p);
    t->h.steps = weft__prng_below(p, 1000000);
    size_t len = (size_t)weft__prng_below(p, max_len + 1);
    for (size_t i = 0; i < len; i++)
        random_decision(p, t);
}

/* Rewrites the trailing checksum of buf[0..len) to match the rest. */
static void reseal(uint8_t *buf, size_t len)
{
    uint64_t h = XXH3_64bits(buf, len - 8);
    for (int i = 0; i < 8; i++)
        buf[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* Decodes buf and expects failure with a message containing want (if not
 * NULL) and an empty trace. */
static void expect_reject(const uint8_t *buf, size_t len, const char *want)
{
    weft__trace t;
    char err[256];

    weft__trace_init(&t);
    CU_ASSERT(weft__trace_decode(buf, len, &t, err, sizeof err) == -1);
    CU_ASSERT(err[0] != '\0');
    CU_ASSERT(strchr(err, '\n') == NULL);
    CU_ASSERT(t.len == 0 && t.h.steps == 0 && t.h.test[0] == '\0');
    if (want != NULL && strstr(err, want) == NULL) {
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", err, want);
        CU_FAIL("unexpected decode error message");
    }
    weft__trace_free(&t);
}

/* buf = encoding of the fixed trace's header with no decisions, cut before
 * the count: the prefix that crafted inputs build on. Returns its length. */
static size_t header_prefix(uint8_t *buf, size_t cap)
{
    weft__trace t;
    uint8_t *enc;
    size_t len;

    fixed_trace(&t);
    weft__trace_reset(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &enc, &len) == 0);
    CU_ASSERT_FATAL(len - 9 <= cap);
    memcpy(buf, enc, len - 9); /* minus count byte 0x00 and checksum */
    free(enc);
    weft__trace_free(&t);
    return len - 9;
}

/* Header prefix + raw count/decision bytes + a valid checksum; decodes it
 * and expects a rejection mentioning want (or success when want is NULL). */
static void check_crafted(const uint8_t *body, size_t body_len, const char *want)
{
    uint8_t buf[512];
    size_t len = header_prefix(buf, sizeof buf - 8);

    CU_ASSERT_FATAL(len + body_len + 8 <= sizeof buf);
    memcpy(buf + len, body, body_len);
    len += body_len + 8;
    reseal(buf, len);
    if (want != NULL) {
        expect_reject(buf, len, want);
        return;
    }
    weft__trace t;
    char err[256];
    weft__trace_init(&t);
    CU_ASSERT(weft__trace_decode(buf, len, &t, err, sizeof err) == 0);
    weft__trace_free(&t);
}

/* ---- in-memory trace ---------------------------------------------------- */

static void test_trace_reset_keeps_capacity(void)
{
    weft__trace t;

    weft__trace_init(&t);
    for (uint32_t i = 0; i < 1000; i++)
        CU_ASSERT_FATAL(weft__trace_push(&t, WEFT__D_PICK, 2, i) == 0);
    CU_ASSERT(t.len == 1000 && t.cap >= 1000);
    weft__decision *d = t.d;
    size_t cap = t.cap;
    weft__trace_reset(&t);
    CU_ASSERT(t.len == 0 && t.cap == cap && t.d == d);
    CU_ASSERT(weft__trace_push(&t, WEFT__D_TIMER, 3, 2) == 0);
    CU_ASSERT(t.d == d && t.d[0].kind == WEFT__D_TIMER && t.d[0].value == 2);
    weft__trace_free(&t);
    CU_ASSERT(t.d == NULL && t.len == 0 && t.cap == 0);
    weft__trace_free(NULL);
}

/* ---- encoding round trips ----------------------------------------------- */

static void test_trace_round_trip_random(void)
{
    weft__prng p;
    weft__trace t, u;
    char err[256];

    weft__prng_seed(&p, 7);
    weft__trace_init(&t);
    weft__trace_init(&u);
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t *a, *b;
        size_t alen, blen;
        random_trace(&p, &t, iter % 10 == 0 ? 3000 : 40);
        CU_ASSERT_FATAL(weft__trace_encode(&t, &a, &alen) == 0);
        CU_ASSERT_FATAL(weft__trace_decode(a, alen, &u, err, sizeof err) == 0);
        CU_ASSERT_FATAL(weft__trace_equal(&t, &u));
        CU_ASSERT(weft__trace_hash(&t) == weft__trace_hash(&u));
        /* one encoding per trace: re-encoding gives the same bytes */
        CU_ASSERT_FATAL(weft__trace_encode(&u, &b, &blen) == 0);
        CU_ASSERT_FATAL(alen == blen && memcmp(a, b, alen) == 0);
        free(a);
        free(b);
    }
    weft__trace_free(&t);
    weft__trace_free(&u);
}

static void test_trace_round_trip_empty(void)
{
    weft__trace t, u;
    uint8_t *buf;
    size_t len;

    weft__trace_init(&t);
    weft__trace_init(&u);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    CU_ASSERT(weft__trace_decode(buf, len, &u, NULL, 0) == 0);
    CU_ASSERT(weft__trace_equal(&t, &u));
    free(buf);
    weft__trace_free(&t);
    weft__trace_free(&u);
}

/* The encoding of the fixed trace, byte for byte (trace.c documents it). */
static void test_trace_encoding_pinned(void)
{
    static const uint8_t want[] = {
        'W', 'E', 'F', 'T', 'T', 'R', 'C', 0, /* magic */
        0x01,                                 /* version */
        5, 'p', 'c', 't', ':', '3',           /* strategy */
        11, 'l', 'o', 's', 't', '_', 'u', 'p', 'd', 'a', 't', 'e',
        42, 0xe8, 0x07, 0xf4, 0x03, /* seed, max_steps 1000, fair_after 500 */
        0, 0, 0, 0, 0, 0, 0xd0, 0x3f, /* cancel_rate 0.25 */
        0, 0, 0, 0, 0, 0, 0, 0,       /* timeout_rate 0 */
        0, 0, 0, 0, 0, 0, 0xe0, 0x3f, /* inject_rate 0.5 */
        7,                            /* steps */
        7,                            /* count */
        0x01 | 2 << 3,                /* pick 1 of 2: code 1+0*6+1 */
        0x01, 3, 7,                   /* pick task 7 of 3: long form */
        0x02 | 1 << 3,                /* timer 0 of 2 */
        0x03 | 9 << 3,                /* cancel 2 of 3: code 1+1*6+2 */
        0x04 | 2 << 3,                /* timeout 1 of 2 */
        0x05 | 1 << 3,                /* inject 0 of 2 */
        0x01, 0xe8, 0x07, 0xc0, 0xc4, 0x07, /* pick 123456 of 1000 */
    };
    weft__trace t;
    uint8_t *buf;
    size_t len;

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    CU_ASSERT_FATAL(len == sizeof want + 8);
    CU_ASSERT(memcmp(buf, want, sizeof want) == 0);
    uint8_t copy[sizeof want + 8];
    memcpy(copy, want, sizeof want);
    reseal(copy, sizeof copy);
    CU_ASSERT(memcmp(copy, buf, len) == 0);
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_encode_rejects_invalid_trace(void)
{
    weft__trace t;
    uint8_t *buf = (uint8_t *)&t;
    size_t len = 1;

    fixed_trace(&t);
    t.d[2].kind = 6;
    CU_ASSERT(weft__trace_encode(&t, &buf, &len) == -1);
    CU_ASSERT(buf == NULL && len == 0);
    t.d[2].kind = WEFT__D_TIMER;
    t.d[2].value = 2;
    CU_ASSERT(weft__trace_encode(&t, &buf, &len) == -1);
    t.d[2].value = 0;
    t.h.timeout_rate = NAN;
    CU_ASSERT(weft__trace_encode(&t, &buf, &len) == -1);
    t.h.timeout_rate = 1.5;
    CU_ASSERT(weft__trace_encode(&t, &buf, &len) == -1);
    t.h.timeout_rate = 1.0;
    CU_ASSERT(weft__trace_encode(&t, &buf, &len) == 0);
    free(buf);
    weft__trace_free(&t);
}

/* ---- identity hash ------------------------------------------------------ */

static void test_trace_hash_equal_for_equal_decisions(void)
{
    weft__prng p, q;
    weft__trace t, u;

    weft__prng_seed(&p, 11);
    weft__prng_seed(&q, 11);
    weft__trace_init(&t);
    weft__trace_init(&u);
    for (int iter = 0; iter < 200; iter++) {
        random_trace(&p, &t, 200);
        random_trace(&q, &u, 200);
        CU_ASSERT(weft__trace_hash(&t) == weft__trace_hash(&u));
    }
    weft__trace_free(&t);
    weft__trace_free(&u);
}

static void test_trace_hash_differs_when_one_decision_differs(void)
{
    weft__trace t;
    uint64_t base;

    fixed_trace(&t);
    base = weft__trace_hash(&t);
    for (size_t i = 0; i < t.len; i++) {
        weft__decision keep = t.d[i];
        t.d[i].n++;
        CU_ASSERT(weft__trace_hash(&t) != base);
        t.d[i] = keep;
        t.d[i].value = keep.value ? keep.value - 1 : 1;
        CU_ASSERT(weft__trace_hash(&t) != base);
        t.d[i] = keep;
        t.d[i].kind = keep.kind == WEFT__D_TIMER ? WEFT__D_INJECT : WEFT__D_TIMER;
        if (t.d[i].value < t.d[i].n)
            CU_ASSERT(weft__trace_hash(&t) != base);
        t.d[i] = keep;
    }
    CU_ASSERT(weft__trace_hash(&t) == base);
    t.len--; /* a prefix is a different schedule */
    CU_ASSERT(weft__trace_hash(&t) != base);
    t.len++;
    weft__trace_free(&t);
}

static void test_trace_hash_independent_of_header(void)
{
    weft__trace t;

    fixed_trace(&t);
    uint64_t base = weft__trace_hash(&t);
    strcpy(t.h.strategy, "random");
    strcpy(t.h.test, "other");
    t.h.seed = 1;
    t.h.max_steps = t.h.fair_after = t.h.steps = 99;
    t.h.cancel_rate = t.h.timeout_rate = t.h.inject_rate = 1.0;
    CU_ASSERT(weft__trace_hash(&t) == base);
    weft__trace_free(&t);
}

/* The hash is XXH3-64 of the count and decision bytes of the encoding, also
 * beyond the 4 KiB one-shot buffer (streaming path). */
static void test_trace_hash_is_xxh3_of_decision_section(void)
{
    static const size_t lens[] = {0, 1, 300, 371, 372, 373, 1000, 5000, 20000};
    weft__prng p;
    weft__trace t;

    weft__prng_seed(&p, 3);
    weft__trace_init(&t);
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t *buf, *empty;
        size_t len, elen;
        weft__trace_reset(&t);
        for (size_t i = 0; i < lens[k]; i++)
            random_decision(&p, &t);
        size_t dlen = t.len;
        t.len = 0;
        CU_ASSERT_FATAL(weft__trace_encode(&t, &empty, &elen) == 0);
        t.len = dlen;
        CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
        size_t start = elen - 9; /* header length: count byte + checksum */
        CU_ASSERT(weft__trace_hash(&t) ==
                  XXH3_64bits(buf + start, len - 8 - start));
        free(buf);
        free(empty);
    }
    weft__trace_free(&t);
}

static void test_trace_hash_pinned(void)
{
    weft__trace t;
    char hex[17];

    weft__trace_init(&t);
    CU_ASSERT(weft__trace_hash(&t) == XXH3_64bits("", 1)); /* count 0 */
    weft__trace_free(&t);
    fixed_trace(&t);
    weft__hash_hex(weft__trace_hash(&t), hex);
    CU_ASSERT_STRING_EQUAL(hex, "f8634cd16a4ad6e8");
    weft__trace_free(&t);
}

static void test_trace_hash_hex(void)
{
    char hex[17];

    weft__hash_hex(0, hex);
    CU_ASSERT_STRING_EQUAL(hex, "0000000000000000");
    weft__hash_hex(UINT64_C(0x2d06800538d394c2), hex);
    CU_ASSERT_STRING_EQUAL(hex, "2d06800538d394c2");
    weft__hash_hex(UINT64_MAX, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ffffffffffffffff");
}

/* ---- decoding rejects bad input ----------------------------------------- */

static void test_trace_every_truncation_rejected(void)
{
    weft__prng p;
    weft__trace t;

    weft__prng_seed(&p, 5);
    fixed_trace(&t);
    for (int iter = 0; iter < 20; iter++) {
        uint8_t *buf;
        size_t len;
        if (iter > 0)
            random_trace(&p, &t, 30);
        CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
        for (size_t cut = 0; cut < len; cut++) {
            /* a copy of exactly cut bytes, so ASan sees any overread */
            uint8_t *part = malloc(cut ? cut : 1);
            CU_ASSERT_FATAL(part != NULL);
            memcpy(part, buf, cut);
            expect_reject(part, cut, iter == 0 && cut == 12 ?
                          "truncated trace: header ends at byte 12" : NULL);
            free(part);
        }
        free(buf);
    }
    weft__trace_free(&t);
}

static void test_trace_every_byte_change_rejected(void)
{
    weft__trace t;
    uint8_t *buf;
    size_t len;

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    for (size_t i = 0; i < len; i++) {
        uint8_t keep = buf[i];
        for (unsigned x = 1; x < 256; x++) {
            buf[i] = (uint8_t)(keep ^ x);
            expect_reject(buf, len, NULL);
        }
        buf[i] = keep;
    }
    buf[len / 2] ^= 0x10;
    expect_reject(buf, len, "checksum mismatch");
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_bad_magic_rejected(void)
{
    static const char text[] = "hello, world\n";
    weft__trace t;
    uint8_t *buf;
    size_t len;

    expect_reject((const uint8_t *)text, sizeof text - 1,
                  "not a weft trace (bad magic)");
    expect_reject((const uint8_t *)"W", 1, "truncated");
    expect_reject((const uint8_t *)"", 0, "not a weft trace");
    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    buf[3] = 'X';
    expect_reject(buf, len, "bad magic");
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_newer_version_rejected(void)
{
    weft__trace t;
    uint8_t *buf;
    size_t len;

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    CU_ASSERT_FATAL(buf[8] == WEFT__TRACE_VERSION);
    buf[8] = 7;
    expect_reject(buf, len,
                  "trace format version 7 is newer than this weft (1)");
    reseal(buf, len);
    expect_reject(buf, len, "newer than this weft");
    buf[8] = 0;
    reseal(buf, len);
    expect_reject(buf, len, "version 0");
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_trailing_bytes_rejected(void)
{
    weft__trace t;
    uint8_t *buf;
    size_t len;

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    uint8_t *more = malloc(len + 3);
    CU_ASSERT_FATAL(more != NULL);
    memcpy(more, buf, len);
    more[len] = more[len + 1] = more[len + 2] = 0;
    expect_reject(more, len + 1, "1 bytes of trailing garbage");
    expect_reject(more, len + 3, "trailing garbage");
    reseal(more, len + 3);
    expect_reject(more, len + 3, NULL);
    free(more);
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_huge_count_rejected(void)
{
    static const uint8_t huge[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x01};
    static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t two_of_one[] = {0x02, 0x01 | 1 << 3};

    check_crafted(huge, sizeof huge, "decisions declared but only");
    check_crafted(max, sizeof max, "decisions declared but only");
    check_crafted(two_of_one, sizeof two_of_one, "decisions declared");
}

static void test_trace_malformed_decisions_rejected(void)
{
    static const struct {
        uint8_t body[16];
        size_t len;
        const char *want; /* NULL: must decode */
    } cases[] = {
        {{1, 0x01 | 1 << 3}, 2, NULL},                     /* pick 0 of 2 */
        {{1, 0x01 | 6 << 3}, 2, NULL},                     /* pick 5 of 2 */
        {{1, 0x06 | 1 << 3}, 2, "decision 0: unknown decision kind 6"},
        {{2, 0x02 | 1 << 3, 0x00 | 1 << 3}, 3, "decision 1: unknown decision kind 0"},
        {{1, 0x02 | 4 << 3}, 2,
         "decision 0: value 3 out of range for 2 alternatives"},
        {{1, 0x02, 0x80, 0x01, 0x80, 0x01}, 6,
         "decision 0: value 128 out of range for 128 alternatives"},
        {{1, 0x03, 0x01, 0x00}, 4, "decision 0: 1 alternatives"},
        {{1, 0x03, 0x00, 0x00}, 4, "decision 0: 0 alternatives"},
        {{1, 0x01, 0x02, 0x00}, 4, "short one is required"},
        {{1, 0x01, 0x06, 0x00}, 4, NULL},                  /* n 6: long form */
        {{1, 0x01, 0x02, 0x06}, 4, NULL},                  /* value 6: long */
        {{1, 0x01, 0x87, 0x00, 0x00}, 5, "overlong varint in decision 0"},
        {{1, 0x01 | 25 << 3}, 2, "decision 0: reserved code 25"},
        {{1, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00}, 7, "exceeds 32 bits"},
        {{1, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f},
         12, NULL},                                         /* 2^32-1 each */
        {{0x80, 0x00}, 2, "overlong varint in header"},    /* count */
        {{1, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
         12, "varint over 64 bits"},
        {{2, 0x01 | 1 << 3, 0x01}, 3, "decision 1 runs into the checksum"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_crafted(cases[i].body, cases[i].len, cases[i].want);
}

/* Patches the first occurrence of the 8 little-endian bytes of double from
 * into to, reseals and expects rejection mentioning want. */
static void check_patched_rate(double from, double to, const char *want)
{
    weft__trace t;
    uint8_t *buf, pat[8], rep[8];
    size_t len, i;

    fixed_trace(&t);
    t.h.timeout_rate = from;
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    memcpy(pat, &from, 8); /* x86-64 is little-endian, like the format */
    memcpy(rep, &to, 8);
    for (i = 0; i + 8 <= len && memcmp(buf + i, pat, 8) != 0; i++)
        ;
    CU_ASSERT_FATAL(i + 8 <= len);
    memcpy(buf + i, rep, 8);
    reseal(buf, len);
    expect_reject(buf, len, want);
    free(buf);
    weft__trace_free(&t);
}

static void test_trace_malformed_header_rejected(void)
{
    weft__trace t;
    uint8_t *buf;
    size_t len;

    check_patched_rate(0.125, 2.0, "timeout_rate 2 is not in [0, 1]");
    check_patched_rate(0.125, -0.5, "timeout_rate -0.5 is not in [0, 1]");
    check_patched_rate(0.125, NAN, "timeout_rate");

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    CU_ASSERT_FATAL(buf[9] == 5 && buf[11] == 'c');
    buf[11] = '\0';
    reseal(buf, len);
    expect_reject(buf, len, "NUL byte inside the strategy name");
    buf[11] = 'c';
    buf[9] = 64;
    reseal(buf, len);
    expect_reject(buf, len, "strategy name of 64 bytes (at most 63)");
    free(buf);
    weft__trace_free(&t);
}

/* A failed decode leaves an initialised, reusable trace behind. */
static void test_trace_decode_failure_leaves_trace_reusable(void)
{
    weft__trace t, u;
    uint8_t *buf;
    size_t len;
    char err[8]; /* short on purpose: messages are cut, never overflow */

    fixed_trace(&t);
    CU_ASSERT_FATAL(weft__trace_encode(&t, &buf, &len) == 0);
    fixed_trace(&u);
    buf[len - 1] ^= 1;
    CU_ASSERT(weft__trace_decode(buf, len, &u, err, sizeof err) == -1);
    CU_ASSERT(strlen(err) == sizeof err - 1);
    CU_ASSERT(u.len == 0 && u.h.version == WEFT__TRACE_VERSION &&
              u.h.strategy[0] == '\0' && u.h.seed == 0);
    buf[len - 1] ^= 1;
    CU_ASSERT(weft__trace_decode(buf, len, &u, NULL, 0) == 0);
    CU_ASSERT(weft__trace_equal(&t, &u));
    free(buf);
    weft__trace_free(&t);
    weft__trace_free(&u);
}

/* ---- files and dump ----------------------------------------------------- */

static void temp_path(char *path, size_t len, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/weft_test_%ld_%s", dir && *dir ? dir : "/tmp",
             (long)getpid(), name);
}

static void test_trace_file_round_trip(void)
{
    weft__trace t, u;
    char path[512], err[512];

    temp_path(path, sizeof path, "round.trc");
    fixed_trace(&t);
    weft__trace_init(&u);
    CU_ASSERT_FATAL(weft__trace_write_file(&t, path, err, sizeof err) == 0);
    CU_ASSERT(weft__trace_read_file(path, &u, err, sizeof err) == 0);
    CU_ASSERT(weft__trace_equal(&t, &u));

    /* overwriting replaces the file */
    t.len = 2;
    CU_ASSERT(weft__trace_write_file(&t, path, err, sizeof err) == 0);
    CU_ASSERT(weft__trace_read_file(path, &u, err, sizeof err) == 0);
    CU_ASSERT(weft__trace_equal(&t, &u) && u.len == 2);

    /* a corrupt file is named in the message */
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_FATAL(f != NULL);
    fseek(f, 20, SEEK_SET);
    fputc('!', f);
    fclose(f);
    CU_ASSERT(weft__trace_read_file(path, &u, err, sizeof err) == -1);
    CU_ASSERT(strstr(err, path) != NULL && strstr(err, "checksum") != NULL);
    CU_ASSERT(u.len == 0);
    remove(path);
    weft__trace_free(&t);
    weft__trace_free(&u);
}

static void test_trace_file_errors(void)
{
    weft__trace t;
    char err[512];
    const char *missing = "/nonexistent-weft-dir/missing.trc";

    fixed_trace(&t);
    CU_ASSERT(weft__trace_read_file(missing, &t, err, sizeof err) == -1);
    CU_ASSERT(strstr(err, missing) != NULL);
    CU_ASSERT(strstr(err, "No such file") != NULL);
    CU_ASSERT(t.len == 0 && t.h.test[0] == '\0');

    weft__trace_free(&t);
    fixed_trace(&t);
    CU_ASSERT(weft__trace_write_file(&t, missing, err, sizeof err) == -1);
    CU_ASSERT(strstr(err, "cannot write") != NULL);
    weft__trace_free(&t);
}

/* Reads everything written to f (a tmpfile) as a string; caller frees. */
static char *read_back(FILE *f)
{
    long n = ftell(f);
    char *s = malloc((size_t)n + 1);
    CU_ASSERT_FATAL(s != NULL);
    rewind(f);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    return s;
}

static void test_trace_dump_lists_header_and_decisions(void)
{
    static const char *const want[] = {
        "strategy      pct:3",   "test          lost_update",
        "seed          42",      "cancel_rate   0.25",
        "inject_rate   0.5",     "decisions     7",
        "     0  pick     task 1 of 2\n",
        "     1  pick     task 7 of 3\n",
        "     2  timer    0 of 2\n",
        "     3  cancel   scope 1 of 2\n",
        "     4  timeout  yes\n",
        "     5  inject   no\n",
        "     6  pick     task 123456 of 1000\n",
    };
    weft__trace t;
    char hex[17];
    FILE *f = tmpfile();

    CU_ASSERT_FATAL(f != NULL);
    fixed_trace(&t);
    weft__trace_dump(&t, f);
    char *s = read_back(f);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CU_ASSERT(strstr(s, want[i]) != NULL);
    weft__hash_hex(weft__trace_hash(&t), hex);
    CU_ASSERT(strstr(s, hex) != NULL);
    free(s);
    fclose(f);
    weft__trace_free(&t);
}

/* ---- prng --------------------------------------------------------------- */

/* These constants are the contract: recorded seeds replay through them. */
static void test_trace_prng_pinned_outputs(void)
{
    static const uint64_t want0[] = {
        UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a),
        UINT64_C(0x1a5f849d4933e6e0), UINT64_C(0x6aa594f1262d2d2c)};
    static const uint64_t want42[] = {
        UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e),
        UINT64_C(0xae17533239e499a1), UINT64_C(0xecb8ad4703b360a1)};
    static const uint64_t below10[] = {0, 3, 6, 9, 9, 7, 7, 8};
    static const uint64_t below_half[] = {
        UINT64_C(9147776489032658738), UINT64_C(7099593415032875292),
        UINT64_C(6633989454467100377), UINT64_C(7022439175346172479)};
    weft__prng p;
    uint64_t x = 0;

    CU_ASSERT(weft__splitmix64(&x) == UINT64_C(0xe220a8397b1dcdaf));
    weft__prng_seed(&p, 0);
    for (int i = 0; i < 4; i++)
        CU_ASSERT(weft__prng_next(&p) == want0[i]);
    weft__prng_seed(&p, 42);
    for (int i = 0; i < 4; i++)
        CU_ASSERT(weft__prng_next(&p) == want42[i]);
    weft__prng_seed(&p, 42);
    for (int i = 0; i < 8; i++)
        CU_ASSERT(weft__prng_below(&p, 10) == below10[i]);
    /* n = 2^63 + 1 rejects about half the draws: pins the rejection rule */
    weft__prng_seed(&p, 42);
    for (int i = 0; i < 4; i++)
        CU_ASSERT(weft__prng_below(&p, UINT64_C(0x8000000000000001)) ==
                  below_half[i]);
    weft__prng_seed(&p, 0);
    CU_ASSERT(weft__prng_unit(&p) == 0x1.33d8be6d96ebep-1);
    weft__prng_seed(&p, 42);
    CU_ASSERT(weft__prng_unit(&p) == 0x1.5780b2e0c2ecp-4);
}

static void test_trace_prng_below_bounds(void)
{
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 1000, UINT64_C(1) << 32,
                                  (UINT64_C(1) << 32) + 1,
                                  UINT64_C(0x8000000000000001), UINT64_MAX};
    weft__prng p;

    weft__prng_seed(&p, 9);
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (int i = 0; i < 10000; i++)
            CU_ASSERT_FATAL(weft__prng_below(&p, ns[k]) < ns[k]);
    for (int i = 0; i < 100000; i++) {
        double u = weft__prng_unit(&p);
        CU_ASSERT_FATAL(u >= 0.0 && u < 1.0);
    }
}

/* Bucket counts within 5% of the mean (about 5 standard deviations). */
static void test_trace_prng_below_roughly_uniform(void)
{
    enum { N = 10, DRAWS = 200000 };
    unsigned count[N] = {0}, top[2] = {0};
    weft__prng p;

    weft__prng_seed(&p, 1);
    for (int i = 0; i < DRAWS; i++)
        count[weft__prng_below(&p, N)]++;
    for (int i = 0; i < N; i++)
        CU_ASSERT(abs((int)count[i] - DRAWS / N) < DRAWS / N / 20);
    /* a large n whose bias without rejection would be 1/3 vs 2/3 */
    uint64_t third = UINT64_MAX / 3 * 2;
    for (int i = 0; i < DRAWS; i++)
        top[weft__prng_below(&p, third) >= third / 2]++;
    CU_ASSERT(abs((int)top[0] - DRAWS / 2) < DRAWS / 40);
}

/* ---- registration ------------------------------------------------------- */

#define T(name) {#name, name}

int tests_trace_register(void)
{
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        T(test_trace_reset_keeps_capacity),
        T(test_trace_round_trip_random),
        T(test_trace_round_trip_empty),
        T(test_trace_encoding_pinned),
        T(test_trace_encode_rejects_invalid_trace),
        T(test_trace_hash_equal_for_equal_decisions),
        T(test_trace_hash_differs_when_one_decision_differs),
        T(test_trace_hash_independent_of_header),
        T(test_trace_hash_is_xxh3_of_decision_section),
        T(test_trace_hash_pinned),
        T(test_trace_hash_hex),
        T(test_trace_every_truncation_rejected),
        T(test_trace_every_byte_change_rejected),
        T(test_trace_bad_magic_rejected),
        T(test_trace_newer_version_rejected),
        T(test_trace_trailing_bytes_rejected),
        T(test_trace_huge_count_rejected),
        T(test_trace_malformed_decisions_rejected),
        T(test_trace_malformed_header_rejected),
        T(test_trace_decode_failure_leaves_trace_reusable),
        T(test_trace_file_round_trip),
        T(test_trace_file_errors),
        T(test_trace_dump_lists_header_and_decisions),
        T(test_trace_prng_pinned_outputs),
        T(test_trace_prng_below_bounds),
        T(test_trace_prng_below_roughly_uniform),
    };
    CU_pSuite suite = CU_add_suite("trace", NULL, NULL);

    if (suite == NULL)
        return -1;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
            return -1;
    return 0;
}
