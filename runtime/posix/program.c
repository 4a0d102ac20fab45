/*
 * program.c — the command line of a program built with weft-cc.
 *
 * weft-cc renames the program's main to weft_pthread_user_main and links
 * program_main.c's main, which lands here: the program becomes a weft test
 * binary with one test, "main", that runs the program's main as the main
 * thread (weft_pthread_main). So `./prog explore main`, `./prog replay
 * main --seed S` and `weft replay ID` work as for any weft test; the test
 * name may be left out (`./prog explore --iterations 10000`).
 *
 * Options of the pthread layer ride in the test name, so that a stored
 * failure replays under the settings it was found with: `--points sync`
 * (or WEFT_POINTS=sync) runs the test as "main@sync", `--races` (or
 * WEFT_RACES=1) as "main@memory+races". Plain "main" is memory points
 * without race detection.
 *
 * What the program prints (through C stdio) is dropped during explore,
 * fuzz and minimize unless WEFT_OUTPUT=1; run and replay show it.
 *
 * The program's own arguments: WEFT_ARGS="a b c" (split at white space),
 * else the ones baked in with `weft-cc --weft-args "a b c"`. They are not
 * part of a replay command: run replays with the same WEFT_ARGS.
 */
#include "posix.h"

#include <stdio.h>
#include <string.h>

extern int weft_pthread_user_main(int argc, char **argv) __attribute__((weak));
extern const char weft_pthread_baked_args[] __attribute__((weak));

static int prog_argc;
static char **prog_argv;

static int program_test(void *arg)
{
    (void)arg;
    weft_pthread_main(weft_pthread_user_main, prog_argc, prog_argv);
}

static weft_test_def def_main = {"main", program_test, "main", 0, NULL};
static weft_test_def def_variant = {NULL, program_test, "main", 0, NULL};

/* argv for the program: its path, then WEFT_ARGS or the baked arguments. */
static void program_args(const char *argv0)
{
    const char *src = getenv("WEFT_ARGS");
    if (!src && &weft_pthread_baked_args != NULL)
        src = weft_pthread_baked_args;
    char *copy = strdup(src ? src : "");
    size_t cap = 2 + (copy ? strlen(copy) : 0) / 2 + 1;
    prog_argv = calloc(cap, sizeof *prog_argv);
    if (!copy || !prog_argv) {
        fprintf(stderr, "weft: out of memory\n");
        exit(2);
    }
    prog_argv[prog_argc++] = (char *)argv0;
    for (char *tok = strtok(copy, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
        prog_argv[prog_argc++] = tok;
    prog_argv[prog_argc] = NULL;
}

/* Parses "main", "main@sync", "main@memory+races" into the settings.
 * Returns -1 when name is not a variant of main. */
static int parse_variant(const char *name, int *points, bool *races)
{
    *points = WEFT_PTHREAD_POINTS_MEMORY;
    *races = false;
    if (!strcmp(name, "main"))
        return 0;
    if (strncmp(name, "main@", 5))
        return -1;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", name + 5);
    for (char *tok = strtok(buf, "+"); tok; tok = strtok(NULL, "+")) {
        if (!strcmp(tok, "sync"))
            *points = WEFT_PTHREAD_POINTS_SYNC;
        else if (!strcmp(tok, "memory"))
            *points = WEFT_PTHREAD_POINTS_MEMORY;
        else if (!strcmp(tok, "races"))
            *races = true;
        else
            return -1;
    }
    return 0;
}

static const char *variant_name(int points, bool races)
{
    if (points == WEFT_PTHREAD_POINTS_MEMORY && !races)
        return "main";
    static char buf[32];
    snprintf(buf, sizeof buf, "main@%s%s",
             points == WEFT_PTHREAD_POINTS_SYNC ? "sync" : "memory", races ? "+races" : "");
    return buf;
}

/* Applies a test name: settings, and the name registered if new. */
static int use_name(const char *name)
{
    int points;
    bool races;
    if (parse_variant(name, &points, &races) != 0)
        return 0; /* not ours: weft_main reports the unknown test */
    weft_pthread_set_points(points);
    weft_pthread_set_races(races);
    if (strcmp(name, "main")) {
        def_variant.name = strdup(name);
        weft_test_register(&def_variant);
    }
    return 0;
}

static bool is_command(const char *s)
{
    static const char *const cmds[] = {"run", "explore", "replay", "minimize", "fuzz"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(s, cmds[i]))
            return true;
    return false;
}

int weft__posix_program_main(int argc, char **argv)
{
    if (!weft_pthread_user_main) {
        fprintf(stderr, "weft: this program has no main (link it with weft-cc)\n");
        return 2;
    }
    const char *budget = getenv("WEFT_MEMORY_POINTS");
    if (budget)
        weft_pthread_set_memory_budget(strtoull(budget, NULL, 10));
    program_args(argc > 0 ? argv[0] : "prog");
    weft_test_register(&def_main);
    /* libFuzzer's re-executions: BIN --weft-fuzz=NAME ... */
    if (argc >= 2 && !strncmp(argv[1], "--weft-fuzz=", 12)) {
        use_name(argv[1] + 12);
        wp_output_quiet(true);
        return weft_main(argc, argv);
    }
    char **nv = calloc((size_t)argc + 2, sizeof *nv);
    if (!nv)
        return 2;
    int nc = 0, points = -1;
    bool races = false, fresh = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i >= 2 && !strcmp(a, "--races")) {
            races = true;
        } else if (i >= 2 && !strcmp(a, "--points") && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "sync") && strcmp(v, "memory")) {
                fprintf(stderr, "%s: --points: '%s' is not sync or memory\n", argv[0], v);
                return 2;
            }
            points = strcmp(v, "sync") ? WEFT_PTHREAD_POINTS_MEMORY : WEFT_PTHREAD_POINTS_SYNC;
        } else {
            nv[nc++] = argv[i];
        }
        if (i == 1 && is_command(a)) {
            fresh = strcmp(a, "replay") && strcmp(a, "minimize");
            const char *show = getenv("WEFT_OUTPUT");
            if (strcmp(a, "run") && strcmp(a, "replay") && !(show && *show && strcmp(show, "0")))
                wp_output_quiet(true);
            if (i + 1 >= argc || argv[i + 1][0] == '-')
                nv[nc++] = "main";
        }
    }
    nv[nc] = NULL;
    if (nc >= 3 && is_command(nv[1])) {
        const char *name = nv[2];
        if (!strcmp(name, "main")) {
            const char *ep = getenv("WEFT_POINTS"), *er = getenv("WEFT_RACES");
            if (points < 0 && fresh && ep)
                points = strcmp(ep, "sync") ? WEFT_PTHREAD_POINTS_MEMORY
                                            : WEFT_PTHREAD_POINTS_SYNC;
            if (!races && fresh && er && *er && strcmp(er, "0"))
                races = true;
            name = variant_name(points < 0 ? WEFT_PTHREAD_POINTS_MEMORY : points, races);
            nv[2] = (char *)name;
        } else if (points >= 0 || races) {
            int p;
            bool r;
            if (parse_variant(name, &p, &r) == 0) {
                nv[2] = strdup(variant_name(points >= 0 ? points : p, races || r));
            }
        }
        use_name(nv[2]);
    }
    return weft_main(nc, nv);
}
