/*
 * fuzz_store.c — libFuzzer target for the failure store's rows
 * (reports/store*.c) and the trace blobs kept in them.
 *
 * A store is created once per process in a fresh directory under $TMPDIR
 * (or /tmp: the only writable place under OSS-Fuzz), and emptied after
 * every input. The first input byte's low two bits pick what the rest
 * means (its other bits are flags; in API mode, bits 4-7 are the kind):
 *
 *   API (mode 0)  the rest, split at NUL bytes, is a failure event's
 *       test name, strategy, message, location and options, and the
 *       remainder its trace blob; it is recorded with weft__store_record
 *       (and, with flag 0x08, a second, "minimized" schedule with
 *       weft__store_add_schedule, its checksum made right with flag 0x04).
 *       Properties: recording succeeds; weft__store_get returns exactly
 *       what was recorded (the test name and location as far as their
 *       fixed fields hold them, the message, seed, strategy and trace
 *       bytes in full); the hit count adds up; list and show succeed; a
 *       missing failure or schedule is an error with a message.
 *   rows (mode 1)  the rest is a sequence of typed SQL values (integer,
 *       real, text, blob or NULL: what another tool or another weft
 *       version may have written) inserted straight into every table of
 *       the store; get, list and show then run over whatever was accepted.
 *   merge (mode 2) such rows go into a second store (and the input's
 *       remaining values into the first, so that keys may collide), which
 *       is merged into the first twice (weft merge): both merges succeed
 *       (two valid stores always merge) and the second changes nothing.
 *       Both are read back as above.
 *   file (mode 3) the rest is a whole store file: opened for reading
 *       (and, with flag 0x08, for writing, which migrates it), then read.
 *       The seeds hold a schema-1 and a schema-2 store (512-byte pages).
 *
 * In every mode: every call returns 0 or -1, never crashes, leaks, or
 * reads out of bounds; -1 comes with a message; every string field read
 * back is terminated within its array; every stored trace blob read back
 * is decoded, and when it decodes it re-encodes to the same bytes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude \
 *       fuzz/fuzz_store.c reports/store.c reports/store_query.c \
 *       reports/store_record.c reports/store_merge.c scheduler/trace.c \
 *       -lsqlite3 -o fuzz_store
 *   ./fuzz_store corpus/fuzz_store
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../reports/store_int.h"
#include "../scheduler/trace.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CAMPAIGN "fuzzcampaign0000fuzzcampaign0000"

static char dir[4096], path_a[4200], path_b[4200], path_f[4200];
static weft__store *A, *B;
static FILE *sink;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "fuzz_store: %s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                             \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* weft_kind_name lives in the runtime (runtime/fail.c), which this target
 * does not link: the same table. */
const char *weft_kind_name(int kind)
{
    static const char *const names[] = {
        [WEFT_KIND_NONE] = "none",         [WEFT_KIND_ASSERT] = "assert",
        [WEFT_KIND_FAILURE] = "failure",   [WEFT_KIND_DEADLOCK] = "deadlock",
        [WEFT_KIND_LIVELOCK] = "livelock", [WEFT_KIND_MISUSE] = "misuse",
        [WEFT_KIND_VIOLATION] = "violation", [WEFT_KIND_CRASH] = "crash",
        [WEFT_KIND_RACE] = "race",         [WEFT_KIND_DIVERGED] = "diverged",
    };
    if (kind < 0 || (size_t)kind >= sizeof names / sizeof names[0] || !names[kind])
        return "unknown";
    return names[kind];
}

static void unlink_db(const char *p)
{
    char x[4300];
    unlink(p);
    snprintf(x, sizeof x, "%s-wal", p);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", p);
    unlink(x);
    snprintf(x, sizeof x, "%s-journal", p);
    unlink(x);
}

