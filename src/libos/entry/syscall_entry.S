// Guest system call entry. A rewritten syscall site jumps to a per-site
// trampoline (rewrite.cc) which lowers %rsp past the red zone, loads the
// syscall number into %eax and calls junction_syscall_entry. The trap path
// (sigsys.cc) makes the interrupted guest "call" the same entry, so both
// paths run the same code.
//
// Preserves every register a real syscall preserves: all but %rax, %rcx,
// %r11. Flags are saved and restored. Vector state is preserved by the
// dispatcher (syscall_dispatch.cc), which saves it before any LibOS code
// that may touch vector registers runs.
#include "libos/entry/thread_offsets.h"

        .text
        .p2align 4
        .globl junction_syscall_entry
        .type junction_syscall_entry, @function
junction_syscall_entry:
        pushfq
        mov %rsp, %gs:TS_GUEST_RSP
        mov %gs:TS_LIBOS_STACK_TOP, %rsp
        cld
        // SyscallFrame {nr, a0..a5}, then one slot for alignment.
        push %r9
        push %r8
        push %r10
        push %rdx
        push %rsi
        push %rdi
        push %rax
        mov %rsp, %rdi
        sub $8, %rsp
        call junction_dispatch
        add $16, %rsp
        pop %rdi
        pop %rsi
        pop %rdx
        pop %r10
        pop %r8
        pop %r9
        mov %gs:TS_GUEST_RSP, %rsp
        popfq
        ret
        .size junction_syscall_entry, .-junction_syscall_entry

// Return path for trapped calls: the SIGSYS handler left the guest's
// resume address 128 bytes below its original %rsp (past the red zone).
// As the kernel does, %rcx gets the resume address.
        .p2align 4
        .globl junction_trap_return
        .type junction_trap_return, @function
junction_trap_return:
        mov (%rsp), %rcx
        lea 136(%rsp), %rsp
        jmp *%rcx
        .size junction_trap_return, .-junction_trap_return

// void junction_enter_guest(uintptr_t entry, uintptr_t rsp)
// Starts the guest as the kernel starts a process: %rsp at argc, %rdx = 0
// (no atexit function), all other general registers zero.
        .p2align 4
        .globl junction_enter_guest
        .type junction_enter_guest, @function
junction_enter_guest:
        mov %rsi, %rsp
        mov %rdi, %r11
        xor %eax, %eax
        xor %ebx, %ebx
        xor %ecx, %ecx
        xor %edx, %edx
        xor %esi, %esi
        xor %edi, %edi
        xor %ebp, %ebp
        xor %r8d, %r8d
        xor %r9d, %r9d
        xor %r10d, %r10d
        xor %r12d, %r12d
        xor %r13d, %r13d
        xor %r14d, %r14d
        xor %r15d, %r15d
        push %r11
        xor %r11d, %r11d
        ret
        .size junction_enter_guest, .-junction_enter_guest
        .section .note.GNU-stack,"",@progbits
