/*
 * output.c — the program's standard output during a search.
 *
 * `explore` and `fuzz` run a program thousands of times; what it prints in
 * each run would bury weft's own report. weft-cc points the program's
 * stdout/stderr and its printf/puts/putchar/perror at these functions,
 * which write to /dev/null while the command is explore, fuzz or minimize
 * (unless WEFT_OUTPUT=1), and to the real streams for run and replay.
 * Output through C++ iostreams is not redirected.
 */
#include "posix.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

FILE *weft__posix_stdout;
FILE *weft__posix_stderr;
static FILE *devnull;

__attribute__((constructor)) static void streams_init(void)
{
    weft__posix_stdout = stdout;
    weft__posix_stderr = stderr;
}

void wp_output_quiet(bool quiet)
{
    if (quiet && !devnull)
        devnull = fopen("/dev/null", "w");
    if (quiet && devnull) {
        weft__posix_stdout = devnull;
        weft__posix_stderr = devnull;
    } else {
        weft__posix_stdout = stdout;
        weft__posix_stderr = stderr;
    }
}

int weft__posix_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(weft__posix_stdout, fmt, ap);
    va_end(ap);
    return n;
}

int weft__posix___printf_chk(int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(weft__posix_stdout, fmt, ap);
    va_end(ap);
    return n;
}

int weft__posix_vprintf(const char *fmt, va_list ap)
{
    return vfprintf(weft__posix_stdout, fmt, ap);
}

int weft__posix_puts(const char *s)
{
    if (fputs(s, weft__posix_stdout) == EOF)
        return EOF;
    return putc('\n', weft__posix_stdout);
}

int weft__posix_putchar(int c)
{
    return putc(c, weft__posix_stdout);
}

void weft__posix_perror(const char *s)
{
    int e = errno;
    if (s && *s)
        fprintf(weft__posix_stderr, "%s: %s\n", s, strerror(e));
    else
        fprintf(weft__posix_stderr, "%s\n", strerror(e));
}
