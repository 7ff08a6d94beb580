// The only code in junction that may enter the host kernel once the guest
// runs. Syscall User Dispatch exempts exactly this range and the seccomp
// filter allows host calls only from it (docs/security.md).
#include "libos/entry/thread_offsets.h"

        .text
        .p2align 6
        .globl junction_host_stubs_begin
junction_host_stubs_begin:

// The C arguments (nr, a0..a4 in registers, a5 on the stack) moved to the
// kernel's registers.
.macro SYSCALL6_ARGS
        mov %rdi, %rax
        mov %rsi, %rdi
        mov %rdx, %rsi
        mov %rcx, %rdx
        mov %r8, %r10
        mov %r9, %r8
        mov 8(%rsp), %r9
.endm

// long junction_host_syscall6(long nr, long a0, long a1, long a2, long a3,
//                             long a4, long a5)   -- a5 is on the stack
        .globl junction_host_syscall6
        .type junction_host_syscall6, @function
junction_host_syscall6:
        SYSCALL6_ARGS
        syscall
        ret
        .size junction_host_syscall6, .-junction_host_syscall6

// junction_host_syscall6 for a host call that may block on the guest's
// behalf outside the reactor (a file lock, a pipe read of splice): a
// thread that another thread's exec ends, or that a signal it takes
// interrupts, is taken out of it, as Linux's de_thread kills it in any
// wait and a signal ends an interruptible one. The exec or the signal's
// sender signals the thread's kthread; a call the kernel restarts after
// the handler is rewound to its syscall instruction,
// junction_abortable_syscall, where the handler (or anywhere in the stub
// before it) makes it return -EINTR instead; one that came before the
// stub sets TS_HOST_WAIT_ABORT, which the stub checks (sched/preempt.cc).
        .globl junction_host_syscall_abortable
        .type junction_host_syscall_abortable, @function
junction_host_syscall_abortable:
        SYSCALL6_ARGS
        cmpb $0, %gs:TS_HOST_WAIT_ABORT
        jne 1f
        .globl junction_abortable_syscall
junction_abortable_syscall:
        syscall
        ret
1:      mov $-4, %rax  /* -EINTR */
        ret
        .size junction_host_syscall_abortable, .-junction_host_syscall_abortable

// The same call with the arguments already in the kernel's registers
// (%rax = nr, %rdi %rsi %rdx %r10 %r8 %r9) and the return address in %rbx
// (host::SyscallLinked): back by an indirect jump, not `ret`. A host call
// leaves the return stack buffer holding the kernel's own return
// addresses (SRSO "safe RET"), so the `ret` after it always mispredicted
// (~6 ns); the jump is predicted from the branch history. The caller
// is a lazy handler, whose own `ret` into junction_syscall_entry would
// mispredict as well: before going back the stub executes the entry's
// call of junction_dispatch (junction_rsb_refilled, syscall_entry.S), which
// leaves that return's address on top of the buffer (~2 ns for ~6).
        .globl junction_host_syscall_linked
        .type junction_host_syscall_linked, @function
junction_host_syscall_linked:
        syscall
        lea -128(%rsp), %rsp
        lea junction_rsb_refilled(%rip), %rcx
        jmp junction_entry_dispatch_call
        .size junction_host_syscall_linked, .-junction_host_syscall_linked

// Signal restorer for the LibOS's own host signal handlers.
        .globl junction_host_sigreturn
        .type junction_host_sigreturn, @function
junction_host_sigreturn:
        mov $15, %eax          // __NR_rt_sigreturn
        syscall
        hlt
        .size junction_host_sigreturn, .-junction_host_sigreturn

// long junction_host_clone_thread(unsigned long flags, uintptr_t stack_top,
//     int* child_tid, uintptr_t tls, void (*fn)(void*), void* arg)
// A host thread (clone with thread flags): the new thread starts on
// stack_top (16-byte aligned) and calls fn(arg), which must not return.
// Returns the new thread's host tid or -errno to the caller.
        .globl junction_host_clone_thread
        .type junction_host_clone_thread, @function
junction_host_clone_thread:
        sub $16, %rsi          // fn and arg, popped by the new thread
        mov %r8, (%rsi)
        mov %r9, 8(%rsi)
        mov %rdx, %r10         // child_tid
        mov %rcx, %r8          // tls
        xor %edx, %edx         // parent_tid
        mov $56, %eax          // __NR_clone
        syscall
        test %rax, %rax
        jz 1f
        ret
1:      xor %ebp, %ebp
        pop %rax
        pop %rdi
        call *%rax
        ud2
        .size junction_host_clone_thread, .-junction_host_clone_thread

        .p2align 6
        .globl junction_host_stubs_end
junction_host_stubs_end:
        .section .note.GNU-stack,"",@progbits
