// The only code in junction that may enter the host kernel once the guest
// runs. Syscall User Dispatch exempts exactly this range and the seccomp
// filter allows host calls only from it (docs/security.md).
        .text
        .p2align 6
        .globl junction_host_stubs_begin
junction_host_stubs_begin:

// long junction_host_syscall6(long nr, long a0, long a1, long a2, long a3,
//                             long a4, long a5)   -- a5 is on the stack
        .globl junction_host_syscall6
        .type junction_host_syscall6, @function
junction_host_syscall6:
        mov %rdi, %rax
        mov %rsi, %rdi
        mov %rdx, %rsi
        mov %rcx, %rdx
        mov %r8, %r10
        mov %r9, %r8
        mov 8(%rsp), %r9
        syscall
        ret
        .size junction_host_syscall6, .-junction_host_syscall6

// Signal restorer for the LibOS's own host signal handlers.
        .globl junction_host_sigreturn
        .type junction_host_sigreturn, @function
junction_host_sigreturn:
        mov $15, %eax          // __NR_rt_sigreturn
        syscall
        hlt
        .size junction_host_sigreturn, .-junction_host_sigreturn

        .p2align 6
        .globl junction_host_stubs_end
junction_host_stubs_end:
        .section .note.GNU-stack,"",@progbits
