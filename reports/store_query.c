/*
 * store_query.c — reading the store (get, list, show) and maintaining it
 * (merge, gc).
 *
 * Merging matches rows by their natural keys (build hash, test name, test +
 * failure signature, failure + trace hash, campaign uuid), never by ids, and
 * takes the larger of two hit counts of the same campaign: merging the same
 * store twice changes nothing.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define BEST_SCHEDULE "ORDER BY minimized DESC, steps, id LIMIT 1"

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", v ? (const char *)v : "");
}

static int get_failure(weft__store *s, int64_t id, weft__stored_failure *f, char *err,
                       size_t len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, "SELECT t.name, f.kind, f.location, f.message, f.first_seen, f.last_seen,"
           " (SELECT coalesce(sum(hits), 0) FROM failure_hits WHERE failure_id = f.id),"
           " (SELECT count(*) FROM schedules WHERE failure_id = f.id)"
           " FROM failures f JOIN tests t ON t.id = f.test_id WHERE f.id = ?1", err, len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        f->id = id;
        copy_col(st, 0, f->test, sizeof f->test);
        copy_col(st, 1, f->kind, sizeof f->kind);
        copy_col(st, 2, f->location, sizeof f->location);
        const unsigned char *m = sqlite3_column_text(st, 3);
        f->message = strdup(m ? (const char *)m : "");
        copy_col(st, 4, f->first_seen, sizeof f->first_seen);
        copy_col(st, 5, f->last_seen, sizeof f->last_seen);
        f->hits = (uint64_t)sqlite3_column_int64(st, 6);
        f->schedules = sqlite3_column_int64(st, 7);
    } else if (rc == SQLITE_DONE) {
        snprintf(err, len, "%s: no failure with id %lld (see weft list)", s->path, (long long)id);
    } else {
        weft__store_err(s, err, len, "reading the failure");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int get_schedule(weft__store *s, int64_t fid, int64_t sid, weft__stored_failure *f,
                        char *err, size_t len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, sid > 0 ? "SELECT id, seed, strategy, steps, trace, trace_hash, minimized,"
                     " coalesce(build_id, (SELECT build_id FROM schedules WHERE failure_id = ?1"
                     "  AND build_id IS NOT NULL ORDER BY id DESC LIMIT 1))"
                     " FROM schedules WHERE failure_id = ?1 AND id = ?2"
                   : "SELECT id, seed, strategy, steps, trace, trace_hash, minimized,"
                     " coalesce(build_id, (SELECT build_id FROM schedules WHERE failure_id = ?1"
                     "  AND build_id IS NOT NULL ORDER BY id DESC LIMIT 1))"
                     " FROM schedules WHERE failure_id = ?1 " BEST_SCHEDULE,
        err, len);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fid);
    if (sid > 0)
        sqlite3_bind_int64(st, 2, sid);
    int rc = sqlite3_step(st);
    int64_t build = 0;
    if (rc == SQLITE_ROW) {
        f->schedule_id = sqlite3_column_int64(st, 0);
        f->seed = (uint64_t)sqlite3_column_int64(st, 1);
        copy_col(st, 2, f->strategy, sizeof f->strategy);
        f->steps = (uint64_t)sqlite3_column_int64(st, 3);
        int n = sqlite3_column_bytes(st, 4);
        f->trace = malloc(n > 0 ? (size_t)n : 1);
        if (f->trace && n > 0)
            memcpy(f->trace, sqlite3_column_blob(st, 4), (size_t)n);
        f->trace_len = (size_t)n;
        copy_col(st, 5, f->trace_hash, sizeof f->trace_hash);
        f->minimized = sqlite3_column_int(st, 6) != 0;
        build = sqlite3_column_int64(st, 7);
    } else if (rc == SQLITE_DONE) {
        snprintf(err, len, "%s: failure %lld has no schedule%s", s->path, (long long)fid,
                 sid > 0 ? " with that id" : "");
    } else {
        weft__store_err(s, err, len, "reading the schedule");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return -1;
    sqlite3_stmt *b = weft__store_prepare(s, "SELECT path, hash FROM builds WHERE id = ?1",
                                          err, len);
    if (!b)
        return -1;
    sqlite3_bind_int64(b, 1, build);
    rc = sqlite3_step(b);
    if (rc == SQLITE_ROW) {
        copy_col(b, 0, f->build_path, sizeof f->build_path);
        copy_col(b, 1, f->build_hash, sizeof f->build_hash);
    } else if (rc != SQLITE_DONE) {
        weft__store_err(s, err, len, "reading the build");
    }
    sqlite3_finalize(b);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int weft__store_get(weft__store *s, int64_t id, int64_t schedule_id,
                    weft__stored_failure *f, char *err, size_t err_len)
{
    memset(f, 0, sizeof *f);
    if (get_failure(s, id, f, err, err_len) != 0)
        return -1;
    if (get_schedule(s, id, schedule_id, f, err, err_len) != 0) {
        weft__stored_failure_free(f);
        return -1;
    }
    return 0;
}

void weft__stored_failure_free(weft__stored_failure *f)
{
    free(f->message);
    free(f->trace);
    f->message = NULL;
    f->trace = NULL;
}

/* ----------------------------------------------------------- list, show */