static void cleanup(void)
{
    weft__store_close(A);
    weft__store_close(B);
    A = B = NULL;
    if (sink)
        fclose(sink);
    sink = NULL;
    unlink_db(path_a);
    unlink_db(path_b);
    unlink_db(path_f);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/weft-fuzz-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/weft-fuzz-store-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("fuzz_store: mkdtemp");
            abort();
        }
    }
    /* one thread; SQLite's own bookkeeping off (it is not under test) */
    sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    snprintf(path_a, sizeof path_a, "%s/a.db", dir);
    snprintf(path_b, sizeof path_b, "%s/b.db", dir);
    snprintf(path_f, sizeof path_f, "%s/f.db", dir);
    char err[512];
    if (weft__store_open(path_a, WEFT__STORE_WRITE, &A, err, sizeof err) != 0 ||
        weft__store_open(path_b, WEFT__STORE_WRITE, &B, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_store: %s\n", err);
        abort();
    }
    /* nothing here must survive a crash: faster commits */
    sqlite3_exec(A->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    sqlite3_exec(B->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    atexit(cleanup);
    return 0;
}

static void wipe(weft__store *s)
{
    char err[512];
    int rc = weft__store_exec(s,
                              "DELETE FROM schedules; DELETE FROM failure_hits;"
                              " DELETE FROM failures; DELETE FROM campaign_progress;"
                              " DELETE FROM campaigns; DELETE FROM tests;"
                              " DELETE FROM builds;",
                              err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "fuzz_store: cannot empty the store: %s\n", err);
        abort();
    }
}

static bool terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

/* An error return must say why, in a terminated message. */
static void check_rc(int rc, const char *err, size_t n)
{
    CHECK(rc == 0 || rc == -1);
    if (rc != 0)
        CHECK(terminated(err, n) && err[0] != '\0');
}

/* A trace blob as read back from the store: decodes, or fails cleanly;
 * what decodes re-encodes to the same bytes. */
static void check_blob(const uint8_t *b, size_t len)
{
    weft__trace t;
    char err[256];
    weft__trace_init(&t);
    memset(err, 'x', sizeof err);
    if (weft__trace_decode(b, len, &t, err, sizeof err) != 0) {
        CHECK(terminated(err, sizeof err) && err[0] != '\0' && t.len == 0);
    } else {
        uint8_t *enc = NULL;
        size_t n = 0;
        CHECK(weft__trace_encode(&t, &enc, &n) == 0);
        CHECK(n == len && memcmp(enc, b, n) == 0);
        free(enc);
    }
    weft__trace_free(&t);
}

/* Reads failure id (and schedule sid) back; checks the struct is sane. */
static int read_back(weft__store *s, int64_t id, int64_t sid, weft__stored_failure *f)
{
    char err[512];
    memset(err, 'x', sizeof err);
    int rc = weft__store_get(s, id, sid, f, err, sizeof err);
    check_rc(rc, err, sizeof err);
    if (rc != 0) {
        CHECK(f->message == NULL && f->trace == NULL);
        return rc;
    }
    CHECK(f->id == id && f->message != NULL);
    CHECK(terminated(f->test, sizeof f->test) && terminated(f->kind, sizeof f->kind));
    CHECK(terminated(f->location, sizeof f->location));
    CHECK(terminated(f->first_seen, sizeof f->first_seen));
    CHECK(terminated(f->last_seen, sizeof f->last_seen));
    CHECK(terminated(f->strategy, sizeof f->strategy));
    CHECK(terminated(f->trace_hash, sizeof f->trace_hash));
    CHECK(terminated(f->build_path, sizeof f->build_path));
    CHECK(terminated(f->build_hash, sizeof f->build_hash));
    CHECK(f->trace != NULL || f->trace_len == 0);
    (void)strlen(f->message);
    check_blob(f->trace, f->trace_len);
    return 0;
}

/* Every failure of s: get (best schedule and each kept one), show; list. */
static void read_all(weft__store *s)
{
    char err[512];
    memset(err, 'x', sizeof err);
    check_rc(weft__store_list(s, sink, err, sizeof err), err, sizeof err);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT f.id, s.id FROM failures f LEFT JOIN schedules s"
                                  " ON s.failure_id = f.id ORDER BY f.id, s.id LIMIT 64",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t fid = sqlite3_column_int64(st, 0), sid = sqlite3_column_int64(st, 1);
        weft__stored_failure f;
        if (read_back(s, fid, 0, &f) == 0)
            weft__stored_failure_free(&f);
        if (sid > 0 && read_back(s, fid, sid, &f) == 0) {
            CHECK(f.schedule_id == sid);
            weft__stored_failure_free(&f);
        }
        memset(err, 'x', sizeof err);
        check_rc(weft__store_show(s, fid, sink, err, sizeof err), err, sizeof err);
    }
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------- API mode */

/* Next NUL-terminated field of [*p, end) (the last one runs to the end). */
static const char *field(const uint8_t **p, const uint8_t *end, char *buf, size_t cap)
{
    const uint8_t *q = *p;
    size_t n = 0;
    while (q < end && *q && n + 1 < cap)
        buf[n++] = (char)*q++;
    buf[n] = '\0';
    while (q < end && *q) /* longer than the buffer: the rest is skipped */
        q++;
    if (q < end)
        q++;
    *p = q;
    return buf;
}

static void api_mode(uint8_t flags, const uint8_t *p, const uint8_t *end)
{
    static char test[4096], strategy[256], message[8192], location[1024], options[1024];
    char err[512];
    field(&p, end, test, sizeof test);
    field(&p, end, strategy, sizeof strategy);
    field(&p, end, message, sizeof message);
    field(&p, end, location, sizeof location);
    field(&p, end, options, sizeof options);
    size_t tlen = (size_t)(end - p);
    /* an exact-size copy: ASan catches reads past the blob's end */
    uint8_t *trace = malloc(tlen ? tlen : 1);
    if (!trace)
        return;
    memcpy(trace, p, tlen);

    uint64_t h = XXH3_64bits(trace, tlen);
    weft_failure_event ev = {
        .test = test, .strategy = strategy, .kind = (int)(flags >> 4) - 2,
        .message = message, .location = location, .seed = h ^ 0x8000000000000000ull,
        .execution = 1, .steps = h >> 3, .signature = XXH3_64bits(message, strlen(message)),
        .trace_hash = h, .trace = trace, .trace_len = tlen, .first_of_signature = true,
    };
    memset(err, 'x', sizeof err);
    int rc = weft__store_record(A, CAMPAIGN, 0, &ev, options, err, sizeof err);
    check_rc(rc, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "fuzz_store: recording a failure failed: %s\n", err);
        abort();
    }
    int64_t fid = weft__store_int(A, "SELECT max(id) FROM failures");
    CHECK(fid > 0);

    weft__stored_failure f;
    CHECK(read_back(A, fid, 0, &f) == 0);
    CHECK(strncmp(f.test, test, sizeof f.test - 1) == 0);
    CHECK(strncmp(f.location, location, sizeof f.location - 1) == 0);
    CHECK(strcmp(f.message, message) == 0);
    CHECK(strcmp(f.kind, weft_kind_name(ev.kind)) == 0);
    CHECK(strncmp(f.strategy, strategy, sizeof f.strategy - 1) == 0);
    CHECK(f.seed == ev.seed && f.steps == ev.steps && f.hits == 1 && f.schedules == 1);
    CHECK(f.trace_len == tlen && (tlen == 0 || memcmp(f.trace, trace, tlen) == 0));
    char hex[17];
    weft__hash_hex(h, hex);
    CHECK(strcmp(f.trace_hash, hex) == 0);
    int64_t sid = f.schedule_id;
    weft__stored_failure_free(&f);

    /* the same failure again: one more hit, no second schedule */
    memset(err, 'x', sizeof err);
    CHECK(weft__store_record(A, CAMPAIGN, 0, &ev, options, err, sizeof err) == 0);
    memset(err, 'x', sizeof err);
    CHECK(weft__store_add_hits(A, CAMPAIGN, test, ev.signature, 3, err, sizeof err) == 0);
    CHECK(read_back(A, fid, 0, &f) == 0);
    CHECK(f.hits == 5 && f.schedules == 1 && f.schedule_id == sid);
    weft__stored_failure_free(&f);

    if (flags & 0x08) { /* a minimized schedule, preferred from now on */
        if ((flags & 0x04) && tlen >= 8) {
            uint64_t c = XXH3_64bits(trace, tlen - 8);
            for (int i = 0; i < 8; i++)
                trace[tlen - 8 + i] = (uint8_t)(c >> (8 * i));
        }
        uint64_t h2 = XXH3_64bits(trace, tlen) + 1;
        int64_t sid2 = 0;
        memset(err, 'x', sizeof err);
        rc = weft__store_add_schedule(A, fid, trace, tlen, h2, ev.seed + 1, strategy, 1,
                                      true, &sid2, err, sizeof err);
        check_rc(rc, err, sizeof err);
        CHECK(rc == 0 && sid2 > 0 && sid2 != sid);
        CHECK(read_back(A, fid, 0, &f) == 0);
        CHECK(f.schedule_id == sid2 && f.minimized && f.schedules == 2);
        CHECK(f.trace_len == tlen && (tlen == 0 || memcmp(f.trace, trace, tlen) == 0));
        weft__stored_failure_free(&f);
        CHECK(read_back(A, fid, sid, &f) == 0);
        CHECK(f.schedule_id == sid && !f.minimized);
        weft__stored_failure_free(&f);
    }
    /* what is not there is an error, with a message */
    CHECK(read_back(A, fid, sid + 1000, &f) == -1);
    CHECK(read_back(A, fid + 1000, 0, &f) == -1);
    memset(err, 'x', sizeof err);
    CHECK(weft__store_add_hits(A, CAMPAIGN, test, ev.signature + 1, 1, err, sizeof err) == -1);
    check_rc(-1, err, sizeof err);
    memset(err, 'x', sizeof err);
    CHECK(weft__store_list(A, sink, err, sizeof err) == 0);
    CHECK(weft__store_show(A, fid, sink, err, sizeof err) == 0);
    free(trace);
}

