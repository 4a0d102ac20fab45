/*
 * store_record.c — writing into the store: campaigns, failing executions,
 * their hits and schedules.
 *
 * Each call is one immediate transaction. A failure is identified by (test,
 * signature); its hits are counted per campaign (failure_hits), so that
 * merging a store twice never counts a campaign's hits twice; its schedules
 * are deduplicated by trace hash and only the WEFT__STORE_KEEP shortest are
 * kept (minimized ones first).
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../scheduler/trace.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

static void new_uuid(char out[33])
{
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* identity only, never a decision: time and pid make it unique enough */
        uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
        memcpy(b, &x, 8);
        memcpy(b + 8, &x, 8);
    }
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Test id for name, created when missing (inside a transaction). */
static int64_t test_id(weft__store *s, const char *name, char *err, size_t len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, "INSERT INTO tests(name) VALUES(?1) ON CONFLICT(name) DO UPDATE SET name = name "
           "RETURNING id", err, len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        weft__store_err(s, err, len, "recording the test");
    sqlite3_finalize(st);
    return id;
}

int weft__store_campaign_begin(weft__store *s, const char *test, int64_t build_id,
                               const char *strategy, const char *options_json,
                               char uuid[33], char *err, size_t err_len)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    new_uuid(uuid);
    if (weft__store_begin(s, err, err_len) != 0)
        return -1;
    int64_t tid = test_id(s, test, err, err_len);
    sqlite3_stmt *st = tid < 0 ? NULL : weft__store_prepare(
        s, "INSERT INTO campaigns(uuid, test_id, build_id, started, host, pid, strategy, options)"
           " VALUES(?1, ?2, ?3, " NOW ", ?4, ?5, ?6, ?7)", err, err_len);
    if (!st)
        goto out_rollback;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tid);
    if (build_id > 0)
        sqlite3_bind_int64(st, 3, build_id);
    sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, getpid());
    sqlite3_bind_text(st, 6, strategy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, options_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        weft__store_err(s, err, err_len, "recording the campaign");
        goto out_rollback;
    }
    return weft__store_commit(s, err, err_len);
out_rollback:
    weft__store_rollback(s);
    return -1;
}

/* Steps the prepared statement st in its own immediate transaction and
 * finalizes it. 0, or -1 with "what" and SQLite's message in err. */
static int write_one(weft__store *s, sqlite3_stmt *st, const char *what, char *err,
                     size_t err_len)
{
    int rc = -1;
    if (weft__store_begin(s, err, err_len) == 0) {
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = weft__store_commit(s, err, err_len);
        else
            weft__store_err(s, err, err_len, what);
        if (rc != 0)
            weft__store_rollback(s);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The campaign's counts set (add: added to) and, with ended, its end. */
static int campaign_counts(weft__store *s, const char *uuid, uint64_t executions,
                           uint64_t failures, bool ended, bool add, char *err, size_t err_len)
{
    static const char *const sql[2][2] = {
        {"UPDATE campaigns SET executions = ?2, failures = ?3 WHERE uuid = ?1",
         "UPDATE campaigns SET executions = ?2, failures = ?3, ended = " NOW " WHERE uuid = ?1"},
        {"UPDATE campaigns SET executions = executions + ?2, failures = failures + ?3"
         " WHERE uuid = ?1",
         "UPDATE campaigns SET executions = executions + ?2, failures = failures + ?3,"
         " ended = " NOW " WHERE uuid = ?1"},
    };
    sqlite3_stmt *st = weft__store_prepare(s, sql[add][ended], err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)executions);
    sqlite3_bind_int64(st, 3, (int64_t)failures);
    return write_one(s, st, "updating the campaign", err, err_len);
}

int weft__store_campaign_update(weft__store *s, const char *uuid, uint64_t executions,
                                uint64_t failures, bool ended, char *err, size_t err_len)
{
    return campaign_counts(s, uuid, executions, failures, ended, false, err, err_len);
}

int weft__store_campaign_add(weft__store *s, const char *uuid, uint64_t executions,
                             uint64_t failures, bool ended, char *err, size_t err_len)
{
    return campaign_counts(s, uuid, executions, failures, ended, true, err, err_len);
}

int weft__store_progress(weft__store *s, const char *uuid, double t_s, uint64_t executions,
                         uint64_t failing, uint64_t distinct, char *err, size_t err_len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, "INSERT OR REPLACE INTO campaign_progress(campaign_uuid, t_s, executions, failing,"
           " distinct_schedules) VALUES(?1, ?2, ?3, ?4, ?5)", err, err_len);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, t_s);
    sqlite3_bind_int64(st, 3, (int64_t)executions);
    sqlite3_bind_int64(st, 4, (int64_t)failing);
    sqlite3_bind_int64(st, 5, (int64_t)distinct);
    return write_one(s, st, "recording progress", err, err_len);
}

