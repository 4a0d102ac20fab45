/*
 * weft_tool.c — the stand-alone `weft` command: reads and maintains a
 * failure store without the test binary, and runs the recorded binary to
 * replay or minimize a stored failure.
 *
 *   weft [--db FILE] list | show ID | replay ID | minimize ID | merge OTHER.db | gc
 *
 * Exit status: 0 done (replay: the failure did not reproduce), 1 a replay
 * reproduced its failure, 2 usage error or bad input (the store untouched).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/weft.h>

#include "cli/options.h"
#include "reports/store.h"

static const char usage[] =
    "usage: weft [--db FILE] COMMAND\n"
    "\n"
    "  list             every recorded failure: id, test, kind, hits, first/last seen\n"
    "  show ID          one failure: message, schedules, how to replay it\n"
    "  replay ID        run the recorded test binary on the failure's best schedule\n"
    "  minimize ID      shrink the failure's schedule (runs the recorded binary)\n"
    "  merge OTHER.db   add another store's failures (idempotent)\n"
    "  gc               drop surplus schedules and unused builds, compact the file\n"
    "\n"
    "The store defaults to ./weft.db. Exit status: 0 ok, 1 replay reproduced the\n"
    "failure, 2 bad usage or input.\n";

static int parse_id(const char *s, int64_t *id)
{
    uint64_t v;
    if (!s || weft__parse_u64(s, &v) != 0 || v == 0 || v > INT64_MAX) {
        fprintf(stderr, "weft: '%s' is not a failure id (see weft list)\n", s ? s : "");
        return -1;
    }
    *id = (int64_t)v;
    return 0;
}

/* Runs `binary cmd test --db db --id id` and returns its exit status. */
static int run_binary(const weft__stored_failure *f, const char *db, const char *cmd)
{
    char self[17];
    if (access(f->build_path, X_OK) != 0) {
        fprintf(stderr, "weft: the test binary %s that recorded failure %lld is gone: %s\n",
                f->build_path, (long long)f->id, strerror(errno));
        return 2;
    }
    if (weft__file_hash(f->build_path, self) == 0 && strcmp(self, f->build_hash) != 0)
        fprintf(stderr, "weft: note: %s has changed since failure %lld was recorded "
                        "(build %s, now %s): the replay may diverge\n",
                f->build_path, (long long)f->id, f->build_hash, self);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)f->id);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        execl(f->build_path, f->build_path, cmd, f->test, "--db", db, "--id", id, (char *)NULL);
        fprintf(stderr, "weft: cannot run %s: %s\n", f->build_path, strerror(errno));
        _exit(2);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "weft: %s died of signal %d\n", f->build_path, WTERMSIG(status));
        return 2;
    }
    return WEXITSTATUS(status);
}

static int with_failure(weft__store *s, const char *db, const char *arg, const char *cmd)
{
    int64_t id;
    char err[512];
    weft__stored_failure f;
    if (parse_id(arg, &id) != 0) {
        weft__store_close(s);
        return 2;
    }
    if (weft__store_get(s, id, 0, &f, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        weft__store_close(s);
        return 2;
    }
    if (!f.build_path[0]) {
        fprintf(stderr, "weft: failure %lld has no recorded test binary\n", (long long)id);
        weft__stored_failure_free(&f);
        weft__store_close(s);
        return 2;
    }
    weft__store_close(s); /* the binary opens the store itself */
    int rc = run_binary(&f, db, cmd);
    weft__stored_failure_free(&f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *db = "weft.db";
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
        db = argv[i + 1];
        i += 2;
    }
    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
        !strcmp(argv[i], "help")) {
        fputs(usage, i >= argc ? stderr : stdout);
        return i >= argc ? 2 : 0;
    }
    const char *cmd = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
    bool writes = !strcmp(cmd, "merge") || !strcmp(cmd, "gc");
    if (strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "replay") &&
        strcmp(cmd, "minimize") && !writes) {
        fprintf(stderr, "weft: unknown command '%s' (see weft --help)\n", cmd);
        return 2;
    }
    int want = !strcmp(cmd, "list") || !strcmp(cmd, "gc") ? 0 : 1;
    if (argc - i - 1 != want) {
        fprintf(stderr, "weft: %s takes %s (see weft --help)\n", cmd,
                want ? "one argument" : "no argument");
        return 2;
    }
    weft__store *s;
    char err[512] = "";
    if (weft__store_open(db, writes ? WEFT__STORE_WRITE : WEFT__STORE_READ, &s, err,
                         sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return 2;
    }
    int rc = 0;
    int64_t id;
    if (!strcmp(cmd, "list"))
        rc = weft__store_list(s, stdout, err, sizeof err) ? 2 : 0;
    else if (!strcmp(cmd, "show"))
        rc = parse_id(arg, &id) ? 2 : weft__store_show(s, id, stdout, err, sizeof err) ? 2 : 0;
    else if (!strcmp(cmd, "merge"))
        rc = weft__store_merge(s, arg, stdout, err, sizeof err) ? 2 : 0;
    else if (!strcmp(cmd, "gc"))
        rc = weft__store_gc(s, stdout, err, sizeof err) ? 2 : 0;
    else
        return with_failure(s, db, arg, cmd); /* replay, minimize */
    if (rc == 2 && err[0])
        fprintf(stderr, "weft: %s\n", err);
    weft__store_close(s);
    return rc;
}