/* ------------------------------------------------------------ rows mode */

typedef struct reader {
    const uint8_t *p, *end;
} reader;

/* Binds the next typed value of the input to parameter i:
 *   type byte % 6: 0 integer (8 bytes), 1 real (8 bytes), 2 text, 3 blob
 *   (a length byte, then that many bytes), 4 NULL, 5 a small integer (1
 *   byte). An exhausted input binds the default given. */
static void bind_next(reader *r, sqlite3_stmt *st, int i, int64_t dflt)
{
    if (r->p >= r->end) {
        sqlite3_bind_int64(st, i, dflt);
        return;
    }
    uint8_t type = *r->p++ % 6;
    size_t avail = (size_t)(r->end - r->p), n;
    uint64_t v = 0;
    double d;
    switch (type) {
    case 0:
    case 1:
        n = avail < 8 ? avail : 8;
        memcpy(&v, r->p, n);
        r->p += n;
        if (type == 0) {
            sqlite3_bind_int64(st, i, (int64_t)v);
        } else {
            memcpy(&d, &v, sizeof d);
            sqlite3_bind_double(st, i, d);
        }
        break;
    case 2:
    case 3:
        n = avail ? *r->p++ : 0;
        avail = (size_t)(r->end - r->p);
        if (n > avail)
            n = avail;
        if (type == 2)
            sqlite3_bind_text(st, i, (const char *)r->p, (int)n, SQLITE_TRANSIENT);
        else
            sqlite3_bind_blob(st, i, n ? (const void *)r->p : "", (int)n, SQLITE_TRANSIENT);
        r->p += n;
        break;
    case 4:
        sqlite3_bind_null(st, i);
        break;
    default:
        sqlite3_bind_int64(st, i, avail ? (int8_t)*r->p++ : 0);
    }
}

