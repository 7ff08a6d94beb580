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
        // From here to junction_guest_stack_code_end, the only memory
        // these instructions may fault on is the guest's stack (the saved
        // flags, the return address, the trap path's resume point): a
        // fault there is the guest's (signals/delivery.cc), as its own
        // `ret` would have faulted on Linux.
        .globl junction_guest_stack_code
junction_guest_stack_code:
junction_syscall_entry:
        pushfq
        mov %rsp, %gs:TS_GUEST_RSP
        mov %gs:TS_LIBOS_STACK_TOP, %rsp
        cld
        // SyscallFrame: {nr, a0..a5} (SyscallArgs), then the callee-saved
        // registers (clone copies them for the child), then one slot for
        // alignment.
        push %r15
        push %r14
        push %r13
        push %r12
        push %rbp
        push %rbx
        push %r9
        push %r8
        push %r10
        push %rdx
        push %rsi
        push %rdi
        push %rax
        mov %rsp, %rdi
        // The word below the frame (and the call's alignment): zero, or
        // nonzero when junction_dispatch handed the call to a lazy handler
        // by a tail call (LazyCallMark), which then returns here.
        pushq $0
        // An indirect call: junction_host_syscall_linked also executes it,
        // with %rcx = junction_rsb_refilled, to put this call's return
        // address back on the return stack buffer after a host call.
        lea junction_dispatch(%rip), %rcx
        .globl junction_entry_dispatch_call
junction_entry_dispatch_call:
        call *%rcx
        cmpq $0, (%rsp)
        jne .Llazy_exit
.Ldispatched:
        add $16, %rsp
        pop %rdi
        pop %rsi
        pop %rdx
        pop %r10
        pop %r8
        pop %r9
        // The callee-saved registers were preserved by the C++ code (and by
        // uthread switches), so their slots are just dropped.
        mov %gs:TS_GUEST_RSP, %rsp
        // Every guest register but %rax/%rcx/%r11 and the flags is back.
        // A pending signal is delivered from here with that exact state.
        testb $0xff, %gs:TS_SIGNAL_PENDING
        // A host signal that lands between here and `ret` would be missed:
        // signals/delivery.cc finishes these instructions for it instead
        // (the return value is in %rcx from junction_exit_popf on).
        .globl junction_exit_jnz, junction_exit_popf, junction_exit_ret, junction_exit_jmp
        .globl junction_exit_ret_only
        .globl junction_exit_slow, junction_exit_slow_popf, junction_exit_slow_ret
junction_exit_jnz:
        jnz junction_signal_exit
junction_exit_popf:
        // The saved flags back without POPFQ (~27 cycles, four times per
        // futex round trip) when they hold only the arithmetic flags, DF
        // and IF: OF from an add that overflows or not, DF with STD (CLD
        // at entry), the others with SAHF. %rcx and %r11 are the syscall's
        // to clobber.
        mov %rax, %rcx
        mov (%rsp), %rax
        test $-0xed8, %rax      // anything but CF PF AF ZF SF IF DF OF (and bit 1)?
        jnz junction_exit_slow
        bt $10, %rax
        jnc 1f
        std
1:      mov %eax, %r11d
        and $0x800, %r11d
        shl $19, %r11d          // OF -> bit 30: adding it to itself overflows iff set
        add %r11d, %r11d
        mov %al, %ah
        sahf
        mov %rcx, %rax
        lea 8(%rsp), %rsp
        // From here on every guest register is back but %rcx, and the
        // return address is at (%rsp). After a lazy handler's host call
        // (TS_RSB_SPOILT) the `ret` would mispredict: an indirect jump,
        // which the branch history predicts, instead. Otherwise `ret`,
        // whose return stack entry the trampoline's call pushed (a jump
        // would leave it there and every guest `ret` after it would
        // mispredict). None of these touches the flags.
junction_exit_ret:
        movzbl %gs:TS_RSB_SPOILT, %ecx
        jrcxz junction_exit_ret_only
        movb $0, %gs:TS_RSB_SPOILT
        pop %rcx
junction_exit_jmp:
        jmp *%rcx
junction_exit_ret_only:
        ret
junction_exit_slow:
        mov %rcx, %rax
        // This return is a `ret` whatever a host call did: the next exit's
        // must not take the jump for it.
        movb $0, %gs:TS_RSB_SPOILT
junction_exit_slow_popf:
        popfq
