/*
 * fail.c — status texts, failure kinds, WEFT_ASSERT and weft_fail.
 *
 * Both end the execution at once from any depth: the harness abandons the
 * task stacks and releases what the execution owned.
 */
#include "rt.h"

#include <string.h>

const char *weft_strstatus(int code)
{
    switch (code) {
#define WEFT__STATUS_TEXT(name, value, text)                                  \
    case value:                                                               \
        return text;
        WEFT_STATUS_MAP(WEFT__STATUS_TEXT)
#undef WEFT__STATUS_TEXT
    }
    return "unknown status";
}

const char *weft_status_name(int code)
{
    switch (code) {
#define WEFT__STATUS_NAME(name, value, text)                                  \
    case value:                                                               \
        return "WEFT_" #name;
        WEFT_STATUS_MAP(WEFT__STATUS_NAME)
#undef WEFT__STATUS_NAME
    }
    return NULL;
}

const char *weft_kind_name(int kind)
{
    static const char *const names[] = {
        [WEFT_KIND_NONE] = "none",         [WEFT_KIND_ASSERT] = "assert",
        [WEFT_KIND_FAILURE] = "failure",   [WEFT_KIND_DEADLOCK] = "deadlock",
        [WEFT_KIND_LIVELOCK] = "livelock", [WEFT_KIND_MISUSE] = "misuse",
        [WEFT_KIND_VIOLATION] = "violation", [WEFT_KIND_CRASH] = "crash",
        [WEFT_KIND_RACE] = "race",         [WEFT_KIND_DIVERGED] = "diverged",
    };
    if (kind < 0 || (size_t)kind >= sizeof names / sizeof names[0] || !names[kind])
        return "unknown";
    return names[kind];
}

int weft_kind_from_name(const char *name)
{
    for (int k = WEFT_KIND_NONE; k <= WEFT_KIND_DIVERGED; k++)
        if (strcmp(weft_kind_name(k), name) == 0)
            return k;
    return -1;
}

static WEFT_NORETURN void outside(const char *what)
{
    fprintf(stderr, "weft: %s outside a weft execution\n", what);
    abort();
}

void weft__assert_fail(const char *file, int line, const char *expr,
                       const char *fmt, ...)
{
    weft__rt *rt = weft__rt_get();
    char msg[2048];
    int off = snprintf(msg, sizeof msg, "assertion failed: %s", expr);
    if (fmt && off > 0 && (size_t)off < sizeof msg) {
        va_list ap;
        va_start(ap, fmt);
        snprintf(msg + off, sizeof msg - (size_t)off, ": ");
        vsnprintf(msg + off + 2, sizeof msg - (size_t)off - 2, fmt, ap);
        va_end(ap);
    }
    if (!rt) {
        fprintf(stderr, "%s:%d: %s\n", file, line, msg);
        outside("WEFT_ASSERT failed");
    }
    char label[96];
    weft__task_label(rt->cur, label, sizeof label);
    weft__exec_fail(WEFT_KIND_ASSERT, file, line, "%s (in %s at %s:%d)", msg, label,
                    file, line);
}

void (weft_fail)(const char *fmt, ...)
{
    weft__rt *rt = weft__rt_get();
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!rt) {
        fprintf(stderr, "weft_fail: %s\n", msg);
        outside("weft_fail called");
    }
    weft__task *t = rt->cur;
    char label[96];
    weft__task_label(t, label, sizeof label);
    weft__exec_fail(WEFT_KIND_ASSERT, t->loc_file, t->loc_line, "weft_fail: %s (in %s at %s:%d)",
                    msg, label, t->loc_file ? t->loc_file : "?", t->loc_line);
}
