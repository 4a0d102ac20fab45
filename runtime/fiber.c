/*
 * fiber.c — the fiber API on top of one switch backend: the hand-written
 * assembly (fiber_x86_64.S, fiber_aarch64.S) or ucontext as a fallback; plus
 * the AddressSanitizer bookkeeping that every switch needs.
 *
 * Invariants kept here:
 *  - A made-but-not-started fiber's stack holds exactly the frame the
 *    assembly switch would have saved, whose resume address is
 *    weft__fiber_asm_start; so the first switch to it needs no special case.
 *  - Every new fiber enters C through weft__fiber_boot, which tells ASan the
 *    switch completed before any instrumented code of entry runs, and aborts
 *    if entry returns.
 *  - Under ASan, each switch is bracketed by __sanitizer_start_switch_fiber
 *    (on the old stack) and __sanitizer_finish_switch_fiber (on the new one),
 *    and a fiber's stack bounds are known to ASan before anyone switches to
 *    it (the main fiber's are learned the first time we leave it).
 */
#include "fiber.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT__FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT__FIBER_ASAN 1
#endif
#endif

#ifdef WEFT__FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define HIDDEN __attribute__((visibility("hidden")))

/* Smallest stack weft__fiber_make accepts: the boot frame plus a margin. */
#define MIN_STACK 1024

HIDDEN __attribute__((noreturn, used)) void weft__fiber_boot(weft__fiber *f);

static __attribute__((noreturn, cold)) void fatal(const char *msg)
{
    fputs(msg, stderr);
    fputc('\n', stderr);
    abort();
}

/* ------------------------------------------------------------------ ASan */

#ifdef WEFT__FIBER_ASAN
/* The fiber this thread is switching away from, so that the fiber arriving
 * can record the bounds ASan reports for it (the only way to learn the main
 * fiber's stack). */
static _Thread_local weft__fiber *asan_leaving;

/* On the old stack, just before a switch. final: from never runs again, so
 * ASan may free its fake stack (NULL save pointer). */
static void asan_leave(weft__fiber *from, const weft__fiber *to, int final)
{
    asan_leaving = from;
    __sanitizer_start_switch_fiber(final ? NULL : &from->asan_fake,
                                   to->stack_lo, to->stack_size);
}

/* On the new stack, just after a switch; fake: what asan_leave saved for
 * the arriving fiber, NULL for a fiber's first run. */
static void asan_arrive(void *fake)
{
    const void *lo;
    size_t size;

    __sanitizer_finish_switch_fiber(fake, &lo, &size);
    if (asan_leaving) {
        asan_leaving->stack_lo = (void *)(uintptr_t)lo;
        asan_leaving->stack_size = size;
        asan_leaving = NULL;
    }
}

/* A reused stack may still carry redzones poisoned by frames that were live
 * when its previous fiber finished. */
static void asan_fresh_stack(void *lo, size_t size)
{
    ASAN_UNPOISON_MEMORY_REGION(lo, size);
}
#else
static inline void asan_leave(weft__fiber *from, const weft__fiber *to,
                              int final)
{
    (void)from, (void)to, (void)final;
}
static inline void asan_arrive(void *fake) { (void)fake; }
static inline void asan_fresh_stack(void *lo, size_t size)
{
    (void)lo, (void)size;
}
#endif

/* ------------------------------------------------------- common entry */

void weft__fiber_init_main(weft__fiber *f)
{
    memset(f, 0, sizeof *f);
}

/* First C code of every fiber, on its own stack. Never returns. */
void weft__fiber_boot(weft__fiber *f)
{
    asan_arrive(NULL);
    f->entry(f->arg);
    fatal("weft: a fiber's entry function returned (it must end with "
          "weft__fiber_switch_final)");
}

static void fiber_reset(weft__fiber *f, void *stack_lo, size_t size,
                        void (*entry)(void *), void *arg)
{
    if (!f || !stack_lo || !entry || size < MIN_STACK)
        fatal("weft: weft__fiber_make: bad fiber, stack or entry");
    memset(f, 0, sizeof *f);
    f->stack_lo = stack_lo;
    f->stack_size = size;
    f->entry = entry;
    f->arg = arg;
    asan_fresh_stack(stack_lo, size);
}

#ifndef WEFT__FIBER_BACKEND_UCONTEXT
/* ------------------------------------------------------ assembly backend */

/* Saves the callee-saved context on the current stack and *save_sp, loads
 * *load_sp and resumes there (fiber_<arch>.S). */
HIDDEN void weft__fiber_asm_switch(void **save_sp, void *const *load_sp);
/* Resume address of a fresh fiber: calls weft__fiber_boot(fiber). */
HIDDEN void weft__fiber_asm_start(void);