junction_exit_slow_ret:
        ret

        // After a lazy handler (kLazy): what junction_dispatch did after it
        // when it still called it. Here, so that a host call the handler
        // made, which leaves the return stack buffer useless
        // (host_stubs.S), is followed by one `ret` fewer. The handler may
        // have blocked and resumed on another kthread, whose cur_syscall is
        // another call's (a restart needs ours); a read may need its trap
        // resume point fixed, and a handler that entered the LibOS context
        // leaves it: junction_lazy_finish, with the result in %rax.
.Llazy_exit:
        mov 8(%rsp), %rcx
        mov %rcx, %gs:TS_CUR_SYSCALL
        test %rcx, %rcx
        jnz 2f
        // A read: only one that trapped (it resumes through
        // junction_trap_return, whose address is then the guest's return
        // address) may need its resume point fixed, as junction_lazy_finish
        // checks again. Every register but %rax is free here: the argument
        // registers come back from the frame.
        mov %gs:TS_GUEST_RSP, %rcx
        lea junction_trap_return(%rip), %rdx
        cmp %rdx, 8(%rcx)
        je 1f
2:      cmpb $0, %gs:TS_IN_LIBOS
        je .Ldispatched
1:      mov %rax, %rdi
        lea 8(%rsp), %rsi
        call junction_lazy_finish
        jmp .Ldispatched
        .size junction_syscall_entry, .-junction_syscall_entry

// Reached from junction_host_syscall_linked by the call at
// junction_entry_dispatch_call, 136 bytes below the host-calling code's
// %rsp (past its red zone): that call's return address is now the top of
// the return stack buffer, which is where a lazy handler (tail-called by
// junction_dispatch) returns. The address the call pushed is dropped and
// the caller continues at %rbx.
        .p2align 4
        .globl junction_rsb_refilled
        .type junction_rsb_refilled, @function
junction_rsb_refilled:
        lea 136(%rsp), %rsp
        jmp *%rbx
        .size junction_rsb_refilled, .-junction_rsb_refilled

// Entered with the guest's registers (rsp = its saved flags slot): saves
// them on the LibOS stack as a GuestExitRegs and lets C++ deliver.
        .p2align 4
        .globl junction_signal_exit
        .type junction_signal_exit, @function
junction_signal_exit:
        mov %gs:TS_LIBOS_STACK_TOP, %rsp
        push %r15
        push %r14
        push %r13
        push %r12
        push %r11
        push %r10
        push %r9
        push %r8
        push %rbp
        push %rdi
        push %rsi
        push %rdx
        push %rcx
        push %rbx
        push %rax
        mov %rsp, %rdi
        sub $8, %rsp
        call junction_deliver_on_exit
        ud2
        .size junction_signal_exit, .-junction_signal_exit

// Return path for trapped calls: the SIGSYS handler left the guest's
// resume address 128 bytes below its original %rsp (past the red zone).
// As the kernel does, %rcx gets the resume address.
        .p2align 4
        .globl junction_trap_return
        .type junction_trap_return, @function
junction_trap_return:
        mov (%rsp), %rcx
        .globl junction_trap_return_lea, junction_trap_return_jmp
junction_trap_return_lea:
        lea 136(%rsp), %rsp
junction_trap_return_jmp:
        jmp *%rcx
        .size junction_trap_return, .-junction_trap_return
        .globl junction_guest_stack_code_end
junction_guest_stack_code_end:

// void junction_resume_guest(const GuestContext* ctx): loads every general
// register, flags, %rsp and %rip with iretq, so nothing is written to the
// guest's stack (its red zone stays intact).
        .p2align 4
        .globl junction_resume_guest
        .type junction_resume_guest, @function
junction_resume_guest:
        pushq $0x2b             // ss
        pushq 120(%rdi)         // rsp
        pushq 136(%rdi)         // eflags
        pushq $0x33             // cs
        pushq 128(%rdi)         // rip
        mov 0(%rdi), %r8
        mov 8(%rdi), %r9
        mov 16(%rdi), %r10
        mov 24(%rdi), %r11
        mov 32(%rdi), %r12
        mov 40(%rdi), %r13
        mov 48(%rdi), %r14
        mov 56(%rdi), %r15
        mov 72(%rdi), %rsi
        mov 80(%rdi), %rbp
        mov 88(%rdi), %rbx
        mov 96(%rdi), %rdx
        mov 104(%rdi), %rax
        mov 112(%rdi), %rcx
        mov 64(%rdi), %rdi
        iretq
        .size junction_resume_guest, .-junction_resume_guest

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
