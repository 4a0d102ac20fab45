/*
 * test_cli.c — parsing the test binary's command line: every malformed
 * vector gets a message and -1, never a crash; numbers are strict.
 */
#include "cli/options.h"
#include "testutil.h"

static int parse(weft__cli *c, char *err, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "bin";
    while (*args && argc < 31)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    return weft__cli_parse(argc, argv, c, err, 256);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_cli_parse_u64_strict(void)
{
    uint64_t v;
    CU_ASSERT(weft__parse_u64("0", &v) == 0 && v == 0);
    CU_ASSERT(weft__parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
    CU_ASSERT(weft__parse_u64("18446744073709551616", &v) == -1);
    CU_ASSERT(weft__parse_u64("-1", &v) == -1);
    CU_ASSERT(weft__parse_u64("+1", &v) == -1);
    CU_ASSERT(weft__parse_u64(" 1", &v) == -1);
    CU_ASSERT(weft__parse_u64("1x", &v) == -1);
    CU_ASSERT(weft__parse_u64("", &v) == -1);
    CU_ASSERT(weft__parse_u64("0x10", &v) == -1);
}

static void test_cli_parse_rate_and_duration(void)
{
    double d;
    CU_ASSERT(weft__parse_rate("0.25", &d) == 0 && d == 0.25);
    CU_ASSERT(weft__parse_rate("1", &d) == 0 && d == 1);
    CU_ASSERT(weft__parse_rate("1.01", &d) == -1);
    CU_ASSERT(weft__parse_rate("-0.1", &d) == -1);
    CU_ASSERT(weft__parse_rate("nan", &d) == -1);
    CU_ASSERT(weft__parse_rate("0.5x", &d) == -1);
    CU_ASSERT(weft__parse_duration("90", &d) == 0 && d == 90);
    CU_ASSERT(weft__parse_duration("90s", &d) == 0 && d == 90);
    CU_ASSERT(weft__parse_duration("15m", &d) == 0 && d == 900);
    CU_ASSERT(weft__parse_duration("8h", &d) == 0 && d == 28800);
    CU_ASSERT(weft__parse_duration("1.5h", &d) == 0 && d == 5400);
    CU_ASSERT(weft__parse_duration("8d", &d) == -1);
    CU_ASSERT(weft__parse_duration("-1", &d) == -1);
    CU_ASSERT(weft__parse_duration("inf", &d) == -1);
    CU_ASSERT(weft__parse_duration("h", &d) == -1);
}

static void test_cli_parse_explore(void)
{
    weft__cli c;
    char err[256];
    CU_ASSERT_FATAL(parse(&c, err, ARGS("explore", "t", "--seed", "5", "--iterations", "100",
                                        "--max-steps", "50", "--inject-rate", "0.5",
                                        "--time-limit", "2m", "--json", "--keep-going",
                                        "--trace-out", "f")) == 0);
    CU_ASSERT_EQUAL(c.cmd, WEFT__CMD_EXPLORE);
    CU_ASSERT_STRING_EQUAL(c.test, "t");
    CU_ASSERT(c.has_seed && c.seed == 5);
    CU_ASSERT(c.has_iterations && c.iterations == 100);
    CU_ASSERT_EQUAL(c.max_steps, 50);
    CU_ASSERT(c.inject_rate == 0.5 && c.time_limit == 120);
    CU_ASSERT(c.json && c.keep_going);
    CU_ASSERT_STRING_EQUAL(c.trace_out, "f");
}

static void test_cli_parse_replay_needs_one_source(void)
{
    weft__cli c;
    char err[256];
    CU_ASSERT(parse(&c, err, ARGS("replay", "t", "--seed", "1")) == 0);
    CU_ASSERT(parse(&c, err, ARGS("replay", "t", "--trace", "f")) == 0);
    CU_ASSERT(parse(&c, err, ARGS("replay", "t", "--db", "x.db", "--id", "3")) == 0);
    CU_ASSERT(parse(&c, err, ARGS("replay", "t")) == -1);
    CU_ASSERT(strstr(err, "exactly one") != NULL);
    CU_ASSERT(parse(&c, err, ARGS("replay", "t", "--seed", "1", "--trace", "f")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("replay", "t", "--id", "3")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("run", "t", "--trace", "f")) == -1);
}

static void test_cli_parse_rejects_bad_input(void)
{
    weft__cli c;
    char err[256];
    CU_ASSERT(parse(&c, err, ARGS("explode")) == -1);
    CU_ASSERT(strstr(err, "unknown command") != NULL);
    CU_ASSERT(parse(&c, err, ARGS("explore")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "--seed", "1")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--seed")) == -1);
    CU_ASSERT(strstr(err, "needs a value") != NULL);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--seed", "x")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--iterations", "0")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--jobs", "0")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--frob")) == -1);
    CU_ASSERT(strstr(err, "--frob") != NULL);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "extra")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("run", "t", "--iterations", "3")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--stack-size", "100")) == -1);
    CU_ASSERT(parse(&c, err, ARGS("explore", "t", "--stack-size", "1048576")) == 0);
    CU_ASSERT_EQUAL(c.stack_size, 1048576);
    char *none[] = {"bin", NULL};
    CU_ASSERT(weft__cli_parse(1, none, &c, err, sizeof err) == -1);
}

static void test_cli_parse_fuzz_passes_rest(void)
{
    weft__cli c;
    char err[256];
    CU_ASSERT_FATAL(parse(&c, err, ARGS("fuzz", "t", "-runs=10", "--time-limit", "1h")) == 0);
    CU_ASSERT_EQUAL(c.cmd, WEFT__CMD_FUZZ);
    CU_ASSERT_EQUAL(c.fuzz_argc, 3);
    CU_ASSERT_STRING_EQUAL(c.fuzz_argv[0], "-runs=10");
}

SUITE(cli)
ADD(test_cli_parse_u64_strict)
ADD(test_cli_parse_rate_and_duration)
ADD(test_cli_parse_explore)
ADD(test_cli_parse_replay_needs_one_source)
ADD(test_cli_parse_rejects_bad_input)
ADD(test_cli_parse_fuzz_passes_rest)
END_SUITE
