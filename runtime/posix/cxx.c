/*
 * cxx.c — what C++ programs need from the pthread layer: thread-safe
 * initialisation of function-local statics (__cxa_guard_*), and a false
 * __libc_single_threaded.
 *
 * libstdc++'s own guards block on a futex, which would stop the one OS
 * thread every weft task runs on; here a thread that finds another in the
 * middle of an initialisation waits as a weft task. The guard's first byte
 * says "done", as the Itanium C++ ABI defines. Outside an execution the
 * real __cxa_guard_* run.
 *
 * libstdc++ also skips atomic reference counts (shared_ptr) while
 * __libc_single_threaded is true, which the process is: weft-cc points the
 * program's reads of it at weft__posix___libc_single_threaded, which stays 0.
 */
#include "posix.h"

#include <stdio.h>

char weft__posix___libc_single_threaded = 0;

extern int __cxa_guard_acquire(uint64_t *g);
extern void __cxa_guard_release(uint64_t *g);
extern void __cxa_guard_abort(uint64_t *g);

typedef struct wp_guard {
    wp_thread *owner;
    weft__waitq waiters;
} wp_guard;

static void guard_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_guard *g = th ? th->wait_obj : NULL;
    char label[96] = "another thread";
    if (g && g->owner)
        wp_label(g->owner, label, sizeof label);
    snprintf(buf, len, "for the initialisation of a static variable by %s", label);
}

static const weft__wait_ops guard_ops = {"__cxa_guard_acquire", guard_describe, NULL};

int weft__posix___cxa_guard_acquire(uint64_t *g)
{
    uintptr_t pc = WP_PC();
    if (*(volatile char *)g)
        return 0;
    wp_exec *x = wp_exec_get();
    if (!x)
        return __cxa_guard_acquire(g);
    wp_thread *me = wp_self(x);
    wp_guard *gd = wp_side_get(x, g);
    if (!gd) {
        gd = weft__alloc(x->rt, sizeof *gd);
        wp_side_put(x, g, gd);
    }
    for (;;) {
        if (*(volatile char *)g)
            return 0;
        if (!gd->owner) {
            gd->owner = me;
            return 1;
        }
        if (gd->owner == me)
            wp_misuse(pc, "recursive initialisation of a static variable");
        wp_block(x, me, &gd->waiters, &guard_ops, gd, 0, WEFT_FOREVER, pc);
    }
}

static void guard_done(uint64_t *g, bool done)
{
    wp_exec *x = wp_exec_get();
    if (!x) {
        if (done)
            __cxa_guard_release(g);
        else
            __cxa_guard_abort(g);
        return;
    }
    if (done)
        *(volatile char *)g = 1;
    wp_guard *gd = wp_side_get(x, g);
    if (gd) {
        gd->owner = NULL;
        wp_wake_all(x, &gd->waiters, WEFT__OP_SYNC);
    }
}

void weft__posix___cxa_guard_release(uint64_t *g)
{
    guard_done(g, true);
}

void weft__posix___cxa_guard_abort(uint64_t *g)
{
    guard_done(g, false);
}