#if defined(WEFT__FIBER_BACKEND_X86_64)
#define BACKEND_NAME "asm-x86_64"
/* Quadwords in the saved frame; see the layout in fiber_x86_64.S. */
#define FRAME_WORDS 8

static uint64_t fp_control_now(void)
{
    uint32_t mxcsr;
    uint16_t x87cw;

    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(x87cw));
    return mxcsr | (uint64_t)x87cw << 32;
}

/* Fills the frame that fiber_x86_64.S pops: FP control (MXCSR in bytes 0-3,
 * x87 CW in 4-5: the creator's), r15, r14, r13, r12 = the fiber, rbx,
 * rbp = 0 (ends frame-pointer walks), resume address. */
static void frame_fill(uint64_t *w, weft__fiber *f)
{
    w[0] = fp_control_now();
    w[4] = (uintptr_t)f;
    w[7] = (uintptr_t)weft__fiber_asm_start;
}
#else /* WEFT__FIBER_BACKEND_AARCH64 */
#define BACKEND_NAME "asm-aarch64"
/* Doublewords in the saved frame; see the layout in fiber_aarch64.S. */
#define FRAME_WORDS 22

/* Fills the frame that fiber_aarch64.S loads: x19 = the fiber, x29 = 0 (ends
 * frame-pointer walks), x30 = resume address, FPCR; the rest zero. */
static void frame_fill(uint64_t *w, weft__fiber *f)
{
    uint64_t fpcr;

    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    w[0] = (uintptr_t)f;
    w[11] = (uintptr_t)weft__fiber_asm_start;
    w[20] = fpcr;
}
#endif

void weft__fiber_make(weft__fiber *f, void *stack_lo, size_t size,
                      void (*entry)(void *), void *arg)
{
    uintptr_t top;
    uint64_t *frame;

    fiber_reset(f, stack_lo, size, entry, arg);
    /* The frame ends at a 16-byte boundary, so once it is popped the
     * fiber runs weft__fiber_asm_start with sp 16-byte aligned. */
    top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
    frame = (uint64_t *)top - FRAME_WORDS;
    memset(frame, 0, FRAME_WORDS * sizeof *frame);
    frame_fill(frame, f);
    f->sp = frame;
}

void weft__fiber_switch(weft__fiber *from, weft__fiber *to)
{
    asan_leave(from, to, 0);
    weft__fiber_asm_switch(&from->sp, &to->sp);
    asan_arrive(from->asan_fake);
}

void weft__fiber_switch_final(weft__fiber *from, weft__fiber *to)
{
    asan_leave(from, to, 1);
    weft__fiber_asm_switch(&from->sp, &to->sp);
    fatal("weft: a finished fiber was switched to");
}

#else
/* ----------------------------------------------------- ucontext backend */
#define BACKEND_NAME "ucontext"

/* makecontext passes only int arguments: the fiber pointer comes in halves. */
static __attribute__((noreturn)) void ucontext_boot(unsigned hi, unsigned lo)
{
    weft__fiber_boot((weft__fiber *)(((uintptr_t)hi << 16 << 16) | lo));
}

void weft__fiber_make(weft__fiber *f, void *stack_lo, size_t size,
                      void (*entry)(void *), void *arg)
{
    uintptr_t p = (uintptr_t)f;

    fiber_reset(f, stack_lo, size, entry, arg);
    if (getcontext(&f->uc) != 0)
        fatal("weft: getcontext failed");
    f->uc.uc_stack.ss_sp = stack_lo;
    f->uc.uc_stack.ss_size = size;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, (void (*)(void))ucontext_boot, 2,
                (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xffffffffu));
}

#ifndef WEFT__FIBER_ASAN
void weft__fiber_switch(weft__fiber *from, weft__fiber *to)
{
    if (swapcontext(&from->uc, &to->uc) != 0)
        fatal("weft: swapcontext failed");
}
#else
/* ASan intercepts swapcontext only to warn that it "doesn't fully support"
 * it; with the switch announced through the fiber API it is fully correct.
 * getcontext + setcontext do the same without the warning, at the cost of a
 * second sigprocmask. getcontext returns twice: uc_resumed tells which. */
void weft__fiber_switch(weft__fiber *from, weft__fiber *to)
{
    volatile int *resumed = &from->uc_resumed;

    *resumed = 0;
    asan_leave(from, to, 0);
    if (getcontext(&from->uc) != 0)
        fatal("weft: getcontext failed");
    if (!*resumed) {
        *resumed = 1;
        setcontext(&to->uc);
        fatal("weft: setcontext failed");
    }
    asan_arrive(from->asan_fake);
}
#endif

void weft__fiber_switch_final(weft__fiber *from, weft__fiber *to)
{
    asan_leave(from, to, 1);
    setcontext(&to->uc);
    fatal("weft: setcontext failed");
}
#endif /* backend */

const char *weft__fiber_backend(void)
{
    return BACKEND_NAME;
}
