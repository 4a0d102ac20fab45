/*
 * store.c — opening, creating and migrating the failure store, and
 * recording failures into it (the schema is in store.h).
 *
 * Invariants:
 *  - a file that is not a weft store (another SQLite database, not SQLite at
 *    all, a newer schema) is reported before anything is written to it: WAL
 *    mode, which rewrites the header, is switched on only after the checks;
 *  - every write is one BEGIN IMMEDIATE transaction, so concurrent writers
 *    queue on the busy timeout instead of failing with SQLITE_BUSY_SNAPSHOT;
 *  - SQLite's errors are translated here, with SQLite's own message kept.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define WEFT_APPLICATION_ID 0x77656674 /* "weft" */

void weft__store_err(weft__store *s, char *err, size_t len, const char *what)
{
    snprintf(err, len, "%s: %s: %s", s ? s->path : "store", what,
             s && s->db ? sqlite3_errmsg(s->db) : "out of memory");
}

int weft__store_exec(weft__store *s, const char *sql, char *err, size_t len)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, len, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

sqlite3_stmt *weft__store_prepare(weft__store *s, const char *sql, char *err,
                                  size_t len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        weft__store_err(s, err, len, "prepare");
        return NULL;
    }
    return st;
}

/* The first integer column of a one-row query, or -1. */
int64_t weft__store_int(weft__store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int weft__store_begin(weft__store *s, char *err, size_t len)
{
    return weft__store_exec(s, "BEGIN IMMEDIATE", err, len);
}

int weft__store_commit(weft__store *s, char *err, size_t len)
{
    return weft__store_exec(s, "COMMIT", err, len);
}

void weft__store_rollback(weft__store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------ schema */

static const char schema_v1[] =
    "CREATE TABLE builds("
    "  id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, path TEXT NOT NULL,"
    "  first_seen TEXT NOT NULL);"
    "CREATE TABLE tests(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE campaigns("
    "  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
    "  test_id INTEGER NOT NULL REFERENCES tests(id),"
    "  build_id INTEGER REFERENCES builds(id),"
    "  started TEXT NOT NULL, ended TEXT, host TEXT, pid INTEGER,"
    "  strategy TEXT NOT NULL, options TEXT NOT NULL,"
    "  executions INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE failures("
    "  id INTEGER PRIMARY KEY, test_id INTEGER NOT NULL REFERENCES tests(id),"
    "  kind TEXT NOT NULL, message TEXT NOT NULL, location TEXT NOT NULL,"
    "  signature TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,"
    "  UNIQUE(test_id, signature));"
    "CREATE TABLE failure_hits("
    "  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,"
    "  campaign_uuid TEXT NOT NULL, hits INTEGER NOT NULL,"
    "  PRIMARY KEY(failure_id, campaign_uuid));"
    "CREATE TABLE schedules("
    "  id INTEGER PRIMARY KEY,"
    "  failure_id INTEGER NOT NULL REFERENCES failures(id) ON DELETE CASCADE,"
    "  build_id INTEGER REFERENCES builds(id), campaign_uuid TEXT,"
    "  seed INTEGER NOT NULL, strategy TEXT NOT NULL, options TEXT NOT NULL,"
    "  trace BLOB NOT NULL, trace_hash TEXT NOT NULL, steps INTEGER NOT NULL,"
    "  decisions INTEGER NOT NULL, preemptions INTEGER NOT NULL,"
    "  injections INTEGER NOT NULL, minimized INTEGER NOT NULL DEFAULT 0,"
    "  found TEXT NOT NULL, UNIQUE(failure_id, trace_hash));"
    "CREATE INDEX schedules_by_failure ON schedules(failure_id, minimized, steps);";

static const char schema_v2[] =
    "CREATE TABLE campaign_progress("
    "  campaign_uuid TEXT NOT NULL, t_s REAL NOT NULL, executions INTEGER NOT NULL,"
    "  failing INTEGER NOT NULL, distinct_schedules INTEGER NOT NULL,"
    "  PRIMARY KEY(campaign_uuid, t_s));";

/* Creates or migrates the schema inside one immediate transaction; another
 * process may be doing the same, so the version is re-read inside it. */
static int migrate(weft__store *s, char *err, size_t len)
{
    if (weft__store_begin(s, err, len) != 0)
        return -1;
    int64_t v = weft__store_int(s, "PRAGMA user_version");
    if (v == WEFT__STORE_SCHEMA)
        return weft__store_commit(s, err, len);
    if (v == 0 && weft__store_exec(s, schema_v1, err, len) != 0)
        goto out_rollback;
    if (v <= 1 && weft__store_exec(s, schema_v2, err, len) != 0) /* 1 -> 2 */
        goto out_rollback;
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             WEFT_APPLICATION_ID, WEFT__STORE_SCHEMA);
    if (weft__store_exec(s, sql, err, len) != 0)
        goto out_rollback;
    return weft__store_commit(s, err, len);
out_rollback:
    weft__store_rollback(s);
    return -1;
}

/* Refuses files that are not SQLite, without asking SQLite to touch them. */
static int check_file(const char *path, int mode, bool *fresh, char *err, size_t len)
{
    struct stat st;
    *fresh = false;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && mode == WEFT__STORE_WRITE) {
            *fresh = true;
            return 0;
        }
        snprintf(err, len, "%s: %s", path, errno == ENOENT ? "no such store" : strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, len, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_size == 0) {
        *fresh = mode == WEFT__STORE_WRITE;
        if (*fresh)
            return 0;
        snprintf(err, len, "%s: empty file, not a weft store", path);
        return -1;
    }
    char magic[16] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, magic, sizeof magic) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0) {
        snprintf(err, len, "%s: not a weft store (not an SQLite database)", path);
        return -1;
    }
    return 0;
}

