/*
 * fiber.h — user-level execution contexts and the switch between them.
 *
 * A fiber is a saved CPU context plus the stack it runs on. The runtime keeps
 * one fiber per task and one for the harness's own OS-thread stack (the
 * "main" fiber), and moves between them with weft__fiber_switch. Nothing here
 * schedules: whoever switches decides where control goes.
 *
 * Backends (chosen at compile time; the struct layout depends on it, so every
 * file that includes this header must see the same WEFT_FIBER_UCONTEXT):
 *  - "asm-x86_64", "asm-aarch64": hand-written switch (fiber_<arch>.S) that
 *    saves only callee-saved registers on the fiber's own stack; ~3 ns.
 *  - "ucontext": makecontext/swapcontext, used when WEFT_FIBER_UCONTEXT=1 is
 *    defined or on any other architecture; ~250 ns (a syscall per switch).
 *
 * Invariants:
 *  - A fiber is either running (exactly one per OS thread), or suspended in a
 *    switch (its context saved in its struct and stack), or freshly made (will
 *    start entry(arg) when first switched to), or finished (it left through
 *    weft__fiber_switch_final and must never be switched to again).
 *  - A fiber is only ever resumed on the OS thread that suspended it.
 *  - A suspended or fresh fiber may be abandoned (never switched to again)
 *    and its stack reused by weft__fiber_make. Under ASan with
 *    detect_stack_use_after_return, an abandoned fiber's fake stack is then
 *    never freed, so prefer ending fibers with weft__fiber_switch_final.
 *  - entry never returns; it ends with weft__fiber_switch_final. Returning
 *    from entry aborts the process.
 *  - The first instruction of entry runs with the stack aligned as the ABI
 *    requires (16 bytes before the call on x86-64 and aarch64).
 *  - Floating-point control state (x86-64: MXCSR control bits and the x87
 *    control word; aarch64: FPCR) is per fiber, as the ABI makes it
 *    callee-saved; a new fiber starts with its creator's state at
 *    weft__fiber_make time, like a new pthread.
 *  - Under AddressSanitizer every switch is announced to ASan, so reports and
 *    fake stacks stay right.
 */
#ifndef WEFT_RUNTIME_FIBER_H
#define WEFT_RUNTIME_FIBER_H

#include <stddef.h>

#if defined(WEFT_FIBER_UCONTEXT) && WEFT_FIBER_UCONTEXT
#define WEFT__FIBER_BACKEND_UCONTEXT 1
#elif defined(__x86_64__)
#define WEFT__FIBER_BACKEND_X86_64 1
#elif defined(__aarch64__)
#define WEFT__FIBER_BACKEND_AARCH64 1
#else
#define WEFT__FIBER_BACKEND_UCONTEXT 1
#endif

#ifdef WEFT__FIBER_BACKEND_UCONTEXT
#include <ucontext.h>
#endif

typedef struct weft__fiber weft__fiber;

struct weft__fiber {
    void *sp;          /* asm: stack pointer saved while suspended; the
                          registers themselves are on the fiber's stack */
    void *stack_lo;    /* lowest usable stack byte; NULL for main until
                          ASan tells us (only ASan reads it) */
    size_t stack_size; /* usable bytes from stack_lo; 0 when unknown */
    void *asan_fake;   /* ASan's fake-stack handle while suspended */
    void (*entry)(void *); /* what the first switch to it runs */
    void *arg;         /* entry's argument */
#ifdef WEFT__FIBER_BACKEND_UCONTEXT
    ucontext_t uc;     /* the saved context (ucontext backend only) */
    int uc_resumed;    /* ucontext under ASan: set once uc has been left */
#endif
};

/* Makes f stand for the calling OS thread's current context (the harness's
 * stack). Call once before the first switch away from it. */
void weft__fiber_init_main(weft__fiber *f);

/* Prepares f to run entry(arg) on [stack_lo, stack_lo + size) the first time
 * it is switched to. entry must never return: it ends by switching away with
 * weft__fiber_switch_final. The caller keeps owning the stack; it may reuse
 * it once the fiber has finished. size must leave room for entry's frames
 * (at least a few KiB). */
void weft__fiber_make(weft__fiber *f, void *stack_lo, size_t size,
                      void (*entry)(void *), void *arg);

/* Saves the running context in from (which must be the running fiber) and
 * resumes to. Returns when some fiber switches back to from. */
void weft__fiber_switch(weft__fiber *from, weft__fiber *to);

/* Like weft__fiber_switch, but from is finished forever (ASan drops its fake
 * stack); never returns. After it, from's stack may be reused or freed by
 * whoever runs next. */
__attribute__((noreturn)) void weft__fiber_switch_final(weft__fiber *from,
                                                        weft__fiber *to);

/* Which backend was compiled in: "asm-x86_64", "asm-aarch64" or "ucontext".
 * Static string. */
const char *weft__fiber_backend(void);

#endif /* WEFT_RUNTIME_FIBER_H */
