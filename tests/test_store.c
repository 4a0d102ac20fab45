/*
 * test_store.c — CUnit suite "store": the SQLite failure store
 * (reports/store.h) used directly, without the command line.
 *
 * What it keeps: a fresh store has the documented identity (user_version 2,
 * application_id 'weft', WAL); files that are not a store of this version
 * (missing, text, another application's database, a newer schema, corrupt)
 * are refused with a message and left byte for byte as they were; failures
 * deduplicate by (test, signature) with hits counted per campaign;
 * schedules deduplicate by trace hash and only the WEFT__STORE_KEEP best
 * (minimized first, then shortest) are kept; merge is idempotent; list and
 * show print what the tools promise; several processes may create and
 * write one store at the same time.
 *
 * Every file lives in one mkdtemp directory under /tmp, removed at exit.
 */
#include <CUnit/CUnit.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/store.h"
#include "scheduler/explore.h"
#include "scheduler/trace.h"
#include "testutil.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---------------------------------------------------------- helpers */

static char dir[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_dir(void)
{
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name, in one of a few rotating buffers. Fresh names per test. */
static const char *in_dir(const char *name)
{
    static char buf[8][256];
    static int next;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/weft-store-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(rm_dir);
    }
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static weft__store *open_mode(const char *path, int mode)
{
    weft__store *s = NULL;
    char err[512] = "";
    int rc = weft__store_open(path, mode, &s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "\n  open %s: %s\n", path, err);
    CU_ASSERT_FATAL(rc == 0 && s != NULL);
    return s;
}

static weft__store *open_w(const char *path)
{
    return open_mode(path, WEFT__STORE_WRITE);
}

/* The first integer of a one-row query on the file, read with SQLite
 * itself (read-only); -1 on any error. */
static int64_t sql_int(const char *path, const char *q)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The first text column of a one-row query, into out; "" on error. */
static const char *sql_text(const char *path, const char *q, char *out, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/* Runs statements on the file (read-write); 0 or -1. */
static int sql_exec(const char *path, const char *q)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, q, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static bool integrity_ok(const char *path)
{
    char v[64];
    return strcmp(sql_text(path, "PRAGMA integrity_check", v, sizeof v), "ok") == 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(data, 1, len, f) == len);
    CU_ASSERT_FATAL(fclose(f) == 0);
}

/* Content hash of a file (to show it is untouched); "" when unreadable. */
static void sum(const char *path, char out[17])
{
    if (weft__file_hash(path, out) != 0)
        out[0] = '\0';
}

static void begin(weft__store *s, const char *test, char uuid[33])
{
    char err[512];
    int rc = weft__store_campaign_begin(s, test, 0, "random", "{}", uuid, err, sizeof err);
    if (rc)
        fprintf(stderr, "\n  campaign: %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
}

/* Records one failing execution of test with the given signature; its
 * trace is 16 bytes derived from hash (so distinct hashes, distinct
 * bytes). */
static int rec_build(weft__store *s, const char *uuid, int64_t build, const char *test,
                     uint64_t sig, uint64_t hash, uint64_t steps)
{
    uint8_t trace[16];
    for (int i = 0; i < 16; i++)
        trace[i] = (uint8_t)(hash >> (8 * (i % 8))) ^ (uint8_t)i;
    weft_failure_event ev = {
        .test = test, .strategy = "random", .kind = WEFT_KIND_ASSERT,
        .message = "assertion failed: x == 2: x is 1", .location = "t.c:10",
        .seed = hash, .steps = steps, .signature = sig, .trace_hash = hash,
        .trace = trace, .trace_len = sizeof trace, .first_of_signature = true,
    };
    char err[512];
    int rc = weft__store_record(s, uuid, build, &ev, "{}", err, sizeof err);
    if (rc)
        fprintf(stderr, "\n  record: %s\n", err);
    return rc;
}

static int rec(weft__store *s, const char *uuid, const char *test, uint64_t sig,
               uint64_t hash, uint64_t steps)
{
    return rec_build(s, uuid, 0, test, sig, hash, steps);
}

/* Failure id's hit count and schedule count, and its best schedule's
 * steps, through weft__store_get. */
typedef struct got {
    uint64_t hits, steps;
    int64_t schedules, schedule_id;
    bool minimized;
} got;

static got get(weft__store *s, int64_t id)
{
    weft__stored_failure f;
    char err[512];
    got g = {0};
    int rc = weft__store_get(s, id, 0, &f, err, sizeof err);
    if (rc)
        fprintf(stderr, "\n  get %lld: %s\n", (long long)id, err);
    CU_ASSERT_FATAL(rc == 0);
    g.hits = f.hits;
    g.steps = f.steps;
    g.schedules = f.schedules;
    g.schedule_id = f.schedule_id;
    g.minimized = f.minimized;
    weft__stored_failure_free(&f);
    return g;
}

/* What list / show print, as a malloc'd string. */
static char *capture_list(weft__store *s)
{
    char *buf = NULL, err[512];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    int rc = weft__store_list(s, f, err, sizeof err);
    fclose(f);
    if (rc)
        fprintf(stderr, "\n  list: %s\n", err);
    CU_ASSERT(rc == 0);
    return buf;
}

static char *capture_show(weft__store *s, int64_t id, int *rc, char *err, size_t err_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    *rc = weft__store_show(s, id, f, err, err_len);
    fclose(f);
    return buf;
}

static bool contains(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle))
        return true;
    fprintf(stderr, "\n  expected \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
    return false;
}

/* ------------------------------------------------------------ open */

static void test_store_open_creates_fresh(void)
{
    const char *p = in_dir("fresh.db");
    char v[64];
    weft__store *s = open_w(p);
    CU_ASSERT_STRING_EQUAL(weft__store_path(s), p);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), WEFT__STORE_SCHEMA);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA application_id"), 0x77656674);
    CU_ASSERT_STRING_EQUAL(sql_text(p, "PRAGMA journal_mode", v, sizeof v), "wal");
    const char *tables[] = {"builds", "tests", "campaigns", "failures", "failure_hits",
                            "schedules"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char q[128];
        snprintf(q, sizeof q, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                              "name = '%s'", tables[i]);
        CU_ASSERT_EQUAL(sql_int(p, q), 1);
    }
    /* reopening, for writing and for reading, changes nothing */
    char err[512];
    s = open_w(p);
    weft__store_close(s);
    s = open_mode(p, WEFT__STORE_READ);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 7);
    /* an empty file is a fresh store for writing, not a store for reading */
    const char *e = in_dir("empty.db");
    write_file(e, "", 0);
    CU_ASSERT(weft__store_open(e, WEFT__STORE_READ, &s, err, sizeof err) == -1);
    CU_ASSERT(s == NULL);
    CU_ASSERT(contains(err, "empty"));
    s = open_w(e);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(e, "PRAGMA user_version"), 2);
}