/* Failure id for (test, signature), created or touched. */
static int64_t failure_id(weft__store *s, int64_t tid, const weft_failure_event *ev,
                          char *err, size_t len)
{
    char sig[17];
    weft__hash_hex(ev->signature, sig);
    sqlite3_stmt *st = weft__store_prepare(
        s, "INSERT INTO failures(test_id, kind, message, location, signature, first_seen,"
           " last_seen) VALUES(?1, ?2, ?3, ?4, ?5, " NOW ", " NOW ")"
           " ON CONFLICT(test_id, signature) DO UPDATE SET last_seen = excluded.last_seen"
           " RETURNING id", err, len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_text(st, 2, weft_kind_name(ev->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sig, -1, SQLITE_TRANSIENT);
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        weft__store_err(s, err, len, "recording the failure");
    sqlite3_finalize(st);
    return id;
}

static int add_hits(weft__store *s, int64_t fid, const char *uuid, uint64_t hits,
                    char *err, size_t len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, "INSERT INTO failure_hits(failure_id, campaign_uuid, hits) VALUES(?1, ?2, ?3)"
           " ON CONFLICT(failure_id, campaign_uuid) DO UPDATE SET hits = hits + excluded.hits",
        err, len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fid);
    sqlite3_bind_text(st, 2, uuid ? uuid : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)hits);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc)
        weft__store_err(s, err, len, "counting the hit");
    sqlite3_finalize(st);
    return rc;
}

/* Decisions and injected events of an encoded trace. */
static void trace_stats(const uint8_t *b, size_t len, int64_t *decisions, int64_t *injections)
{
    weft__trace t;
    char err[128];
    weft__trace_init(&t);
    *decisions = *injections = 0;
    if (weft__trace_decode(b, len, &t, err, sizeof err) == 0) {
        *decisions = (int64_t)t.len;
        for (size_t i = 0; i < t.len; i++)
            if (t.d[i].kind >= WEFT__D_CANCEL && t.d[i].value != 0)
                (*injections)++;
    }
    weft__trace_free(&t);
}

/* Drops all but the WEFT__STORE_KEEP best schedules of failure fid. */
static int trim(weft__store *s, int64_t fid, char *err, size_t len)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM schedules WHERE failure_id = %lld AND id NOT IN ("
             " SELECT id FROM schedules WHERE failure_id = %lld"
             " ORDER BY minimized DESC, steps, id LIMIT %d)",
             (long long)fid, (long long)fid, WEFT__STORE_KEEP);
    return weft__store_exec(s, sql, err, len);
}

typedef struct schedule_row {
    int64_t failure_id, build_id;
    const char *campaign_uuid, *strategy, *options;
    uint64_t seed, steps, preemptions, trace_hash;
    const uint8_t *trace;
    size_t trace_len;
    bool minimized;
} schedule_row;

static int insert_schedule(weft__store *s, const schedule_row *r, int64_t *id, char *err,
                           size_t len)
{
    char hash[17];
    int64_t decisions, injections;
    weft__hash_hex(r->trace_hash, hash);
    trace_stats(r->trace, r->trace_len, &decisions, &injections);
    sqlite3_stmt *st = weft__store_prepare(
        s, "INSERT INTO schedules(failure_id, build_id, campaign_uuid, seed, strategy, options,"
           " trace, trace_hash, steps, decisions, preemptions, injections, minimized, found)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, " NOW ")"
           " ON CONFLICT(failure_id, trace_hash) DO NOTHING RETURNING id", err, len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, r->failure_id);
    if (r->build_id > 0)
        sqlite3_bind_int64(st, 2, r->build_id);
    if (r->campaign_uuid)
        sqlite3_bind_text(st, 3, r->campaign_uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)r->seed);
    sqlite3_bind_text(st, 5, r->strategy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->options ? r->options : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, r->trace, (int)r->trace_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (int64_t)r->steps);
    sqlite3_bind_int64(st, 10, decisions);
    sqlite3_bind_int64(st, 11, (int64_t)r->preemptions);
    sqlite3_bind_int64(st, 12, injections);
    sqlite3_bind_int(st, 13, r->minimized);
    int rc = sqlite3_step(st);
    if (id)
        *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        weft__store_err(s, err, len, "recording the schedule");
        return -1;
    }
    return trim(s, r->failure_id, err, len);
}

