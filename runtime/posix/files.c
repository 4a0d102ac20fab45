/*
 * files.c — files the program opens, closed when its execution ends.
 *
 * An execution that fails (or whose main returns while a thread still
 * holds a file) never closes what it opened; thousands of executions in
 * one process would run out of descriptors. weft-cc points the program's
 * open/fopen/close/fclose here: descriptors and streams opened inside an
 * execution are remembered, and those still open when the next execution
 * starts are closed first. Outside an execution the calls are plain.
 */
#include "posix.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_TRACKED 4096

static int fds[MAX_TRACKED];
static size_t n_fds;
static FILE *files[MAX_TRACKED];
static size_t n_files;

static void track_fd(int fd)
{
    if (fd >= 0 && weft__rt_get() && n_fds < MAX_TRACKED)
        fds[n_fds++] = fd;
}

static void untrack_fd(int fd)
{
    for (size_t i = 0; i < n_fds; i++)
        if (fds[i] == fd) {
            fds[i] = fds[--n_fds];
            return;
        }
}

static FILE *track_file(FILE *f)
{
    if (f && weft__rt_get() && n_files < MAX_TRACKED)
        files[n_files++] = f;
    return f;
}

void wp_files_reset(void)
{
    while (n_files)
        fclose(files[--n_files]);
    while (n_fds)
        close(fds[--n_fds]);
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int weft__posix_open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    int fd = open(path, flags, m);
    track_fd(fd);
    return fd;
}

int weft__posix_open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    int fd = open(path, flags, m);
    track_fd(fd);
    return fd;
}

int weft__posix_openat(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    int fd = openat(dir, path, flags, m);
    track_fd(fd);
    return fd;
}

int weft__posix_creat(const char *path, mode_t m)
{
    int fd = creat(path, m);
    track_fd(fd);
    return fd;
}

int weft__posix_close(int fd)
{
    untrack_fd(fd);
    return close(fd);
}

FILE *weft__posix_fopen(const char *path, const char *mode)
{
    return track_file(fopen(path, mode));
}

FILE *weft__posix_fopen64(const char *path, const char *mode)
{
    return track_file(fopen(path, mode));
}

FILE *weft__posix_fdopen(int fd, const char *mode)
{
    FILE *f = fdopen(fd, mode);
    if (f)
        untrack_fd(fd); /* the stream owns it now */
    return track_file(f);
}

int weft__posix_fclose(FILE *f)
{
    for (size_t i = 0; i < n_files; i++)
        if (files[i] == f) {
            files[i] = files[--n_files];
            break;
        }
    return fclose(f);
}
