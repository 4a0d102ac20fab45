/*
 * fiber_aarch64.S — the AArch64 (AAPCS64) context switch behind fiber.c.
 *
 *   void weft__fiber_asm_switch(void **save_sp, void *const *load_sp);
 *   void weft__fiber_asm_start(void);   (first "return address" of a fiber)
 *
 * Invariant: a suspended fiber's sp points at a 176-byte frame:
 *
 *     [  0] x19 x20  [ 16] x21 x22  [ 32] x23 x24  [ 48] x25 x26
 *     [ 64] x27 x28  [ 80] x29 x30 (x30: where to resume)
 *     [ 96] d8  d9   [112] d10 d11  [128] d12 d13  [144] d14 d15
 *     [160] FPCR     [168] unused (keeps sp 16-byte aligned)
 *
 * and nothing else of the suspended context lives anywhere but its stack.
 * weft__fiber_make (fiber.c) builds the same frame by hand for a new fiber;
 * the two must change together.
 *
 * Only callee-saved state is kept (x19-x30, sp, the low halves d8-d15): the
 * switch is an ordinary call, so the caller assumes the rest is clobbered.
 * FPCR (rounding mode, flush-to-zero, trap enables) is per fiber like the x87
 * control word on x86-64; writing it can stall, so it is written only when the
 * target's differs. FPSR (status flags) is caller-saved and left alone.
 *
 * We resume with `br x30`, not `ret`, so the return-stack predictor is not
 * trained on a return into the wrong fiber (the x86-64 measurement in
 * FACTS.md; not measured on AArch64 hardware here).
 * BTI/PAC are not used: no landing pads, x30 is not signed.
 */
#if defined(__aarch64__)

        .text

/* void weft__fiber_asm_switch(void **save_sp (x0), void *const *load_sp (x1)) */
        .globl  weft__fiber_asm_switch
        .hidden weft__fiber_asm_switch
        .type   weft__fiber_asm_switch, %function
        .p2align 4
weft__fiber_asm_switch:
        .cfi_startproc
        sub     sp, sp, #176
        .cfi_def_cfa_offset 176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        .cfi_offset x29, -96
        .cfi_offset x30, -88
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x10, sp
        str     x10, [x0]
        /* From here on the frame has the same shape but is the target's. */
        ldr     x10, [x1]
        mov     sp, x10
        ldr     x11, [sp, #160]
        cmp     x9, x11
        b.ne    .Lload_fpcr
.Lresume:
        .cfi_remember_state
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #176
        .cfi_def_cfa_offset 0
        .cfi_restore x29
        .cfi_restore x30
        br      x30

/* Rare: the target runs with another FPCR. */
.Lload_fpcr:
        .cfi_restore_state
        msr     fpcr, x11
        b       .Lresume
        .cfi_endproc
        .size   weft__fiber_asm_switch, .-weft__fiber_asm_switch

/* First code of every new fiber, reached by the br above with sp 16-byte
 * aligned and x19 = the fiber (argument of weft__fiber_boot). */
        .globl  weft__fiber_asm_start
        .hidden weft__fiber_asm_start
        .type   weft__fiber_asm_start, %function
        .p2align 4
weft__fiber_asm_start:
        .cfi_startproc
        .cfi_undefined x30              /* unwinders and gdb stop here */
        mov     x0, x19
        bl      weft__fiber_boot
        brk     #0                      /* weft__fiber_boot never returns */
        .cfi_endproc
        .size   weft__fiber_asm_start, .-weft__fiber_asm_start

#endif /* __aarch64__ */

/* Outside the #if: even an empty object must say "no executable stack". */
        .section .note.GNU-stack,"",%progbits
