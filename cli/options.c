/*
 * options.c — strict parsing of a test binary's command line.
 *
 * Invariant: weft__cli_parse reads only argv[1..argc), keeps pointers into
 * it (no copies), and on error leaves a message that names the offending
 * argument.
 */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int weft__parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int weft__parse_rate(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0.0 && v <= 1.0))
        return -1;
    *out = v;
    return 0;
}

int weft__parse_duration(const char *s, double *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -1;
    double unit = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        unit = 60, end++;
    else if (*end == 'h')
        unit = 3600, end++;
    if (*end)
        return -1;
    *out = v * unit;
    return 0;
}

static const struct {
    const char *name;
    int cmd;
} commands[] = {
    {"help", WEFT__CMD_HELP},       {"--help", WEFT__CMD_HELP},
    {"-h", WEFT__CMD_HELP},         {"--version", WEFT__CMD_VERSION},
    {"version", WEFT__CMD_VERSION}, {"list", WEFT__CMD_LIST},
    {"run", WEFT__CMD_RUN},         {"explore", WEFT__CMD_EXPLORE},
    {"replay", WEFT__CMD_REPLAY},   {"fuzz", WEFT__CMD_FUZZ},
    {"minimize", WEFT__CMD_MINIMIZE}, {"report", WEFT__CMD_REPORT},
};

#define FAIL(...)                                                             \
    do {                                                                      \
        snprintf(err, err_len, __VA_ARGS__);                                  \
        return -1;                                                            \
    } while (0)

/* One --flag [value]; *i points at the flag and is advanced past what it
 * consumed. */
static int parse_flag(int argc, char **argv, int *i, weft__cli *c, char *err,
                      size_t err_len)
{
    const char *f = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    bool takes = true;
    if (!strcmp(f, "--json")) c->json = true, takes = false;
    else if (!strcmp(f, "--keep-going")) c->keep_going = true, takes = false;
    else if (!strcmp(f, "--quiet") || !strcmp(f, "-q")) c->quiet = true, takes = false;
    else if (!strcmp(f, "--verbose") || !strcmp(f, "-v")) c->verbose = true, takes = false;
    else if (!strcmp(f, "--no-db")) c->no_db = true, takes = false;
    else if (!strcmp(f, "--timeline")) c->timeline = true, takes = false;
    if (!takes) {
        (*i)++;
        return 0;
    }
    if (!v)
        FAIL("option %s needs a value", f);
    if (!strcmp(f, "--seed")) {
        if (weft__parse_u64(v, &c->seed)) FAIL("--seed: '%s' is not a whole number", v);
        c->has_seed = true;
    } else if (!strcmp(f, "--iterations") || !strcmp(f, "-n")) {
        if (weft__parse_u64(v, &c->iterations) || c->iterations == 0)
            FAIL("--iterations: '%s' is not a positive whole number", v);
        c->has_iterations = true;
    } else if (!strcmp(f, "--max-steps")) {
        if (weft__parse_u64(v, &c->max_steps) || c->max_steps == 0)
            FAIL("--max-steps: '%s' is not a positive whole number", v);
    } else if (!strcmp(f, "--stack-size")) {
        if (weft__parse_u64(v, &c->stack_size) || c->stack_size < 16384 ||
            c->stack_size > ((uint64_t)1 << 30))
            FAIL("--stack-size: '%s' is not a byte count from 16384 to 1073741824", v);
    } else if (!strcmp(f, "--strategy")) {
        c->strategy = v;
    } else if (!strcmp(f, "--cancel-rate")) {
        if (weft__parse_rate(v, &c->cancel_rate)) FAIL("--cancel-rate: '%s' is not a probability in [0, 1]", v);
    } else if (!strcmp(f, "--timeout-rate")) {
        if (weft__parse_rate(v, &c->timeout_rate)) FAIL("--timeout-rate: '%s' is not a probability in [0, 1]", v);
    } else if (!strcmp(f, "--inject-rate")) {
        if (weft__parse_rate(v, &c->inject_rate)) FAIL("--inject-rate: '%s' is not a probability in [0, 1]", v);
    } else if (!strcmp(f, "--time-limit")) {
        if (weft__parse_duration(v, &c->time_limit))
            FAIL("--time-limit: '%s' is not a duration (e.g. 90, 90s, 15m, 8h)", v);
    } else if (!strcmp(f, "--jobs") || !strcmp(f, "-j")) {
        uint64_t j;
        if (weft__parse_u64(v, &j) || j == 0 || j > 1024) FAIL("--jobs: '%s' is not a number from 1 to 1024", v);
        c->jobs = (unsigned)j;
    } else if (!strcmp(f, "--shard")) {
        const char *slash = strchr(v, '/');
        char a[32];
        if (!slash || (size_t)(slash - v) >= sizeof a)
            FAIL("--shard: '%s' is not I/N (e.g. 0/8)", v);
        memcpy(a, v, (size_t)(slash - v));
        a[slash - v] = '\0';
        if (weft__parse_u64(a, &c->shard_i) || weft__parse_u64(slash + 1, &c->shard_n) ||
            c->shard_n == 0 || c->shard_i >= c->shard_n)
            FAIL("--shard: '%s' is not I/N with 0 <= I < N", v);
    } else if (!strcmp(f, "--db")) {
        c->db = v;
    } else if (!strcmp(f, "--id")) {
        if (weft__parse_u64(v, &c->id)) FAIL("--id: '%s' is not a whole number", v);
        c->has_id = true;
    } else if (!strcmp(f, "--trace")) {
        c->trace_in = v;
    } else if (!strcmp(f, "--html")) {
        c->html = v;
    } else if (!strcmp(f, "--trace-out")) {
        c->trace_out = v;
    } else {
        FAIL("unknown option '%s' (see --help)", f);
    }
    *i += 2;
    return 0;
}