int weft__store_record(weft__store *s, const char *campaign_uuid, int64_t build_id,
                       const weft_failure_event *ev, const char *options_json,
                       char *err, size_t err_len)
{
    if (weft__store_begin(s, err, err_len) != 0)
        return -1;
    int64_t tid = test_id(s, ev->test, err, err_len);
    int64_t fid = tid < 0 ? -1 : failure_id(s, tid, ev, err, err_len);
    if (fid < 0 || add_hits(s, fid, campaign_uuid, 1, err, err_len) != 0)
        goto out_rollback;
    schedule_row row = {
        .failure_id = fid, .build_id = build_id, .campaign_uuid = campaign_uuid,
        .strategy = ev->strategy, .options = options_json, .seed = ev->seed,
        .steps = ev->steps, .preemptions = 0, .trace_hash = ev->trace_hash,
        .trace = ev->trace, .trace_len = ev->trace_len, .minimized = false,
    };
    if (insert_schedule(s, &row, NULL, err, err_len) != 0)
        goto out_rollback;
    if (weft__store_commit(s, err, err_len) != 0)
        goto out_rollback;
    return 0;
out_rollback:
    weft__store_rollback(s);
    return -1;
}

int weft__store_add_hits(weft__store *s, const char *campaign_uuid, const char *test,
                         uint64_t signature, uint64_t hits, char *err, size_t err_len)
{
    char sig[17], sql[512];
    weft__hash_hex(signature, sig);
    if (weft__store_begin(s, err, err_len) != 0)
        return -1;
    sqlite3_stmt *st = weft__store_prepare(
        s, "SELECT f.id FROM failures f JOIN tests t ON t.id = f.test_id"
           " WHERE t.name = ?1 AND f.signature = ?2", err, err_len);
    int64_t fid = -1;
    if (st) {
        sqlite3_bind_text(st, 1, test, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sig, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            fid = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    (void)sql;
    if (fid < 0) {
        snprintf(err, err_len, "%s: no failure with signature %s for test %s", s->path, sig, test);
        goto out_rollback;
    }
    if (add_hits(s, fid, campaign_uuid, hits, err, err_len) != 0)
        goto out_rollback;
    sqlite3_stmt *touch = weft__store_prepare(
        s, "UPDATE failures SET last_seen = " NOW " WHERE id = ?1", err, err_len);
    if (!touch)
        goto out_rollback;
    sqlite3_bind_int64(touch, 1, fid);
    int trc = sqlite3_step(touch);
    sqlite3_finalize(touch);
    if (trc != SQLITE_DONE) {
        weft__store_err(s, err, err_len, "updating last seen");
        goto out_rollback;
    }
    return weft__store_commit(s, err, err_len);
out_rollback:
    weft__store_rollback(s);
    return -1;
}

int weft__store_add_schedule(weft__store *s, int64_t failure_id, const uint8_t *trace,
                             size_t len, uint64_t trace_hash, uint64_t seed,
                             const char *strategy, uint64_t steps, bool minimized,
                             int64_t *schedule_id, char *err, size_t err_len)
{
    if (weft__store_begin(s, err, err_len) != 0)
        return -1;
    schedule_row row = {
        .failure_id = failure_id, .strategy = strategy, .seed = seed, .steps = steps,
        .trace_hash = trace_hash, .trace = trace, .trace_len = len, .minimized = minimized,
    };
    if (insert_schedule(s, &row, schedule_id, err, err_len) != 0 ||
        weft__store_commit(s, err, err_len) != 0) {
        weft__store_rollback(s);
        return -1;
    }
    return 0;
}