static int check_identity(weft__store *s, int mode, bool fresh, char *err, size_t len)
{
    /* one read transaction: another process may be creating the store */
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    int64_t app = weft__store_int(s, "PRAGMA application_id");
    int64_t ver = weft__store_int(s, "PRAGMA user_version");
    int64_t tables = weft__store_int(s, "SELECT count(*) FROM sqlite_schema");
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (app < 0 || ver < 0 || tables < 0) {
        weft__store_err(s, err, len, "cannot read the store (corrupt?)");
        return -1;
    }
    /* an empty database: ours, or one another process is creating now */
    if (app == 0 && ver == 0 && tables == 0 && (fresh || mode == WEFT__STORE_WRITE))
        return 0;
    if (app != WEFT_APPLICATION_ID) {
        snprintf(err, len, "%s: not a weft store (an SQLite database of another application)",
                 s->path);
        return -1;
    }
    if (ver > WEFT__STORE_SCHEMA) {
        snprintf(err, len, "%s: store schema %lld is newer than this weft understands (%d); "
                           "upgrade weft", s->path, (long long)ver, WEFT__STORE_SCHEMA);
        return -1;
    }
    if (tables == 0)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    if (!v || strcmp((const char *)v, "ok") != 0) {
        snprintf(err, len, "%s: corrupt store (quick_check: %s)", s->path,
                 v ? (const char *)v : sqlite3_errmsg(s->db));
        for (char *c = err; *c; c++)
            if (*c == '\n')
                *c = ' ';
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* PRAGMA journal_mode=WAL takes an exclusive lock without waiting on the
 * busy handler: retry it for as long as the busy timeout. */
static int wal_mode(weft__store *s, char *err, size_t len)
{
    for (int i = 0; i < 3000; i++) {
        if (weft__store_exec(s, "PRAGMA journal_mode=WAL", err, len) == 0)
            return 0;
        if ((sqlite3_errcode(s->db) & 0xff) != SQLITE_BUSY &&
            (sqlite3_errcode(s->db) & 0xff) != SQLITE_LOCKED)
            return -1;
        usleep(10000);
    }
    return -1;
}

int weft__store_open(const char *path, int mode, weft__store **out, char *err,
                     size_t err_len)
{
    bool fresh;
    *out = NULL;
    if (check_file(path, mode, &fresh, err, err_len) != 0)
        return -1;
    weft__store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    int flags = mode == WEFT__STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                          : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        weft__store_err(s, err, err_len, "cannot open");
        goto out_close;
    }
    sqlite3_busy_timeout(s->db, 30000);
    sqlite3_extended_result_codes(s->db, 1);
    if (check_identity(s, mode, fresh, err, err_len) != 0)
        goto out_close;
    if (mode == WEFT__STORE_WRITE &&
        (wal_mode(s, err, err_len) != 0 ||
         weft__store_exec(s, "PRAGMA synchronous=NORMAL", err, err_len) != 0 ||
         migrate(s, err, err_len) != 0))
        goto out_close;
    if (weft__store_exec(s, "PRAGMA foreign_keys=ON", err, err_len) != 0)
        goto out_close;
    *out = s;
    return 0;
out_close:
    weft__store_close(s);
    return -1;
}

void weft__store_close(weft__store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

const char *weft__store_path(const weft__store *s)
{
    return s->path;
}

sqlite3 *weft__store_db(weft__store *s)
{
    return s->db;
}

/* ------------------------------------------------------------ builds */

int weft__file_hash(const char *path, char out[17])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        close(fd);
        return -1;
    }
    XXH3_64bits_reset(st);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        XXH3_64bits_update(st, buf, (size_t)n);
    close(fd);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    if (n < 0)
        return -1;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return 0;
}

int weft__store_build(weft__store *s, const char *binary_path, int64_t *id,
                      char *err, size_t err_len)
{
    char hash[17], real[4096];
    if (!realpath(binary_path, real))
        snprintf(real, sizeof real, "%s", binary_path);
    if (weft__file_hash(real, hash) != 0) {
        snprintf(err, err_len, "cannot read the test binary %s: %s", real, strerror(errno));
        return -1;
    }
    sqlite3_stmt *st = weft__store_prepare(
        s,
        "INSERT INTO builds(hash, path, first_seen) VALUES(?1, ?2, "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
        "ON CONFLICT(hash) DO UPDATE SET path = excluded.path RETURNING id",
        err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, real, -1, SQLITE_STATIC);
    int rc = -1;
    if (weft__store_begin(s, err, err_len) == 0) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            rc = 0;
        } else {
            weft__store_err(s, err, err_len, "recording the build");
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc == 0 && weft__store_commit(s, err, err_len) != 0)
            rc = -1;
        if (rc != 0)
            weft__store_rollback(s);
    }
    sqlite3_finalize(st);
    return rc;
}
