// void junction_uthread_switch(uintptr_t* save_rsp, uintptr_t new_rsp)
// Saves the callee-saved registers and %rsp of the running LibOS context and
// continues the one saved at new_rsp. Everything else is caller-saved.
        .text
        .p2align 4
        .globl junction_uthread_switch
        .type junction_uthread_switch, @function
junction_uthread_switch:
        push %rbp
        push %rbx
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, (%rdi)
        mov %rsi, %rsp
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        pop %rbx
        pop %rbp
        ret
        .size junction_uthread_switch, .-junction_uthread_switch

// Where a new uthread's first switch lands: aligns the stack and enters C++.
        .p2align 4
        .globl junction_uthread_trampoline
        .type junction_uthread_trampoline, @function
junction_uthread_trampoline:
        and $-16, %rsp
        call junction_uthread_first_run
        ud2
        .size junction_uthread_trampoline, .-junction_uthread_trampoline
        .section .note.GNU-stack,"",@progbits

// A preempted uthread enters here from the host's sigreturn, on its own
// LibOS stack but with the guest's %fs: take the LibOS's TLS, then C++.
#include "libos/entry/thread_offsets.h"
        .text
        .p2align 4
        .globl junction_preempt_trampoline
        .type junction_preempt_trampoline, @function
junction_preempt_trampoline:
        mov %gs:TS_LIBOS_FS, %rax
        wrfsbase %rax
        and $-16, %rsp
        call junction_preempted
        ud2
        .size junction_preempt_trampoline, .-junction_preempt_trampoline
        .section .note.GNU-stack,"",@progbits
