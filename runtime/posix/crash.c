/*
 * crash.c — a fault in the program's own code ends the execution, not the
 * process.
 *
 * weft's campaign survives any crash by forking a new worker, which costs
 * a process per crashing schedule (a few hundred schedules per second on a
 * program that crashes in most of them). For a SIGSEGV, SIGBUS, SIGFPE or
 * SIGILL whose faulting instruction is in the program's code (weft-cc moves
 * it to section weft_utext), this handler ends the execution at once as a
 * `crash` failure naming the signal, the kind of address and the source
 * line, and the next execution starts in the same process. Faults anywhere
 * else (libc, weft itself, outside an execution) go on to the handler that
 * was there before (the campaign's, which records the schedule and dies).
 *
 * An uncaught C++ exception (std::terminate) ends the execution the same
 * way, naming the exception's type.
 *
 * The handler runs on an alternate stack (a stack overflow is a fault
 * too), is installed with SA_NODEFER so the signal is not left blocked
 * when it leaves through weft's fiber switch, and is (re)installed before
 * every execution, after whatever the harness installed.
 */
#include "posix.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

/* C++ programs: std::set_terminate, the current exception's type, and
 * the demangler, all from libstdc++ when the program links it. */
extern void *_ZSt13set_terminatePFvvE(void (*handler)(void)) __attribute__((weak));
extern void *__cxa_current_exception_type(void) __attribute__((weak));
extern char *__cxa_demangle(const char *name, char *buf, size_t *len, int *status)
    __attribute__((weak));

extern char __start_weft_utext[] __attribute__((weak));
extern char __stop_weft_utext[] __attribute__((weak));

static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define NSIGS (sizeof sigs / sizeof sigs[0])
static struct sigaction prev[NSIGS];
static char altstack[64 * 1024];

static int slot_of(int sig)
{
    for (size_t i = 0; i < NSIGS; i++)
        if (sigs[i] == sig)
            return (int)i;
    return 0;
}

static bool user_code(uintptr_t pc)
{
    return __start_weft_utext && pc >= (uintptr_t)__start_weft_utext &&
           pc < (uintptr_t)__stop_weft_utext;
}

static void chain(int sig, siginfo_t *si, void *uc)
{
    struct sigaction *p = &prev[slot_of(sig)];
    if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction) {
        p->sa_sigaction(sig, si, uc);
        return;
    }
    if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
        p->sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static const char *what(int sig, const siginfo_t *si)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    switch (sig) {
    case SIGSEGV:
        if (a < 4096)
            return "SIGSEGV: NULL pointer dereference";
        if (a - wp_heap_lo < wp_heap_hi - wp_heap_lo)
            return "SIGSEGV: access to the program heap's unmapped part";
        return si->si_code == SEGV_ACCERR ? "SIGSEGV: access to protected memory (or a stack "
                                            "overflow)"
                                          : "SIGSEGV: access to unmapped memory";
    case SIGBUS:
        return "SIGBUS: bus error";
    case SIGFPE:
        return si->si_code == FPE_INTDIV ? "SIGFPE: integer division by zero"
                                         : "SIGFPE: arithmetic exception";
    default:
        return "SIGILL: illegal instruction";
    }
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
#if defined(__x86_64__)
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.pc;
#else
    uintptr_t pc = 0;
#endif
    weft__rt *rt = weft__rt_get();
    if (!rt || !user_code(pc)) {
        chain(sig, si, ucv);
        return;
    }
    /* A return address points after its call; pc + 1 symbolizes the
     * faulting instruction itself. */
    char where[512], label[96];
    wp_where(pc + 1, where, sizeof where);
    weft__task_label(rt->cur, label, sizeof label);
    wp_loc l = wp_symbolize(pc + 1);
    weft__exec_fail(WEFT_KIND_CRASH, l.file, l.line, "%s (in %s at %s)", what(sig, si), label,
                    where);
}

/* std::terminate (an exception nobody caught, in any thread) ends the
 * execution as a crash naming the exception's type, instead of abort(). */
static void on_terminate(void)
{
    weft__rt *rt = weft__rt_get();
    if (!rt)
        abort();
    char type[256] = "no exception";
    if (__cxa_current_exception_type) {
        const char *const *ti = __cxa_current_exception_type(); /* std::type_info */
        if (ti && ti[1]) {
            const char *mangled = ti[1][0] == '*' ? ti[1] + 1 : ti[1];
            int st = -1;
            char *d = __cxa_demangle ? __cxa_demangle(mangled, NULL, NULL, &st) : NULL;
            snprintf(type, sizeof type, "uncaught exception of type %s", st == 0 && d ? d : mangled);
            free(d);
        }
    }
    char label[96];
    weft__task_label(rt->cur, label, sizeof label);
    weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "std::terminate: %s (in %s)", type, label);
}

void wp_crash_handlers(void)
{
    if (!__start_weft_utext)
        return; /* not a weft-cc program: the harness's handlers stay */
    if (_ZSt13set_terminatePFvvE)
        _ZSt13set_terminatePFvvE(on_terminate);
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
        ss = (stack_t){.ss_sp = altstack, .ss_size = sizeof altstack};
        sigaltstack(&ss, NULL);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGS; i++) {
        struct sigaction cur;
        sigaction(sigs[i], NULL, &cur);
        if (cur.sa_sigaction == on_fault && (cur.sa_flags & SA_SIGINFO))
            continue; /* still ours */
        sigaction(sigs[i], &sa, &prev[i]);
    }
}
