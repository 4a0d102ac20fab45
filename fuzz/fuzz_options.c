/*
 * fuzz_options.c — libFuzzer target for the test binary's command-line
 * parser (cli/options.c).
 *
 * The input is split at NUL bytes into an argument vector (at most 32
 * arguments). Property: parsing is total — it returns 0 or -1, never
 * crashes or reads outside the vector, and on error leaves a terminated
 * message; on success every pointer it kept points into the vector.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icli \
 *       fuzz/fuzz_options.c cli/options.c -o fuzz_options
 *   ./fuzz_options corpus/fuzz_options
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, const char *buf, size_t len)
{
    return !p || (p >= buf && p < buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[34];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (size_t i = 0; i <= size && argc < 33;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    weft__cli c;
    char err[256];
    memset(err, 'x', sizeof err);
    int rc = weft__cli_parse(argc, argv, &c, err, sizeof err);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && !memchr(err, '\0', sizeof err))
        abort();
    if (rc == 0 && (!inside(c.test, buf, size + 1) || !inside(c.strategy, buf, size + 1) ||
                    !inside(c.db, buf, size + 1) || !inside(c.trace_in, buf, size + 1) ||
                    !inside(c.trace_out, buf, size + 1)))
        abort();
    free(buf);
    return 0;
}
