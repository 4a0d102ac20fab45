/*
 * store.h — the SQLite failure store: every failing schedule, recorded as
 * it is found, deduplicated by failure signature, replayable, mergeable
 * across machines.
 *
 * One connection per process, opened after any fork. Every write is one
 * BEGIN IMMEDIATE transaction with a busy timeout, in WAL mode with
 * synchronous=NORMAL: many processes write at once, a process killed in the
 * middle loses nothing committed, and readers never block writers.
 *
 * Schema (PRAGMA user_version = 2, application_id = 'weft'; a version-1
 * store is migrated forward when opened for writing):
 *   builds(id, hash, path, first_seen)            XXH3 of the test binary
 *   tests(id, name)
 *   campaigns(id, uuid, test_id, build_id, started, ended, host, pid,
 *             strategy, options, executions, failures)
 *   failures(id, test_id, kind, message, location, signature,
 *            first_seen, last_seen)
 *   failure_hits(failure_id, campaign_uuid, hits)  hits per campaign, so a
 *            merge can be repeated without counting twice
 *   schedules(id, failure_id, build_id, campaign_uuid, seed, strategy,
 *             options, trace, trace_hash, steps, decisions, preemptions,
 *             injections, minimized, found)
 *   campaign_progress(campaign_uuid, t_s, executions, failing, distinct)
 *            samples taken during a campaign (schema 2)
 * A failure's hit count is the sum of its failure_hits rows; it keeps at
 * most WEFT__STORE_KEEP schedules, the shortest.
 */
#ifndef WEFT_REPORTS_STORE_H
#define WEFT_REPORTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <weft/weft.h>

#define WEFT__STORE_SCHEMA 2
#define WEFT__STORE_KEEP 8

typedef struct weft__store weft__store;

enum {
    WEFT__STORE_READ = 0,   /* must exist, never written */
    WEFT__STORE_WRITE = 1,  /* created when missing */
};

/* Opens (and creates or migrates, when writing) the store at path.
 * Returns 0, or -1 with a one-line message: not a weft store, a newer
 * schema, a corrupt file, cannot open. The file is left untouched on any
 * error. */
int weft__store_open(const char *path, int mode, weft__store **out,
                     char *err, size_t err_len);
void weft__store_close(weft__store *s); /* NULL is fine */
const char *weft__store_path(const weft__store *s);
/* The SQLite connection, for read-only queries of the report pages. */
struct sqlite3 *weft__store_db(weft__store *s);

/* The build row of the binary at path (hashing its contents); 0 or -1. */
int weft__store_build(weft__store *s, const char *binary_path, int64_t *id,
                      char *err, size_t err_len);

/* A campaign row: started now; returns its uuid in uuid[33]. */
int weft__store_campaign_begin(weft__store *s, const char *test,
                               int64_t build_id, const char *strategy,
                               const char *options_json, char uuid[33],
                               char *err, size_t err_len);
int weft__store_campaign_update(weft__store *s, const char *uuid,
                                uint64_t executions, uint64_t failures,
                                bool ended, char *err, size_t err_len);

/* Adds to a campaign's counts (processes sharing one campaign: libFuzzer's
 * fork children). */
int weft__store_campaign_add(weft__store *s, const char *uuid, uint64_t executions,
                             uint64_t failures, bool ended, char *err, size_t err_len);

/* A progress sample of a running campaign: t_s seconds since it started. */
int weft__store_progress(weft__store *s, const char *uuid, double t_s, uint64_t executions,
                         uint64_t failing, uint64_t distinct, char *err, size_t err_len);

/* Records one failing execution: the failure (by test and signature), a hit
 * for the campaign, and the schedule unless already kept (or longer than
 * every kept one when the failure already has WEFT__STORE_KEEP). */
int weft__store_record(weft__store *s, const char *campaign_uuid,
                       int64_t build_id, const weft_failure_event *ev,
                       const char *options_json, char *err, size_t err_len);
/* Adds hits to an existing failure for a campaign (batched repeats). */
int weft__store_add_hits(weft__store *s, const char *campaign_uuid,
                         const char *test, uint64_t signature, uint64_t hits,
                         char *err, size_t err_len);

/* One failure as the tools read it. Strings owned by the struct. */
typedef struct weft__stored_failure {
    int64_t id;
    char test[128];
    char kind[32];
    char location[256];
    char *message;
    char first_seen[32], last_seen[32];
    uint64_t hits;
    int64_t schedules;
    /* the shortest schedule */
    int64_t schedule_id;
    uint64_t seed;
    char strategy[64];
    uint64_t steps;
    uint8_t *trace;
    size_t trace_len;
    char trace_hash[17];
    bool minimized;
    /* its build */
    char build_path[1024];
    char build_hash[17];
} weft__stored_failure;

/* Fills f with failure id's data and its shortest schedule (or the schedule
 * with id schedule_id when > 0). 0, or -1 with a message ("no failure 7"). */
int weft__store_get(weft__store *s, int64_t id, int64_t schedule_id,
                    weft__stored_failure *f, char *err, size_t err_len);
void weft__stored_failure_free(weft__stored_failure *f);

/* `weft list`: one row per failure. */
int weft__store_list(weft__store *s, FILE *out, char *err, size_t err_len);
/* `weft show ID`: the failure, all its schedules, the replay command. */
int weft__store_show(weft__store *s, int64_t id, FILE *out, char *err,
                     size_t err_len);
/* Stores a minimized schedule of failure id; returns its schedule id. */
int weft__store_add_schedule(weft__store *s, int64_t failure_id,
                             const uint8_t *trace, size_t len,
                             uint64_t trace_hash, uint64_t seed,
                             const char *strategy, uint64_t steps,
                             bool minimized, int64_t *schedule_id,
                             char *err, size_t err_len);
/* `weft merge OTHER`: idempotent. Reports what it added on out. */
int weft__store_merge(weft__store *s, const char *other, FILE *out,
                      char *err, size_t err_len);
/* `weft gc`: drops schedules beyond the limit, unreferenced builds, and
 * vacuums. */
int weft__store_gc(weft__store *s, FILE *out, char *err, size_t err_len);

/* XXH3 of a file's contents as 16 hex digits; 0 or -1. */
int weft__file_hash(const char *path, char out[17]);

#endif /* WEFT_REPORTS_STORE_H */