static int check_command(const weft__cli *c, char *err, size_t err_len)
{
    if (c->cmd == WEFT__CMD_REPORT) {
        if ((c->trace_in ? 1 : 0) + (c->has_id ? 1 : 0) != 1 || !c->html)
            FAIL("report needs --html FILE and one of --db FILE --id N or --trace FILE");
        if (c->has_id && !c->db)
            FAIL("report --id needs --db FILE");
        return 0;
    }
    if (c->html)
        FAIL("--html is for the report command");
    if (c->cmd == WEFT__CMD_MINIMIZE) {
        if ((c->trace_in ? 1 : 0) + (c->has_id ? 1 : 0) != 1)
            FAIL("minimize needs --db FILE --id N, or --trace FILE");
        if (c->has_id && !c->db)
            FAIL("minimize --id needs --db FILE");
        return 0;
    }
    if (c->db && c->no_db)
        FAIL("--db and --no-db contradict each other");
    if (c->cmd == WEFT__CMD_REPLAY) {
        int ways = (c->has_seed ? 1 : 0) + (c->trace_in ? 1 : 0) + (c->has_id ? 1 : 0);
        if (ways != 1)
            FAIL("replay needs exactly one of --seed S, --trace FILE, or --db FILE --id N");
        if (c->has_id && !c->db)
            FAIL("replay --id needs --db FILE");
    }
    if (c->cmd != WEFT__CMD_REPLAY && c->trace_in)
        FAIL("--trace is for replay (did you mean --trace-out?)");
    if (c->cmd == WEFT__CMD_RUN && c->has_iterations)
        FAIL("run executes once; use explore --iterations N");
    return 0;
}

int weft__cli_parse(int argc, char **argv, weft__cli *c, char *err,
                    size_t err_len)
{
    memset(c, 0, sizeof *c);
    if (argc < 2)
        FAIL("missing command (try --help)");
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (!strcmp(argv[1], commands[k].name))
            c->cmd = commands[k].cmd;
    if (!c->cmd)
        FAIL("unknown command '%s' (commands: list, run, explore, replay, minimize, report, fuzz)", argv[1]);
    int i = 2;
    bool needs_name = c->cmd >= WEFT__CMD_RUN;
    if (needs_name) {
        if (i >= argc || argv[i][0] == '-')
            FAIL("%s needs a test name (see list)", argv[1]);
        c->test = argv[i++];
    }
    if (c->cmd == WEFT__CMD_FUZZ) {
        c->fuzz_argc = argc - i;
        c->fuzz_argv = argv + i;
        return 0;
    }
    while (i < argc) {
        if (argv[i][0] != '-')
            FAIL("unexpected argument '%s'", argv[i]);
        if (parse_flag(argc, argv, &i, c, err, err_len) != 0)
            return -1;
    }
    return check_command(c, err, err_len);
}
