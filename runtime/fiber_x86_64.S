/*
 * fiber_x86_64.S — the x86-64 (System V) context switch behind fiber.c.
 *
 *   void weft__fiber_asm_switch(void **save_sp, void *const *load_sp);
 *   void weft__fiber_asm_start(void);   (first "return address" of a fiber)
 *
 * Invariant: a suspended fiber's stack pointer points at a frame of 8
 * quadwords, lowest address first:
 *
 *     [0] FP control: bytes 0-3 MXCSR, bytes 4-5 x87 control word
 *         (bytes 6-7 unused)
 *     [1] r15  [2] r14  [3] r13  [4] r12  [5] rbx  [6] rbp
 *     [7] where to resume (the caller's return address)
 *
 * and nothing else of the suspended context lives anywhere but its stack.
 * weft__fiber_make (fiber.c) builds the same frame by hand for a new fiber;
 * the two must change together.
 *
 * Only callee-saved state is kept: the switch is an ordinary call, so the
 * caller already assumes every other register is clobbered.
 *
 * Floating-point control (MXCSR control bits, x87 control word) is callee-
 * saved in the ABI, so it belongs to each fiber. Loading it is the slow part
 * (ldmxcsr/fldcw on every switch: +45-55 ns, FACTS.md); storing it
 * (stmxcsr/fnstcw) is cheap. So every switch stores it, compares the control
 * bits with the target's, and loads only when they differ, which is rare.
 * Measured here (AMD EPYC, bench/bench_switch.c): 4.4 ns per switch without
 * any FP control handling, 6.8 ns with this compare-and-load. We do not take
 * the cheaper "set it once at first entry" route: a task that changes its
 * rounding mode (fesetround) would then leak it into every other task, and
 * the program under test would compute differently depending on which task
 * ran last, which no real thread library does (POSIX threads keep their own
 * floating-point environment).
 *
 * We resume with `pop; jmp *reg`, not `ret`: the return-stack predictor
 * would guess the wrong fiber and mispredict on every switch (~12-15 ns
 * instead of ~3 ns in FACTS.md; here 10 ns instead of 4.4 without FP
 * control).
 */
#if defined(__x86_64__)

        .text

/* void weft__fiber_asm_switch(void **save_sp (rdi), void *const *load_sp (rsi)) */
        .globl  weft__fiber_asm_switch
        .hidden weft__fiber_asm_switch
        .type   weft__fiber_asm_switch, @function
        .p2align 4
weft__fiber_asm_switch:
        .cfi_startproc
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset rbp, 0
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset rbx, 0
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r12, 0
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r13, 0
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r14, 0
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r15, 0
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, %r8               /* r8: our frame */
        movq    %rsp, (%rdi)
        /* From here on the frame has the same shape but is the target's, so
         * the CFI above still describes it (as the target's caller). */
        movq    (%rsi), %rsp
        /* Compare FP control with 4- and 2-byte loads that match the stores:
         * one 8-byte load over both stalls store forwarding (+6 ns). */
        movl    (%r8), %eax
        xorl    (%rsp), %eax
        andl    $-64, %eax              /* ignore MXCSR status flags (bits 0-5) */
        movzwl  4(%r8), %ecx
        xorw    4(%rsp), %cx
        orl     %ecx, %eax
        jnz     .Lload_fp_control
.Lresume:
        .cfi_remember_state
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %r15
        .cfi_adjust_cfa_offset -8
        .cfi_restore r15
        popq    %r14
        .cfi_adjust_cfa_offset -8
        .cfi_restore r14
        popq    %r13
        .cfi_adjust_cfa_offset -8
        .cfi_restore r13
        popq    %r12
        .cfi_adjust_cfa_offset -8
        .cfi_restore r12
        popq    %rbx
        .cfi_adjust_cfa_offset -8
        .cfi_restore rbx
        popq    %rbp
        .cfi_adjust_cfa_offset -8
        .cfi_restore rbp
        popq    %rcx
        .cfi_adjust_cfa_offset -8
        .cfi_register rip, rcx
        jmpq    *%rcx

/* Rare: the target runs with other FP control. Keep our status flags (they
 * are caller-saved and describe what just happened), take its control bits. */
.Lload_fp_control:
        .cfi_restore_state
        movl    (%r8), %eax
        movl    (%rsp), %edx
        andl    $63, %eax
        andl    $-64, %edx
        orl     %eax, %edx
        movl    %edx, (%rsp)
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        jmp     .Lresume
        .cfi_endproc
        .size   weft__fiber_asm_switch, .-weft__fiber_asm_switch

/* First code of every new fiber, reached by the jmp above with rsp 16-byte
 * aligned; r12 = the fiber (argument of weft__fiber_boot). The call makes
 * rsp = 8 (mod 16) at weft__fiber_boot's entry, as the ABI requires. */
        .globl  weft__fiber_asm_start
        .hidden weft__fiber_asm_start
        .type   weft__fiber_asm_start, @function
        .p2align 4
weft__fiber_asm_start:
        .cfi_startproc
        .cfi_undefined rip              /* unwinders and gdb stop here */
        movq    %r12, %rdi
        call    weft__fiber_boot@PLT
        ud2                             /* weft__fiber_boot never returns */
        .cfi_endproc
        .size   weft__fiber_asm_start, .-weft__fiber_asm_start

#endif /* __x86_64__ */

/* Outside the #if: even an empty object must say "no executable stack". */
        .section .note.GNU-stack,"",%progbits
