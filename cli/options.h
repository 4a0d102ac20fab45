/*
 * options.h — the command line of a test binary, parsed into one struct.
 *
 * Parsing is strict and total: every argument vector either parses or gets
 * a one-line message (and weft_main exits 2). Numbers must be whole, in
 * range, with no trailing text; rates lie in [0, 1]. It never calls exit()
 * and never prints, so it can be fuzzed (fuzz/fuzz_options.c).
 */
#ifndef WEFT_CLI_OPTIONS_H
#define WEFT_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum weft__cmd {
    WEFT__CMD_HELP = 1,
    WEFT__CMD_VERSION,
    WEFT__CMD_LIST,
    WEFT__CMD_RUN,
    WEFT__CMD_EXPLORE,
    WEFT__CMD_REPLAY,
    WEFT__CMD_FUZZ,
    WEFT__CMD_MINIMIZE,
    WEFT__CMD_REPORT,
};

typedef struct weft__cli {
    int cmd;
    const char *test;          /* NAME */
    const char *strategy;      /* NULL: default */
    bool has_seed;
    uint64_t seed;
    bool has_iterations;
    uint64_t iterations;
    uint64_t max_steps;        /* 0: default */
    uint64_t stack_size;       /* bytes per task; 0: default (256 KiB) */
    double cancel_rate, timeout_rate, inject_rate;
    double time_limit;         /* seconds, 0: none */
    unsigned jobs;             /* 0: not given */
    uint64_t shard_i, shard_n; /* --shard I/N; shard_n 0: not given */
    const char *db;            /* NULL: weft.db for run/explore */
    bool no_db;
    bool has_id;
    uint64_t id;
    const char *trace_in;      /* replay --trace FILE */
    const char *trace_out;     /* --trace-out FILE */
    bool json;
    bool keep_going;
    bool quiet;
    bool verbose;              /* run: print every decision */
    bool timeline;             /* replay: print the terminal timeline */
    const char *html;          /* report: the HTML file to write */
    int fuzz_argc;             /* fuzz: arguments after NAME, for libFuzzer */
    char **fuzz_argv;
} weft__cli;

/* Parses argv[1..argc). Returns 0, or -1 with a message in err. */
int weft__cli_parse(int argc, char **argv, weft__cli *out, char *err,
                    size_t err_len);

/* Strict parsers shared with the stand-alone tool: 0 or -1. */
int weft__parse_u64(const char *s, uint64_t *out);
int weft__parse_rate(const char *s, double *out);
/* "90", "90s", "15m", "8h", "1.5h": seconds. */
int weft__parse_duration(const char *s, double *out);

#endif /* WEFT_CLI_OPTIONS_H */