int weft__store_list(weft__store *s, FILE *out, char *err, size_t err_len)
{
    sqlite3_stmt *st = weft__store_prepare(
        s, "SELECT f.id, t.name, f.kind, f.location,"
           " (SELECT coalesce(sum(hits), 0) FROM failure_hits WHERE failure_id = f.id),"
           " f.first_seen, f.last_seen,"
           " (SELECT min(steps) FROM schedules WHERE failure_id = f.id)"
           " FROM failures f JOIN tests t ON t.id = f.test_id ORDER BY f.id", err, err_len);
    if (!st)
        return -1;
    fprintf(out, "%4s  %-24s %-10s %8s  %-20s  %-20s  %8s  %s\n", "id", "test", "kind", "hits",
            "first seen", "last seen", "shortest", "where");
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fprintf(out, "%4lld  %-24s %-10s %8lld  %-20s  %-20s  %8lld  %s\n",
                (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 4),
                sqlite3_column_text(st, 5), sqlite3_column_text(st, 6),
                (long long)sqlite3_column_int64(st, 7), sqlite3_column_text(st, 3));
        rows++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        weft__store_err(s, err, err_len, "listing failures");
        return -1;
    }
    if (!rows)
        fprintf(out, "(no failures recorded in %s)\n", s->path);
    return 0;
}

static void show_schedules(weft__store *s, int64_t id, FILE *out)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(s->db,
                       "SELECT id, seed, strategy, steps, decisions, injections, minimized,"
                       " trace_hash, found FROM schedules WHERE failure_id = ?1"
                       " ORDER BY minimized DESC, steps, id", -1, &st, NULL);
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, id);
    fprintf(out, "  schedules (best first):\n    %5s %20s %-22s %7s %9s %10s %-9s %-16s %s\n",
            "id", "seed", "strategy", "steps", "decisions", "injections", "minimized",
            "schedule", "found");
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(out, "    %5lld %20llu %-22s %7lld %9lld %10lld %-9s %-16s %s\n",
                (long long)sqlite3_column_int64(st, 0),
                (unsigned long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 2),
                (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
                (long long)sqlite3_column_int64(st, 5),
                sqlite3_column_int(st, 6) ? "yes" : "no", sqlite3_column_text(st, 7),
                sqlite3_column_text(st, 8));
    sqlite3_finalize(st);
}

int weft__store_show(weft__store *s, int64_t id, FILE *out, char *err, size_t err_len)
{
    weft__stored_failure f;
    if (weft__store_get(s, id, 0, &f, err, err_len) != 0)
        return -1;
    fprintf(out, "failure %lld: %s in test %s%s%s\n", (long long)f.id, f.kind, f.test,
            f.location[0] ? " at " : "", f.location);
    const char *p = f.message;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(out, "  %.*s\n", n, p);
        p += n + (nl ? 1 : 0);
    }
    fprintf(out, "  hits %llu, first seen %s, last seen %s, %lld schedule%s kept\n",
            (unsigned long long)f.hits, f.first_seen, f.last_seen, (long long)f.schedules,
            f.schedules == 1 ? "" : "s");
    fprintf(out, "  build %s (%s)\n", f.build_hash[0] ? f.build_hash : "?",
            f.build_path[0] ? f.build_path : "unknown binary");
    show_schedules(s, id, out);
    fprintf(out, "  replay:\n    weft --db %s replay %lld\n", s->path, (long long)id);
    if (f.build_path[0]) {
        fprintf(out, "    %s replay %s --db %s --id %lld\n", f.build_path, f.test, s->path,
                (long long)id);
        fprintf(out, "    %s replay %s --seed %llu%s%s\n", f.build_path, f.test,
                (unsigned long long)f.seed, strcmp(f.strategy, "random") ? " --strategy " : "",
                strcmp(f.strategy, "random") ? f.strategy : "");
    }
    weft__stored_failure_free(&f);
    return 0;
}