/* Inserts rows of typed input values into every table of s, in an order
 * that lets references resolve (ids 1, 2, ... of a wiped store). */
static void insert_rows(weft__store *s, reader *r)
{
    static const struct {
        const char *sql;
        int params;
        int64_t dflt;
    } rows[] = {
        {"INSERT INTO builds(hash, path, first_seen) VALUES(?1, ?2, ?3)", 3, 7},
        {"INSERT INTO tests(name) VALUES(?1)", 1, 3},
        {"INSERT INTO tests(name) VALUES(?1)", 1, 4},
        {"INSERT INTO campaigns(uuid, test_id, build_id, started, ended, host, pid, strategy,"
         " options, executions, failures) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
         11, 1},
        {"INSERT INTO failures(test_id, kind, message, location, signature, first_seen,"
         " last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", 7, 1},
        {"INSERT INTO failures(test_id, kind, message, location, signature, first_seen,"
         " last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", 7, 2},
        {"INSERT INTO failure_hits(failure_id, campaign_uuid, hits) VALUES(?1, ?2, ?3)", 3, 1},
        {"INSERT INTO campaign_progress(campaign_uuid, t_s, executions, failing,"
         " distinct_schedules) VALUES(?1, ?2, ?3, ?4, ?5)", 5, 1},
        {"INSERT INTO schedules(failure_id, build_id, campaign_uuid, seed, strategy, options,"
         " trace, trace_hash, steps, decisions, preemptions, injections, minimized, found)"
         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", 14, 1},
        {"INSERT INTO schedules(failure_id, build_id, campaign_uuid, seed, strategy, options,"
         " trace, trace_hash, steps, decisions, preemptions, injections, minimized, found)"
         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", 14, 2},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, rows[k].sql, -1, &st, NULL) != SQLITE_OK) {
            fprintf(stderr, "fuzz_store: %s\n", sqlite3_errmsg(s->db));
            abort();
        }
        for (int i = 1; i <= rows[k].params; i++)
            bind_next(r, st, i, rows[k].dflt);
        (void)sqlite3_step(st); /* constraint failures are fine */
        sqlite3_finalize(st);
    }
}

static void rows_mode(const uint8_t *p, const uint8_t *end)
{
    reader r = {p, end};
    insert_rows(A, &r);
    read_all(A);
}

/* ----------------------------------------------------------- merge mode */

/* The store's row counts and hit total, hashed. */
static int64_t fingerprint(weft__store *s)
{
    return weft__store_int(
        s, "SELECT (SELECT count(*) FROM failures) + 7 * (SELECT count(*) FROM schedules)"
           " + 49 * (SELECT count(*) FROM failure_hits) + 343 * (SELECT count(*) FROM tests)"
           " + 2401 * (SELECT count(*) FROM builds) + 16807 * (SELECT count(*) FROM campaigns)"
           " + 117649 * (SELECT coalesce(sum(hits), 0) FROM failure_hits)"
           " + 7 * (SELECT coalesce(sum(executions), 0) FROM campaigns)"
           " + 823543 * (SELECT count(*) FROM campaign_progress)");
}

static void merge_mode(const uint8_t *p, const uint8_t *end)
{
    char err[512];
    reader r = {p, end};
    insert_rows(B, &r);
    read_all(B);
    /* A gets the same rows first when the input has more: keys collide */
    reader r2 = {r.p, end};
    if (r2.p < end)
        insert_rows(A, &r2);
    memset(err, 'x', sizeof err);
    /* two valid stores always merge */
    if (weft__store_merge(A, path_b, sink, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_store: merge failed: %s\n", err);
        abort();
    }
    int64_t before = fingerprint(A);
    memset(err, 'x', sizeof err);
    if (weft__store_merge(A, path_b, sink, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_store: second merge failed: %s\n", err);
        abort();
    }
    CHECK(fingerprint(A) == before); /* merging twice adds nothing */
    read_all(A);
    wipe(B);
}

/* ------------------------------------------------------------ file mode */

static void file_mode(uint8_t flags, const uint8_t *p, const uint8_t *end)
{
    weft__store *f;
    char err[512];
    unlink_db(path_f);
    FILE *out = fopen(path_f, "wb");
    if (!out)
        abort();
    if (fwrite(p, 1, (size_t)(end - p), out) != (size_t)(end - p))
        abort();
    fclose(out);
    memset(err, 'x', sizeof err);
    int rc = weft__store_open(path_f, WEFT__STORE_READ, &f, err, sizeof err);
    check_rc(rc, err, sizeof err);
    if (rc == 0) {
        read_all(f);
        weft__store_close(f);
    }
    if (flags & 0x08) {
        memset(err, 'x', sizeof err);
        rc = weft__store_open(path_f, WEFT__STORE_WRITE, &f, err, sizeof err);
        check_rc(rc, err, sizeof err);
        if (rc == 0) {
            read_all(f);
            weft__store_close(f);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!A)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    switch (flags & 3) {
    case 0:
        api_mode(flags, p, end);
        break;
    case 1:
        rows_mode(p, end);
        break;
    case 2:
        merge_mode(p, end);
        break;
    default:
        file_mode(flags, p, end);
    }
    wipe(A);
    return 0;
}