/* A schema-1 store (before campaign_progress) is migrated forward on open
 * for writing, keeping its rows; opened for reading it stays as it is. */
static void test_store_migrates_v1(void)
{
    const char *p = in_dir("v1.db");
    weft__store *s = open_w(p);
    weft__store_close(s);
    CU_ASSERT_FATAL(sql_exec(p, "DROP TABLE campaign_progress; PRAGMA user_version = 1;"
                                "INSERT INTO tests(name) VALUES('old')") == 0);
    s = open_mode(p, WEFT__STORE_READ);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), 1);
    s = open_w(p);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM campaign_progress"), 0);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM tests WHERE name = 'old'"), 1);
}

static void test_store_open_read_missing_fails(void)
{
    const char *p = in_dir("missing.db");
    weft__store *s = (weft__store *)1;
    char err[512] = "";
    CU_ASSERT(weft__store_open(p, WEFT__STORE_READ, &s, err, sizeof err) == -1);
    CU_ASSERT(s == NULL);
    CU_ASSERT(contains(err, p));
    CU_ASSERT(contains(err, "no such store"));
    CU_ASSERT(access(p, F_OK) != 0); /* not created */
    /* a directory is not a store either */
    CU_ASSERT(weft__store_open(dir, WEFT__STORE_WRITE, &s, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "not a regular file"));
}

static void test_store_open_rejects_newer_schema(void)
{
    const char *p = in_dir("newer.db");
    weft__store *s = open_w(p);
    char uuid[33], err[512], a[17], b[17];
    begin(s, "t", uuid);
    CU_ASSERT(rec(s, uuid, "t", 1, 1, 5) == 0);
    weft__store_close(s);
    CU_ASSERT_FATAL(sql_exec(p, "PRAGMA user_version = 99") == 0);
    sum(p, a);
    for (int mode = WEFT__STORE_READ; mode <= WEFT__STORE_WRITE; mode++) {
        s = (weft__store *)1;
        err[0] = '\0';
        CU_ASSERT(weft__store_open(p, mode, &s, err, sizeof err) == -1);
        CU_ASSERT(s == NULL);
        CU_ASSERT(contains(err, "newer"));
        CU_ASSERT(strchr(err, '\n') == NULL);
    }
    sum(p, b);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(sql_int(p, "PRAGMA user_version"), 99);
}

static void test_store_open_rejects_foreign(void)
{
    const char *txt = in_dir("text.db"), *other = in_dir("other.db");
    const char text[] = "just some text, certainly not SQLite\n";
    write_file(txt, text, sizeof text - 1);
    CU_ASSERT_FATAL(sql_exec(other, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
                                    "INSERT INTO notes(body) VALUES('x');") == 0);
    const char *files[] = {txt, other};
    const char *want[] = {"not a weft store", "another application"};
    for (int i = 0; i < 2; i++) {
        char a[17], b[17], err[512];
        sum(files[i], a);
        for (int mode = WEFT__STORE_READ; mode <= WEFT__STORE_WRITE; mode++) {
            weft__store *s = (weft__store *)1;
            err[0] = '\0';
            CU_ASSERT(weft__store_open(files[i], mode, &s, err, sizeof err) == -1);
            CU_ASSERT(s == NULL);
            CU_ASSERT(contains(err, want[i]));
            CU_ASSERT(strchr(err, '\n') == NULL);
        }
        sum(files[i], b);
        CU_ASSERT_STRING_EQUAL(a, b);
    }
    CU_ASSERT_EQUAL(sql_int(other, "SELECT count(*) FROM notes"), 1);
    CU_ASSERT_EQUAL(sql_int(other, "SELECT count(*) FROM sqlite_schema"), 1);
}

/* A store whose failures table's root page is overwritten: the store must
 * say so (open, list, or the first write) and must not be written to. */
