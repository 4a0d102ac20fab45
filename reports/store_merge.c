/*
 * store_merge.c — merging another machine's store into this one, and
 * garbage collection.
 *
 * Merge is idempotent: every row is matched by its natural key, and a
 * campaign's hit count is the larger of the two copies, so merging the same
 * file twice (or a file that was itself merged from this one) changes
 * nothing. The other store is attached read-only and checked first.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static const char merge_sql[] =
    "INSERT INTO builds(hash, path, first_seen)"
    " SELECT hash, path, first_seen FROM o.builds WHERE true"
    " ON CONFLICT(hash) DO NOTHING;"
    "INSERT INTO tests(name) SELECT name FROM o.tests WHERE true"
    " ON CONFLICT(name) DO NOTHING;"
    "INSERT INTO campaigns(uuid, test_id, build_id, started, ended, host, pid, strategy,"
    "  options, executions, failures)"
    " SELECT c.uuid, t2.id, b2.id, c.started, c.ended, c.host, c.pid, c.strategy, c.options,"
    "  c.executions, c.failures"
    " FROM o.campaigns c JOIN o.tests t ON t.id = c.test_id JOIN tests t2 ON t2.name = t.name"
    " LEFT JOIN o.builds b ON b.id = c.build_id LEFT JOIN builds b2 ON b2.hash = b.hash"
    " WHERE true ON CONFLICT(uuid) DO UPDATE SET"
    "  ended = coalesce(ended, excluded.ended),"
    "  executions = max(executions, excluded.executions),"
    "  failures = max(failures, excluded.failures);"
    "INSERT INTO failures(test_id, kind, message, location, signature, first_seen, last_seen)"
    " SELECT t2.id, f.kind, f.message, f.location, f.signature, f.first_seen, f.last_seen"
    " FROM o.failures f JOIN o.tests t ON t.id = f.test_id JOIN tests t2 ON t2.name = t.name"
    " WHERE true ON CONFLICT(test_id, signature) DO UPDATE SET"
    "  first_seen = min(first_seen, excluded.first_seen),"
    "  last_seen = max(last_seen, excluded.last_seen);"
    "INSERT INTO failure_hits(failure_id, campaign_uuid, hits)"
    " SELECT f2.id, h.campaign_uuid, h.hits"
    " FROM o.failure_hits h JOIN o.failures f ON f.id = h.failure_id"
    " JOIN o.tests t ON t.id = f.test_id JOIN tests t2 ON t2.name = t.name"
    " JOIN failures f2 ON f2.test_id = t2.id AND f2.signature = f.signature"
    " WHERE true ON CONFLICT(failure_id, campaign_uuid) DO UPDATE SET"
    "  hits = max(hits, excluded.hits);"
    "INSERT INTO schedules(failure_id, build_id, campaign_uuid, seed, strategy, options,"
    "  trace, trace_hash, steps, decisions, preemptions, injections, minimized, found)"
    " SELECT f2.id, b2.id, s.campaign_uuid, s.seed, s.strategy, s.options, s.trace,"
    "  s.trace_hash, s.steps, s.decisions, s.preemptions, s.injections, s.minimized, s.found"
    " FROM o.schedules s JOIN o.failures f ON f.id = s.failure_id"
    " JOIN o.tests t ON t.id = f.test_id JOIN tests t2 ON t2.name = t.name"
    " JOIN failures f2 ON f2.test_id = t2.id AND f2.signature = f.signature"
    " LEFT JOIN o.builds b ON b.id = s.build_id LEFT JOIN builds b2 ON b2.hash = b.hash"
    " WHERE true ON CONFLICT(failure_id, trace_hash) DO NOTHING;"
    "INSERT OR IGNORE INTO campaign_progress SELECT * FROM o.campaign_progress;";

static const char trim_all_sql[] =
    "DELETE FROM schedules WHERE id IN (SELECT id FROM ("
    " SELECT id, row_number() OVER (PARTITION BY failure_id"
    "  ORDER BY minimized DESC, steps, id) AS rn FROM schedules) WHERE rn > %d);";

static int check_other(weft__store *s, const char *other, char *err, size_t len)
{
    weft__store *o;
    if (weft__store_open(other, WEFT__STORE_READ, &o, err, len) != 0)
        return -1;
    char a[4096], b[4096];
    bool same = realpath(other, a) && realpath(s->path, b) && strcmp(a, b) == 0;
    weft__store_close(o);
    if (same) {
        snprintf(err, len, "%s: cannot merge a store into itself", other);
        return -1;
    }
    return 0;
}

static int64_t count(weft__store *s, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return weft__store_int(s, sql);
}

int weft__store_merge(weft__store *s, const char *other, FILE *out, char *err,
                      size_t err_len)
{
    if (check_other(s, other, err, err_len) != 0)
        return -1;
    /* a URI: '%', '?' and '#' in the file name are escaped */
    size_t n = strlen(other);
    char *uri = malloc(3 * n + 16);
    if (!uri) {
        snprintf(err, err_len, "%s: out of memory", other);
        return -1;
    }
    char *o = uri + sprintf(uri, "file:");
    for (const char *p = other; *p; p++)
        if (*p == '%' || *p == '?' || *p == '#')
            o += sprintf(o, "%%%02X", (unsigned char)*p);
        else
            *o++ = *p;
    strcpy(o, "?mode=ro");
    sqlite3_stmt *at = weft__store_prepare(s, "ATTACH ?1 AS o", err, err_len);
    int arc = SQLITE_ERROR;
    if (at) {
        sqlite3_bind_text(at, 1, uri, -1, SQLITE_STATIC);
        arc = sqlite3_step(at);
        if (arc != SQLITE_DONE)
            weft__store_err(s, err, err_len, "attaching the other store");
        sqlite3_finalize(at);
    }
    free(uri);
    if (arc != SQLITE_DONE)
        return -1;
    int64_t f0 = count(s, "failures"), s0 = count(s, "schedules");
    char trim[512];
    snprintf(trim, sizeof trim, trim_all_sql, WEFT__STORE_KEEP);
    int rc = -1;
    if (weft__store_begin(s, err, err_len) == 0) {
        if (weft__store_exec(s, merge_sql, err, err_len) == 0 &&
            weft__store_exec(s, trim, err, err_len) == 0 &&
            weft__store_commit(s, err, err_len) == 0)
            rc = 0;
        else
            weft__store_rollback(s);
    }
    sqlite3_exec(s->db, "DETACH o", NULL, NULL, NULL);
    if (rc == 0 && out)
        fprintf(out, "merged %s into %s: %lld new failure%s, %lld new schedule%s\n", other,
                s->path, (long long)(count(s, "failures") - f0),
                count(s, "failures") - f0 == 1 ? "" : "s",
                (long long)(count(s, "schedules") - s0),
                count(s, "schedules") - s0 == 1 ? "" : "s");
    return rc;
}

