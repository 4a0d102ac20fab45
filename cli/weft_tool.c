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
#include "reports/html.h"
#include "reports/store.h"

static const char usage[] =
    "usage: weft [--db FILE] COMMAND\n"
    "\n"
    "  list             every recorded failure: id, test, kind, hits, first/last seen\n"
    "  show ID          one failure: message, schedules, how to replay it, its timeline\n"
    "  replay ID        run the recorded test binary on the failure's best schedule\n"
    "  minimize ID      shrink the failure's schedule (runs the recorded binary)\n"
    "  report ID --html FILE         the failure as a self-contained HTML page\n"
    "  report --campaign N --html FILE  a campaign's page (N = 0: the latest)\n"
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

/* Runs `binary cmd test --db db --id id [extra...]` and returns its exit
 * status. */
static int run_binary(const weft__stored_failure *f, const char *db, const char *cmd,
                      char *const *extra)
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
        char *args[16] = {(char *)f->build_path, (char *)cmd, (char *)f->test, "--db",
                          (char *)db, "--id", id};
        int n = 7;
        for (; extra && *extra && n < 15; extra++)
            args[n++] = *extra;
        args[n] = NULL;
        execv(f->build_path, args);
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

static int with_failure(weft__store *s, const char *db, const char *arg, const char *cmd,
                        char *const *extra)
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
    int rc = run_binary(&f, db, cmd, extra);
    weft__stored_failure_free(&f);
    return rc;
}

/* weft report ID --html FILE | weft report --campaign N --html FILE */
static int cmd_report(const char *db, int argc, char **argv)
{
    const char *html = NULL, *campaign = NULL, *id = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--html") && i + 1 < argc)
            html = argv[++i];
        else if (!strcmp(argv[i], "--campaign") && i + 1 < argc)
            campaign = argv[++i];
        else if (!id && argv[i][0] != '-')
            id = argv[i];
        else {
            fprintf(stderr, "weft: report: unexpected '%s' (see weft --help)\n", argv[i]);
            return 2;
        }
    }
    if (!html || (!id == !campaign)) {
        fprintf(stderr, "weft: report takes ID --html FILE, or --campaign N --html FILE\n");
        return 2;
    }
    char err[512] = "";
    if (campaign) {
        uint64_t n;
        if (weft__parse_u64(campaign, &n) != 0 || n > INT64_MAX) {
            fprintf(stderr, "weft: '%s' is not a campaign id (0: the latest)\n", campaign);
            return 2;
        }
        FILE *f = fopen(html, "w");
        if (!f) {
            fprintf(stderr, "weft: cannot write %s: %s\n", html, strerror(errno));
            return 2;
        }
        int rc = weft__campaign_html(db, (int64_t)n, f, err, sizeof err);
        if (fclose(f) != 0 || rc != 0) {
            fprintf(stderr, "weft: %s\n", err[0] ? err : "write error");
            return 2;
        }
        printf("wrote %s\n", html);
        return 0;
    }
    weft__store *s;
    if (weft__store_open(db, WEFT__STORE_READ, &s, err, sizeof err) != 0) {
        fprintf(stderr, "weft: %s\n", err);
        return 2;
    }
    char *extra[] = {"--html", (char *)html, NULL};
    return with_failure(s, db, id, "report", extra);
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
    if (!strcmp(cmd, "report"))
        return cmd_report(db, argc - i - 1, argv + i + 1);
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
    else if (!strcmp(cmd, "show")) {
        rc = parse_id(arg, &id) ? 2 : weft__store_show(s, id, stdout, err, sizeof err) ? 2 : 0;
        if (rc == 0) {
            static char *const tl[] = {"--timeline", "--quiet", NULL};
            printf("\ntimeline (replayed by the recorded binary):\n");
            with_failure(s, db, arg, "replay", tl); /* closes s */
            return 0;
        }
    }
    else if (!strcmp(cmd, "merge"))
        rc = weft__store_merge(s, arg, stdout, err, sizeof err) ? 2 : 0;
    else if (!strcmp(cmd, "gc"))
        rc = weft__store_gc(s, stdout, err, sizeof err) ? 2 : 0;
    else
        return with_failure(s, db, arg, cmd, NULL); /* replay, minimize */
    if (rc == 2 && err[0])
        fprintf(stderr, "weft: %s\n", err);
    weft__store_close(s);
    return rc;
}