static void test_store_open_rejects_corrupt(void)
{
    const char *p = in_dir("corrupt.db");
    weft__store *s = open_w(p);
    char uuid[33], err[512], a[17], b[17];
    begin(s, "t", uuid);
    for (uint64_t i = 0; i < 4; i++)
        CU_ASSERT(rec(s, uuid, "t", 1 + i, 10 + i, 5) == 0);
    weft__store_close(s); /* the last connection checkpoints: one file */
    int64_t page = sql_int(p, "SELECT rootpage FROM sqlite_schema WHERE name = 'failures'");
    int64_t size = sql_int(p, "PRAGMA page_size");
    CU_ASSERT_FATAL(page > 1 && size > 0);
    int fd = open(p, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    char junk[65536];
    memset(junk, 0xa5, sizeof junk);
    CU_ASSERT_FATAL(pwrite(fd, junk, (size_t)size, (page - 1) * size) == size);
    close(fd);
    sum(p, a);

    /* reading: open or list fails with SQLite's word for it */
    int failed = 0;
    err[0] = '\0';
    if (weft__store_open(p, WEFT__STORE_READ, &s, err, sizeof err) != 0) {
        failed = 1;
    } else {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        failed = weft__store_list(s, f, err, sizeof err) != 0;
        fclose(f);
        free(buf);
        weft__store_close(s);
    }
    CU_ASSERT(failed);
    CU_ASSERT(strstr(err, "malformed") || strstr(err, "corrupt"));

    /* writing: something fails, and nothing is written */
    failed = 0;
    if (weft__store_open(p, WEFT__STORE_WRITE, &s, err, sizeof err) != 0) {
        failed = 1;
    } else {
        if (weft__store_campaign_begin(s, "t", 0, "random", "{}", uuid, err, sizeof err) != 0)
            failed = 1;
        else if (rec(s, uuid, "t", 1, 99, 3) != 0)
            failed = 1;
        weft__store_close(s);
    }
    CU_ASSERT(failed);
    sum(p, b);
    if (strcmp(a, b) != 0)
        fprintf(stderr, "\n  a corrupt store was written to (%s -> %s)\n", a, b);
    CU_ASSERT_STRING_EQUAL(a, b);
}

/* ------------------------------------------------------- recording */

static void test_store_record_dedups_by_signature(void)
{
    const char *p = in_dir("dedup.db");
    weft__store *s = open_w(p);
    char uuid[33];
    begin(s, "t", uuid);
    CU_ASSERT(rec(s, uuid, "t", 7, 100, 5) == 0);
    CU_ASSERT(rec(s, uuid, "t", 7, 101, 6) == 0); /* same failure, another schedule */
    got g = get(s, 1);
    CU_ASSERT_EQUAL(g.hits, 2);
    CU_ASSERT_EQUAL(g.schedules, 2);
    CU_ASSERT_EQUAL(g.steps, 5);
    CU_ASSERT(rec(s, uuid, "t", 7, 100, 5) == 0); /* same schedule again: a hit only */
    g = get(s, 1);
    CU_ASSERT_EQUAL(g.hits, 3);
    CU_ASSERT_EQUAL(g.schedules, 2);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failures"), 1);
    CU_ASSERT(rec(s, uuid, "t", 8, 100, 5) == 0);  /* another signature */
    CU_ASSERT(rec(s, uuid, "u", 7, 100, 5) == 0);  /* the same signature in another test */
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failures"), 3);
    CU_ASSERT_EQUAL(get(s, 2).hits, 1);
    CU_ASSERT_EQUAL(get(s, 3).hits, 1);
    CU_ASSERT_EQUAL(get(s, 1).hits, 3);
    /* a second campaign's hits add to the same failure */
    char uuid2[33];
    begin(s, "t", uuid2);
    CU_ASSERT_STRING_NOT_EQUAL(uuid, uuid2);
    CU_ASSERT(rec(s, uuid2, "t", 7, 100, 5) == 0);
    CU_ASSERT_EQUAL(get(s, 1).hits, 4);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failure_hits WHERE failure_id = 1"), 2);
    weft__store_close(s);
    CU_ASSERT(integrity_ok(p));
}

static void test_store_keeps_shortest_schedules(void)
{
    const char *p = in_dir("keep.db");
    weft__store *s = open_w(p);
    char uuid[33];
    begin(s, "t", uuid);
    /* 10 distinct schedules, longest first: the 8 shortest stay */
    for (uint64_t i = 0; i < 10; i++)
        CU_ASSERT(rec(s, uuid, "t", 1, 200 + i, 30 - i) == 0);
    got g = get(s, 1);
    CU_ASSERT_EQUAL(g.schedules, WEFT__STORE_KEEP);
    CU_ASSERT_EQUAL(g.schedules, 8);
    CU_ASSERT_EQUAL(g.hits, 10);
    CU_ASSERT_EQUAL(g.steps, 21);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT max(steps) FROM schedules"), 28);
    /* a longer one is counted but not kept */
    CU_ASSERT(rec(s, uuid, "t", 1, 300, 99) == 0);
    g = get(s, 1);
    CU_ASSERT_EQUAL(g.schedules, 8);
    CU_ASSERT_EQUAL(g.hits, 11);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT max(steps) FROM schedules"), 28);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM schedules WHERE steps = 99"), 0);
    /* a shorter one replaces the longest */
    CU_ASSERT(rec(s, uuid, "t", 1, 301, 3) == 0);
    g = get(s, 1);
    CU_ASSERT_EQUAL(g.schedules, 8);
    CU_ASSERT_EQUAL(g.steps, 3);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT max(steps) FROM schedules"), 27);
    /* the limit is per failure */
    for (uint64_t i = 0; i < 3; i++)
        CU_ASSERT(rec(s, uuid, "t", 2, 400 + i, 50) == 0);
    CU_ASSERT_EQUAL(get(s, 2).schedules, 3);
    CU_ASSERT_EQUAL(get(s, 1).schedules, 8);
    weft__store_close(s);
}