int weft__store_gc(weft__store *s, FILE *out, char *err, size_t err_len)
{
    char trim[512];
    snprintf(trim, sizeof trim, trim_all_sql, WEFT__STORE_KEEP);
    int64_t s0 = count(s, "schedules"), b0 = count(s, "builds");
    if (weft__store_begin(s, err, err_len) != 0)
        return -1;
    if (weft__store_exec(s, trim, err, err_len) != 0 ||
        weft__store_exec(s,
                         "DELETE FROM builds WHERE id NOT IN (SELECT build_id FROM schedules"
                         " WHERE build_id IS NOT NULL) AND id NOT IN (SELECT build_id FROM"
                         " campaigns WHERE build_id IS NOT NULL);",
                         err, err_len) != 0 ||
        weft__store_commit(s, err, err_len) != 0) {
        weft__store_rollback(s);
        return -1;
    }
    if (weft__store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;", err, err_len) != 0)
        return -1;
    if (out)
        fprintf(out, "gc %s: removed %lld schedule%s and %lld unused build%s\n", s->path,
                (long long)(s0 - count(s, "schedules")),
                s0 - count(s, "schedules") == 1 ? "" : "s",
                (long long)(b0 - count(s, "builds")), b0 - count(s, "builds") == 1 ? "" : "s");
    return 0;
}