static void test_store_get_prefers_minimized(void)
{
    const char *p = in_dir("get.db");
    weft__store *s = open_w(p);
    char uuid[33], err[512], self[17];
    int64_t build = 0;
    CU_ASSERT_FATAL(weft__store_build(s, "/proc/self/exe", &build, err, sizeof err) == 0);
    CU_ASSERT(build > 0);
    CU_ASSERT_FATAL(weft__file_hash("/proc/self/exe", self) == 0);
    begin(s, "t", uuid);
    CU_ASSERT(rec_build(s, uuid, build, "t", 1, 300, 9) == 0);
    CU_ASSERT(rec_build(s, uuid, build, "t", 1, 301, 5) == 0);

    weft__stored_failure f;
    CU_ASSERT_FATAL(weft__store_get(s, 1, 0, &f, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(f.id, 1);
    CU_ASSERT_STRING_EQUAL(f.test, "t");
    CU_ASSERT_STRING_EQUAL(f.kind, "assert");
    CU_ASSERT_STRING_EQUAL(f.location, "t.c:10");
    CU_ASSERT_STRING_EQUAL(f.message, "assertion failed: x == 2: x is 1");
    CU_ASSERT_EQUAL(f.steps, 5); /* the shortest */
    CU_ASSERT_EQUAL(f.seed, 301);
    CU_ASSERT_STRING_EQUAL(f.strategy, "random");
    CU_ASSERT(!f.minimized);
    char hex[17];
    weft__hash_hex(301, hex);
    CU_ASSERT_STRING_EQUAL(f.trace_hash, hex);
    CU_ASSERT_EQUAL(f.trace_len, 16);
    CU_ASSERT(f.trace && f.trace[0] == (uint8_t)(301 & 0xff));
    CU_ASSERT_STRING_EQUAL(f.build_hash, self);
    CU_ASSERT(f.build_path[0] == '/');
    CU_ASSERT(f.first_seen[0] != '\0' && f.last_seen[0] != '\0');
    int64_t shortest = f.schedule_id;
    weft__stored_failure_free(&f);

    /* a minimized schedule comes first even when longer */
    uint8_t t[3] = {9, 8, 7};
    int64_t sid = 0;
    CU_ASSERT_FATAL(weft__store_add_schedule(s, 1, t, sizeof t, 302, 77, "random", 7, true,
                                             &sid, err, sizeof err) == 0);
    CU_ASSERT(sid > 0);
    CU_ASSERT_FATAL(weft__store_get(s, 1, 0, &f, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(f.schedule_id, sid);
    CU_ASSERT(f.minimized);
    CU_ASSERT_EQUAL(f.steps, 7);
    CU_ASSERT_EQUAL(f.seed, 77);
    CU_ASSERT_EQUAL(f.trace_len, 3);
    CU_ASSERT(f.trace && memcmp(f.trace, t, 3) == 0);
    CU_ASSERT_EQUAL(f.schedules, 3);
    /* the minimized schedule has no build of its own: the failure's is used */
    CU_ASSERT_STRING_EQUAL(f.build_hash, self);
    weft__stored_failure_free(&f);
    /* and among minimized ones the shortest */
    int64_t sid2 = 0;
    CU_ASSERT(weft__store_add_schedule(s, 1, t, 2, 303, 78, "random", 6, true, &sid2, err,
                                       sizeof err) == 0);
    CU_ASSERT_EQUAL(get(s, 1).schedule_id, sid2);
    /* the same schedule again: stored once */
    int64_t again = -1;
    CU_ASSERT(weft__store_add_schedule(s, 1, t, sizeof t, 302, 77, "random", 7, true, &again,
                                       err, sizeof err) == 0);
    CU_ASSERT_EQUAL(again, 0);
    CU_ASSERT_EQUAL(get(s, 1).schedules, 4);

    /* a given schedule; missing schedules and failures */
    CU_ASSERT_FATAL(weft__store_get(s, 1, shortest, &f, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(f.schedule_id, shortest);
    CU_ASSERT_EQUAL(f.steps, 5);
    weft__stored_failure_free(&f);
    CU_ASSERT(weft__store_get(s, 1, 9999, &f, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "no schedule"));
    CU_ASSERT(weft__store_get(s, 999, 0, &f, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "no failure with id 999"));
    weft__store_close(s);
}

static void test_store_add_hits(void)
{
    const char *p = in_dir("hits.db");
    weft__store *s = open_w(p);
    char uuid[33], uuid2[33], err[512];
    begin(s, "t", uuid);
    begin(s, "t", uuid2);
    CU_ASSERT(rec(s, uuid, "t", 42, 1, 5) == 0);
    CU_ASSERT(weft__store_add_hits(s, uuid, "t", 42, 5, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(get(s, 1).hits, 6);
    CU_ASSERT(weft__store_add_hits(s, uuid, "t", 42, 4, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(get(s, 1).hits, 10);
    CU_ASSERT(weft__store_add_hits(s, uuid2, "t", 42, 3, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(get(s, 1).hits, 13);
    CU_ASSERT_EQUAL(get(s, 1).schedules, 1);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failure_hits"), 2);
    /* hits of an unknown failure are an error, and nothing is created */
    CU_ASSERT(weft__store_add_hits(s, uuid, "t", 43, 1, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "no failure"));
    CU_ASSERT(weft__store_add_hits(s, uuid, "nope", 42, 1, err, sizeof err) == -1);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failures"), 1);
    CU_ASSERT_EQUAL(get(s, 1).hits, 13);
    weft__store_close(s);
}

/* Batched hits are hits: they move the failure's last_seen. */
static void test_store_add_hits_updates_last_seen(void)
{
    const char *p = in_dir("last_seen.db");
    weft__store *s = open_w(p);
    char uuid[33], err[512], first[32], last[32];
    begin(s, "t", uuid);
    CU_ASSERT(rec(s, uuid, "t", 42, 1, 5) == 0);
    sql_text(p, "SELECT last_seen FROM failures", first, sizeof first);
    /* timestamps have whole seconds: wait for the next one */
    for (int i = 0; i < 30; i++) {
        char now[32];
        sql_text(p, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ','now')", now, sizeof now);
        if (strcmp(now, first) > 0)
            break;
        usleep(50000);
    }
    CU_ASSERT(weft__store_add_hits(s, uuid, "t", 42, 3, err, sizeof err) == 0);
    sql_text(p, "SELECT last_seen FROM failures", last, sizeof last);
    if (strcmp(last, first) <= 0)
        fprintf(stderr, "\n  last_seen stayed %s after later hits\n", last);
    CU_ASSERT(strcmp(last, first) > 0);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT first_seen < last_seen FROM failures"), 1);
    weft__store_close(s);
}

static void test_store_campaign_begin_update(void)
{
    const char *p = in_dir("campaign.db");
    weft__store *s = open_w(p);
    char uuid[33], uuid2[33], err[512], v[128];
    CU_ASSERT_FATAL(weft__store_campaign_begin(s, "camp", 0, "random", "{\"a\":1}", uuid, err,
                                               sizeof err) == 0);
    CU_ASSERT_EQUAL(strlen(uuid), 32);
    for (int i = 0; i < 32; i++)
        CU_ASSERT(isxdigit((unsigned char)uuid[i]));
    begin(s, "camp", uuid2);
    CU_ASSERT_STRING_NOT_EQUAL(uuid, uuid2);
    char q[256];
    snprintf(q, sizeof q, "SELECT executions FROM campaigns WHERE uuid = '%s'", uuid);
    CU_ASSERT_EQUAL(sql_int(p, q), 0);
    snprintf(q, sizeof q, "SELECT ended IS NULL AND started IS NOT NULL AND pid = %d "
                          "FROM campaigns WHERE uuid = '%s'", (int)getpid(), uuid);
    CU_ASSERT_EQUAL(sql_int(p, q), 1);
    snprintf(q, sizeof q, "SELECT options FROM campaigns WHERE uuid = '%s'", uuid);
    CU_ASSERT_STRING_EQUAL(sql_text(p, q, v, sizeof v), "{\"a\":1}");
    snprintf(q, sizeof q, "SELECT t.name FROM campaigns c JOIN tests t ON t.id = c.test_id "
                          "WHERE uuid = '%s'", uuid);
    CU_ASSERT_STRING_EQUAL(sql_text(p, q, v, sizeof v), "camp");

    CU_ASSERT(weft__store_campaign_update(s, uuid, 100, 7, false, err, sizeof err) == 0);
    snprintf(q, sizeof q, "SELECT executions * 1000 + failures FROM campaigns WHERE uuid = '%s'",
             uuid);
    CU_ASSERT_EQUAL(sql_int(p, q), 100007);
    snprintf(q, sizeof q, "SELECT ended IS NULL FROM campaigns WHERE uuid = '%s'", uuid);
    CU_ASSERT_EQUAL(sql_int(p, q), 1);
    CU_ASSERT(weft__store_campaign_update(s, uuid, 200, 9, true, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(sql_int(p, q), 0);
    snprintf(q, sizeof q, "SELECT executions * 1000 + failures FROM campaigns WHERE uuid = '%s'",
             uuid);
    CU_ASSERT_EQUAL(sql_int(p, q), 200009);
    /* the other campaign is untouched */
    snprintf(q, sizeof q, "SELECT executions FROM campaigns WHERE uuid = '%s'", uuid2);
    CU_ASSERT_EQUAL(sql_int(p, q), 0);
    weft__store_close(s);
}

/* ----------------------------------------------------- merge and gc */

static void test_store_merge_idempotent(void)
{
    const char *pa = in_dir("merge_a.db"), *pb = in_dir("merge_b.db");
    char ua[33], ub[33], err[512];
    weft__store *a = open_w(pa), *b = open_w(pb);
    begin(a, "t1", ua);
    begin(b, "t1", ub);
    for (uint64_t h = 1; h <= 3; h++)
        CU_ASSERT(rec(a, ua, "t1", 1, h, 10 + h) == 0);
    CU_ASSERT(rec(b, ub, "t1", 1, 3, 13) == 0); /* a schedule a has too */
    CU_ASSERT(rec(b, ub, "t1", 1, 4, 14) == 0);
    CU_ASSERT(rec(b, ub, "t2", 9, 5, 20) == 0);
    weft__store_close(b);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(weft__store_merge(a, pb, f, err, sizeof err) == 0);
    fclose(f);
    CU_ASSERT(contains(buf, "merged"));
    CU_ASSERT(contains(buf, "1 new failure,"));
    CU_ASSERT(contains(buf, "2 new schedules"));
    free(buf);
    CU_ASSERT_EQUAL(sql_int(pa, "SELECT count(*) FROM failures"), 2);
    got g = get(a, 1);
    CU_ASSERT_EQUAL(g.hits, 5); /* 3 + 2: two campaigns */
    CU_ASSERT_EQUAL(g.schedules, 4);
    CU_ASSERT_EQUAL(get(a, 2).hits, 1);
    CU_ASSERT_EQUAL(sql_int(pa, "SELECT count(*) FROM campaigns"), 2);

    /* again: nothing changes */
    char *before = capture_list(a);
    buf = NULL;
    f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(weft__store_merge(a, pb, f, err, sizeof err) == 0);
    fclose(f);
    CU_ASSERT(contains(buf, "0 new failures, 0 new schedules"));
    free(buf);
    char *after = capture_list(a);
    CU_ASSERT_STRING_EQUAL(before, after);
    free(after);
    CU_ASSERT_EQUAL(get(a, 1).hits, 5);
    CU_ASSERT_EQUAL(sql_int(pa, "SELECT count(*) FROM schedules"), 5);

    /* b takes a's campaigns, then a takes b again: still nothing twice */
    b = open_w(pb);
    CU_ASSERT(weft__store_merge(b, pa, NULL, err, sizeof err) == 0);
    weft__store_close(b);
    CU_ASSERT(weft__store_merge(a, pb, NULL, err, sizeof err) == 0);
    after = capture_list(a);
    CU_ASSERT_STRING_EQUAL(before, after);
    free(after);
    free(before);
    CU_ASSERT_EQUAL(get(a, 1).hits, 5);

    /* a campaign that went on after the first merge: its larger count wins */
    b = open_w(pb);
    CU_ASSERT(rec(b, ub, "t1", 1, 4, 14) == 0);
    weft__store_close(b);
    CU_ASSERT(weft__store_merge(a, pb, NULL, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(get(a, 1).hits, 6);

    /* refused: itself, a missing file */
    CU_ASSERT(weft__store_merge(a, pa, NULL, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "itself"));
    CU_ASSERT(weft__store_merge(a, in_dir("merge_missing.db"), NULL, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "no such store"));
    weft__store_close(a);
    CU_ASSERT(integrity_ok(pa));
}

static void test_store_merge_keeps_shortest(void)
{
    const char *pa = in_dir("mk_a.db"), *pb = in_dir("mk_b.db");
    char ua[33], ub[33], err[512];
    weft__store *a = open_w(pa), *b = open_w(pb);
    begin(a, "t", ua);
    begin(b, "t", ub);
    for (uint64_t i = 0; i < 8; i++) {
        CU_ASSERT(rec(a, ua, "t", 1, 100 + i, 10 + i) == 0); /* 10..17 */
        CU_ASSERT(rec(b, ub, "t", 1, 200 + i, 2 + i) == 0);  /* 2..9 */
    }
    weft__store_close(b);
    CU_ASSERT(weft__store_merge(a, pb, NULL, err, sizeof err) == 0);
    got g = get(a, 1);
    CU_ASSERT_EQUAL(g.schedules, 8);
    CU_ASSERT_EQUAL(g.steps, 2);
    CU_ASSERT_EQUAL(g.hits, 16);
    CU_ASSERT_EQUAL(sql_int(pa, "SELECT max(steps) FROM schedules"), 9);
    weft__store_close(a);
}

/* A file name with URI characters ('?', '#', '%') merges like any other. */
static void test_store_merge_odd_file_name(void)
{
    const char *pa = in_dir("odd_a.db"), *pb = in_dir("odd?b#1%41.db");
    char ua[33], ub[33], err[512] = "";
    weft__store *a = open_w(pa), *b = open_w(pb);
    begin(a, "t", ua);
    begin(b, "t", ub);
    CU_ASSERT(rec(a, ua, "t", 1, 1, 5) == 0);
    CU_ASSERT(rec(b, ub, "t", 2, 2, 5) == 0);
    weft__store_close(b);
    int rc = weft__store_merge(a, pb, NULL, err, sizeof err);
    if (rc)
        fprintf(stderr, "\n  merge %s: %s\n", pb, err);
    CU_ASSERT(rc == 0);
    CU_ASSERT_EQUAL(sql_int(pa, "SELECT count(*) FROM failures"), 2);
    CU_ASSERT(access(in_dir("odd"), F_OK) != 0); /* no stray file from a URI */
    weft__store_close(a);
}

static void test_store_gc(void)
{
    const char *p = in_dir("gc.db"), *other = in_dir("gc_other_binary");
    char uuid[33], err[512];
    write_file(other, "not really a binary", 19);
    weft__store *s = open_w(p);
    int64_t self = 0, unused = 0;
    CU_ASSERT_FATAL(weft__store_build(s, "/proc/self/exe", &self, err, sizeof err) == 0);
    CU_ASSERT_FATAL(weft__store_build(s, other, &unused, err, sizeof err) == 0);
    CU_ASSERT(self != unused);
    begin(s, "t", uuid);
    for (uint64_t i = 0; i < 5; i++)
        CU_ASSERT(rec_build(s, uuid, self, "t", 1, 10 + i, 5 + i) == 0);
    /* too many schedules (as an older weft might have left them) */
    CU_ASSERT_FATAL(sql_exec(p, "INSERT INTO schedules(failure_id, seed, strategy, options, "
                                "trace, trace_hash, steps, decisions, preemptions, injections,"
                                " found) SELECT 1, seed, strategy, options, trace, "
                                "trace_hash || 'x', steps + 100, 0, 0, 0, found FROM schedules")
                    == 0);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM schedules"), 10);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(weft__store_gc(s, f, err, sizeof err) == 0);
    fclose(f);
    CU_ASSERT(contains(buf, "removed 2 schedules and 1 unused build"));
    free(buf);
    weft__store_close(s);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM schedules"), 8);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT max(steps) FROM schedules"), 107);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM builds"), 1);
    CU_ASSERT(integrity_ok(p));
    s = open_mode(p, WEFT__STORE_READ);
    got g = get(s, 1);
    CU_ASSERT_EQUAL(g.hits, 5);
    CU_ASSERT_EQUAL(g.steps, 5);
    weft__store_close(s);
}

/* ------------------------------------------------------ list, show */

static void test_store_list_show_text(void)
{
    const char *p = in_dir("show.db");
    weft__store *s = open_w(p);
    char uuid[33], err[512], want[1200];
    char *out = capture_list(s);
    CU_ASSERT(contains(out, "(no failures recorded in"));
    free(out);

    int64_t build = 0;
    CU_ASSERT_FATAL(weft__store_build(s, "/proc/self/exe", &build, err, sizeof err) == 0);
    begin(s, "shown", uuid);
    uint8_t trace[4] = {1, 2, 3, 4};
    weft_failure_event ev = {
        .test = "shown", .strategy = "random", .kind = WEFT_KIND_DEADLOCK,
        .message = "deadlock: line one\nline two", .location = "shown.c:42", .seed = 31,
        .steps = 12, .signature = 5, .trace_hash = 0xabcdef, .trace = trace,
        .trace_len = sizeof trace,
    };
    CU_ASSERT_FATAL(weft__store_record(s, uuid, build, &ev, "{}", err, sizeof err) == 0);
    CU_ASSERT_FATAL(weft__store_record(s, uuid, build, &ev, "{}", err, sizeof err) == 0);

    out = capture_list(s);
    CU_ASSERT(contains(out, "id"));
    CU_ASSERT(contains(out, "hits"));
    CU_ASSERT(contains(out, "shortest"));
    CU_ASSERT(contains(out, "   1  shown "));
    CU_ASSERT(contains(out, " deadlock "));
    CU_ASSERT(contains(out, "shown.c:42"));
    CU_ASSERT(contains(out, "        2  ")); /* hits */
    CU_ASSERT(contains(out, "       12  shown.c:42\n")); /* shortest, where */
    free(out);

    int rc;
    out = capture_show(s, 1, &rc, err, sizeof err);
    CU_ASSERT(rc == 0);
    CU_ASSERT(contains(out, "failure 1: deadlock in test shown at shown.c:42\n"));
    CU_ASSERT(contains(out, "  deadlock: line one\n  line two\n"));
    CU_ASSERT(contains(out, "hits 2, first seen "));
    CU_ASSERT(contains(out, "1 schedule kept"));
    CU_ASSERT(contains(out, "schedules (best first):"));
    CU_ASSERT(contains(out, "0000000000abcdef"));
    CU_ASSERT(contains(out, " no "));
    snprintf(want, sizeof want, "weft --db %s replay 1\n", p);
    CU_ASSERT(contains(out, want));
    weft__stored_failure f;
    CU_ASSERT_FATAL(weft__store_get(s, 1, 0, &f, err, sizeof err) == 0);
    snprintf(want, sizeof want, "%s replay shown --db %s --id 1\n", f.build_path, p);
    CU_ASSERT(contains(out, want));
    snprintf(want, sizeof want, "%s replay shown --seed 31\n", f.build_path);
    CU_ASSERT(contains(out, want));
    snprintf(want, sizeof want, "build %s (%s)", f.build_hash, f.build_path);
    CU_ASSERT(contains(out, want));
    weft__stored_failure_free(&f);
    free(out);

    int64_t sid;
    CU_ASSERT(weft__store_add_schedule(s, 1, trace, 3, 0x1234, 31, "random", 4, true, &sid, err,
                                       sizeof err) == 0);
    out = capture_show(s, 1, &rc, err, sizeof err);
    CU_ASSERT(contains(out, "2 schedules kept"));
    CU_ASSERT(contains(out, " yes "));
    /* best first: the minimized one is the first row */
    const char *yes = strstr(out, " yes "), *no = strstr(out, " no ");
    CU_ASSERT(yes && no && yes < no);
    free(out);
    out = capture_list(s);
    CU_ASSERT(contains(out, "        4  shown.c:42\n"));
    free(out);

    out = capture_show(s, 42, &rc, err, sizeof err);
    CU_ASSERT(rc == -1);
    CU_ASSERT(contains(err, "no failure with id 42"));
    free(out);
    weft__store_close(s);
}

/* ------------------------------------------------- builds, hashing */

static void test_store_file_hash_and_build(void)
{
    const char *p = in_dir("build.db"), *bin = in_dir("binary");
    char h[17], h2[17], err[512];
    write_file(bin, "abc", 3);
    CU_ASSERT_FATAL(weft__file_hash(bin, h) == 0);
    snprintf(h2, sizeof h2, "%016llx", (unsigned long long)XXH3_64bits("abc", 3));
    CU_ASSERT_STRING_EQUAL(h, h2);
    CU_ASSERT(weft__file_hash(in_dir("no_such_binary"), h) == -1);

    weft__store *s = open_w(p);
    int64_t id1 = 0, id2 = 0, id3 = 0;
    CU_ASSERT(weft__store_build(s, bin, &id1, err, sizeof err) == 0);
    CU_ASSERT(weft__store_build(s, bin, &id2, err, sizeof err) == 0);
    CU_ASSERT(id1 > 0);
    CU_ASSERT_EQUAL(id1, id2);
    write_file(bin, "abcd", 4);
    CU_ASSERT(weft__store_build(s, bin, &id3, err, sizeof err) == 0);
    CU_ASSERT(id3 != id1);
    CU_ASSERT(weft__store_build(s, in_dir("no_such_binary"), &id3, err, sizeof err) == -1);
    CU_ASSERT(contains(err, "no_such_binary"));
    weft__store_close(s);
    char q[256], v[1024];
    snprintf(q, sizeof q, "SELECT path FROM builds WHERE hash = '%s'", h2);
    CU_ASSERT_STRING_EQUAL(sql_text(p, q, v, sizeof v), bin);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM builds"), 2);
}

/* ------------------------------------------------------ concurrency */

#define WRITERS 8

/* Child: one campaign of test "w<i>" with 40 recorded failing executions
 * (4 distinct schedules) and 60 batched hits. Exit 0 when all went well. */
static void writer(const char *p, int i)
{
    weft__store *s;
    char err[512], uuid[33], test[32];
    snprintf(test, sizeof test, "w%d", i);
    if (weft__store_open(p, WEFT__STORE_WRITE, &s, err, sizeof err) != 0 ||
        weft__store_campaign_begin(s, test, 0, "random", "{}", uuid, err, sizeof err) != 0) {
        fprintf(stderr, "\n  writer %d: %s\n", i, err);
        _exit(1);
    }
    int bad = 0;
    for (uint64_t k = 0; k < 40; k++)
        bad |= rec(s, uuid, test, 1000 + (uint64_t)i, k % 4, 10 + k % 4) != 0;
    for (int k = 0; k < 6; k++)
        if (weft__store_add_hits(s, uuid, test, 1000 + (uint64_t)i, 10, err, sizeof err) != 0) {
            fprintf(stderr, "\n  writer %d: %s\n", i, err);
            bad = 1;
        }
    bad |= weft__store_campaign_update(s, uuid, 100, 100, true, err, sizeof err) != 0;
    weft__store_close(s);
    _exit(bad);
}

static int run_writers(const char *p)
{
    pid_t pids[WRITERS];
    fflush(NULL);
    for (int i = 0; i < WRITERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            writer(p, i);
    }
    int failed = 0;
    for (int i = 0; i < WRITERS; i++) {
        int st;
        if (pids[i] < 0 || waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0)
            failed++;
    }
    return failed;
}

static void check_writers(const char *p)
{
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failures"), WRITERS);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM campaigns WHERE ended IS NOT NULL"),
                    WRITERS);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM schedules"), 4 * WRITERS);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT min(h) FROM (SELECT sum(hits) AS h FROM failure_hits "
                               "GROUP BY failure_id)"), 100);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT max(h) FROM (SELECT sum(hits) AS h FROM failure_hits "
                               "GROUP BY failure_id)"), 100);
    CU_ASSERT(integrity_ok(p));
}

/* 8 processes write one existing store at once: every row, no error. */
static void test_store_concurrent_writers(void)
{
    const char *p = in_dir("writers.db");
    weft__store_close(open_w(p));
    CU_ASSERT_EQUAL(run_writers(p), 0);
    check_writers(p);
}

/* 8 processes start on a store that does not exist yet: one creates it,
 * none of them fails (neither "database is locked" nor "not a weft store"
 * from seeing it half made). Several rounds: the window is small. */
static void test_store_concurrent_create(void)
{
    for (int round = 0; round < 6; round++) {
        char name[32];
        snprintf(name, sizeof name, "create%d.db", round);
        const char *p = in_dir(name);
        int failed = run_writers(p);
        if (failed)
            fprintf(stderr, "\n  round %d: %d of %d processes failed\n", round, failed, WRITERS);
        CU_ASSERT_EQUAL(failed, 0);
        if (!failed)
            check_writers(p);
    }
}

/* ------------------------------------------- a real failing program */

#include "lost_update.h"

typedef struct hook_ctx {
    weft__store *s;
    char uuid[33];
    int errors;
} hook_ctx;

static void hook(void *ctx, const weft_failure_event *ev)
{
    hook_ctx *c = ctx;
    char err[512];
    if (weft__store_record(c->s, c->uuid, 0, ev, "{}", err, sizeof err) != 0) {
        fprintf(stderr, "\n  hook: %s\n", err);
        c->errors++;
    }
}

/* weft_check's failure hook records into the store; the stored trace
 * decodes and replays to the same failure. */
static void test_store_records_real_failures(void)
{
    const char *p = in_dir("real.db");
    hook_ctx c = {.s = open_w(p)};
    begin(c.s, "store_lost_update", c.uuid);
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = 300;
    o.quiet = true;
    o.stop_on_failure = false;
    o.on_failure = hook;
    o.on_failure_ctx = &c;
    weft_report r;
    CU_ASSERT_FATAL(weft_check("store_lost_update", lost_update, NULL, &o, &r) == 1);
    CU_ASSERT_EQUAL(c.errors, 0);
    CU_ASSERT_EQUAL(r.n_failures, 1);
    CU_ASSERT_EQUAL(sql_int(p, "SELECT count(*) FROM failures"), 1);

    weft__stored_failure f;
    char err[512];
    CU_ASSERT_FATAL(weft__store_get(c.s, 1, 0, &f, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(f.hits, r.failed_executions);
    CU_ASSERT_STRING_EQUAL(f.kind, "assert");
    CU_ASSERT_STRING_EQUAL(f.test, "store_lost_update");
    CU_ASSERT(f.schedules >= 1 && f.schedules <= WEFT__STORE_KEEP);
    CU_ASSERT(f.steps > 0);
    /* the decision count comes from decoding the stored trace */
    CU_ASSERT(sql_int(p, "SELECT min(decisions) FROM schedules") > 0);
    weft__trace t;
    weft__trace_init(&t);
    CU_ASSERT(weft__trace_decode(f.trace, f.trace_len, &t, err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(t.h.test, "store_lost_update");
    CU_ASSERT_EQUAL(t.h.seed, f.seed);
    weft__trace_free(&t);
    weft_options ro = WEFT_OPTIONS_INIT;
    ro.quiet = true;
    weft_report rr;
    CU_ASSERT(weft__replay_bytes("store_lost_update", lost_update, NULL, f.trace, f.trace_len,
                                 &ro, &rr) == 1);
    CU_ASSERT(rr.n_failures == 1 && rr.failures[0].kind == WEFT_KIND_ASSERT);
    weft_report_free(&rr);
    weft__stored_failure_free(&f);
    weft_report_free(&r);
    weft__store_close(c.s);
}

static int user_hook_calls;

static void user_hook(void *ctx, const weft_failure_event *ev)
{
    (void)ctx;
    (void)ev;
    user_hook_calls++;
}

/* weft_options.db: weft_check records into the store by itself, and the
 * caller's own hook still runs; a bad store is exit status 2, untouched. */
static void test_store_weft_check_records_into_db(void)
{
    const char *p = in_dir("check_db.db");
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = 200;
    o.quiet = true;
    o.stop_on_failure = false;
    o.db = p;
    o.on_failure = user_hook;
    user_hook_calls = 0;
    weft_report r;
    CU_ASSERT_FATAL(weft_check("store_check_db", lost_update, NULL, &o, &r) == 1);
    CU_ASSERT(r.failed_executions > 0);
    CU_ASSERT_EQUAL((uint64_t)user_hook_calls, r.failed_executions);
    weft__store *s = open_mode(p, WEFT__STORE_READ);
    got g = get(s, 1);
    CU_ASSERT_EQUAL(g.hits, r.failed_executions);
    CU_ASSERT(g.schedules >= 1);
    weft__store_close(s);
    char q[160];
    snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE ended IS NOT NULL AND "
                          "executions = %llu", (unsigned long long)r.executions);
    CU_ASSERT_EQUAL(sql_int(p, q), 1);
    weft_report_free(&r);

    const char *txt = in_dir("check_db.txt");
    char a[17], b[17];
    write_file(txt, "not a store\n", 12);
    sum(txt, a);
    o.db = txt;
    fflush(NULL);
    CU_ASSERT(weft_check("store_check_db", lost_update, NULL, &o, &r) == 2);
    sum(txt, b);
    CU_ASSERT_STRING_EQUAL(a, b);
}

SUITE(store)
ADD(test_store_migrates_v1)
ADD(test_store_open_creates_fresh)
ADD(test_store_open_read_missing_fails)
ADD(test_store_open_rejects_newer_schema)
ADD(test_store_open_rejects_foreign)
ADD(test_store_open_rejects_corrupt)
ADD(test_store_record_dedups_by_signature)
ADD(test_store_keeps_shortest_schedules)
ADD(test_store_get_prefers_minimized)
ADD(test_store_add_hits)
ADD(test_store_add_hits_updates_last_seen)
ADD(test_store_campaign_begin_update)
ADD(test_store_merge_idempotent)
ADD(test_store_merge_keeps_shortest)
ADD(test_store_merge_odd_file_name)
ADD(test_store_gc)
ADD(test_store_list_show_text)
ADD(test_store_file_hash_and_build)
ADD(test_store_concurrent_writers)
ADD(test_store_concurrent_create)
ADD(test_store_records_real_failures)
ADD(test_store_weft_check_records_into_db)
END_SUITE
