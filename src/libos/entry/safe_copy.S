// Fault-tolerant copies between LibOS and guest memory (safe_copy.h). A
// guest pointer that the VMA check accepts may still fault: a file mapping
// past the file's end (SIGBUS), a file truncated after mapping, another
// guest thread's munmap/mprotect between the check and the copy. Every
// instruction that touches guest memory lies between a routine's start and
// its fault label; the LibOS's fault handler (sigsys.cc) resumes such a
// fault at the routine's fixup (SafeCopyFixupFor), which returns what the
// caller turns into EFAULT or a short count. Leaf routines: general
// registers only (the lazy paths run them on the guest's vector state), no
// stack use, so a fixup is a plain `ret`.
        .text

// The %rdx bytes at %rsi to %rdi, size <= %rdx <= 2 * size, as two
// overlapping moves of `size` bytes through registers a and b; returns 0.
.macro OVERLAPPING_MOVES size, a, b
        mov (%rsi), \a
        mov -\size(%rsi,%rdx), \b
        mov \a, (%rdi)
        mov \b, -\size(%rdi,%rdx)
        xor %eax, %eax
        ret
.endm

// size_t junction_safe_copy(void* dst, const void* src, size_t n):
// 0 on success, else the number of bytes not copied (`rep movsb`) or, for
// the word paths, n (an upper bound).
        .p2align 4
        .globl junction_safe_copy
        .type junction_safe_copy, @function
junction_safe_copy:
        mov %rdx, %rcx
        cmp $16, %rdx
        ja .Lcopy_rep
        // Up to 16 bytes: `rep movsb` costs ~30 cycles to start (one-byte
        // pipe messages), so two overlapping moves of 8 or 4 bytes (a 4-
        // or 8-byte value is then one store: a futex word or tid is never
        // seen torn), or bytes below 4.
.Lcopy_small_start:
        cmp $8, %rdx
        jb .Lcopy_below8
        OVERLAPPING_MOVES 8, %r8, %r9
.Lcopy_below8:
        cmp $4, %rdx
        jb .Lcopy_bytes
        OVERLAPPING_MOVES 4, %r8d, %r9d
.Lcopy_bytes:
        test %rdx, %rdx
        jz .Lcopy_done
.Lcopy_byte_loop:
        movzbl (%rsi), %r8d
        mov %r8b, (%rdi)
        inc %rsi
        inc %rdi
        dec %rcx
        jnz .Lcopy_byte_loop
.Lcopy_small_end:
.Lcopy_done:
        xor %eax, %eax
        ret
.Lcopy_rep:
        // Up to 256 bytes in whole words (a struct stat, 144 bytes: 18
        // moves cost less than `rep movsb`'s start-up), else `rep movsb`.
        cmp $256, %rdx
        ja .Lcopy_rep_start
        test $7, %dl
        jnz .Lcopy_rep_start
        xor %r10d, %r10d
.Lcopy_words_start:
        mov (%rsi,%r10), %r8
        mov %r8, (%rdi,%r10)
        add $8, %r10
        cmp %rdx, %r10
        jb .Lcopy_words_start
.Lcopy_words_end:
        xor %eax, %eax
        ret
.Lcopy_rep_start:
        rep movsb
.Lcopy_rep_end:
        xor %eax, %eax
        ret
.Lcopy_small_fixup:
        // Not all was copied: report the whole request (an upper bound).
        mov %rdx, %rax
        ret
.Lcopy_rep_fixup:
        // `rep movsb` stops at the faulting byte with %rcx bytes left.
        mov %rcx, %rax
        ret
        .size junction_safe_copy, .-junction_safe_copy

// long junction_safe_copy_string(char* dst, const char* src, size_t cap):
// copies the NUL-terminated string at src (each byte read once; from an
// 8-byte boundary on a word at a time, which never crosses into a page the
// string does not reach) into dst; its length if a NUL lies in the first
// `cap` bytes, `cap` if none does, -1 if reading faulted. Bytes after the
// NUL in its word may be copied too (dst has `cap` bytes).
// One byte of junction_safe_copy_string's head and tail: copied, and the
// string's end if it is the NUL.
.macro STR_COPY_BYTE
        movzbl (%rsi,%rax), %ecx
        mov %cl, (%rdi,%rax)
        test %ecx, %ecx
        jz .Lstr_found
        inc %rax
.endm

        .p2align 4
        .globl junction_safe_copy_string
        .type junction_safe_copy_string, @function
junction_safe_copy_string:
        xor %eax, %eax                  // index
.Lstr_start:
.Lstr_head:                             // bytes up to an 8-byte boundary
        cmp %rdx, %rax
        jae .Lstr_none
        lea (%rsi,%rax), %rcx
        test $7, %cl
        jz .Lstr_words
        STR_COPY_BYTE
        jmp .Lstr_head
.Lstr_words:
        movabs $0x7f7f7f7f7f7f7f7f, %r10
.Lstr_word_loop:
        lea 8(%rax), %rcx
        cmp %rdx, %rcx
        ja .Lstr_tail
        mov (%rsi,%rax), %r8
        mov %r8, (%rdi,%rax)
        // The zero bytes of r8 as their top bits: ~(((w & m) + m) | w | m).
        mov %r8, %r9
        and %r10, %r9
        add %r10, %r9
        or %r8, %r9
        or %r10, %r9
        not %r9
        test %r9, %r9
        jnz .Lstr_word_zero
        mov %rcx, %rax
        jmp .Lstr_word_loop
.Lstr_word_zero:
        bsf %r9, %r9
        shr $3, %r9
        add %r9, %rax
        ret
.Lstr_tail:
        cmp %rdx, %rax
        jae .Lstr_none
        STR_COPY_BYTE
        jmp .Lstr_tail
.Lstr_end:
.Lstr_found:
        ret
.Lstr_none:
        mov %rdx, %rax
        ret
.Lstr_fixup:
        mov $-1, %rax
        ret
        .size junction_safe_copy_string, .-junction_safe_copy_string

// bool junction_safe_load32(const uint32_t* p, uint32_t* out): a futex
// word; false if it faulted.
        .p2align 4
        .globl junction_safe_load32
        .type junction_safe_load32, @function
junction_safe_load32:
.Lld_start:
        mov (%rdi), %eax
.Lld_end:
        mov %eax, (%rsi)
        mov $1, %eax
        ret
.Lld_fixup:
        xor %eax, %eax
        ret
        .size junction_safe_load32, .-junction_safe_load32

// bool junction_safe_store32(uint32_t* p, uint32_t v): a sequentially
// consistent store (`xchg`) to a futex word; false if it faulted.
        .p2align 4
        .globl junction_safe_store32
        .type junction_safe_store32, @function
junction_safe_store32:
.Lst_start:
        xchg %esi, (%rdi)
.Lst_end:
        mov $1, %eax
        ret
.Lst_fixup:
        xor %eax, %eax
        ret
        .size junction_safe_store32, .-junction_safe_store32

// int junction_safe_cmpxchg32(uint32_t* p, uint32_t* expected, uint32_t
// desired): `lock cmpxchg` on a futex word; 1 if it was swapped, 0 if not
// (*expected then holds the word), -1 if it faulted.
        .p2align 4
        .globl junction_safe_cmpxchg32
        .type junction_safe_cmpxchg32, @function
junction_safe_cmpxchg32:
        mov (%rsi), %eax
.Lcx_start:
        lock cmpxchg %edx, (%rdi)
.Lcx_end:
        jne 1f
        mov $1, %eax
        ret
1:      mov %eax, (%rsi)
        xor %eax, %eax
        ret
.Lcx_fixup:
        mov $-1, %eax
        ret
        .size junction_safe_cmpxchg32, .-junction_safe_cmpxchg32

// bool junction_probe_writable(void* p, size_t n): a `lock orb $0` (no
// change to the data) on the first byte of [p, p+n) and on each later page
// start in it; false if one faulted. Lets a receive find a buffer that
// would fault before it consumes the data.
        .p2align 4
        .globl junction_probe_writable
        .type junction_probe_writable, @function
junction_probe_writable:
        test %rsi, %rsi
        jz .Lpw_ok
        lea -1(%rdi,%rsi), %rcx         // the last byte
.Lpw_start:
.Lpw_loop:
        lock orb $0, (%rdi)
        and $-4096, %rdi
        add $4096, %rdi
        cmp %rcx, %rdi
        jbe .Lpw_loop
.Lpw_end:
.Lpw_ok:
        mov $1, %eax
        ret
.Lpw_fixup:
        xor %eax, %eax
        ret
        .size junction_probe_writable, .-junction_probe_writable

// {start, end, fixup} for each range of instructions that may fault on
// guest memory, as offsets from the table (position independent).
        .section .rodata
        .p2align 3
        .globl junction_safe_copy_fixups
        .type junction_safe_copy_fixups, @object
junction_safe_copy_fixups:
        .long .Lcopy_small_start - junction_safe_copy_fixups
        .long .Lcopy_small_end - junction_safe_copy_fixups
        .long .Lcopy_small_fixup - junction_safe_copy_fixups
        .long .Lcopy_words_start - junction_safe_copy_fixups
        .long .Lcopy_words_end - junction_safe_copy_fixups
        .long .Lcopy_small_fixup - junction_safe_copy_fixups
        .long .Lcopy_rep_start - junction_safe_copy_fixups
        .long .Lcopy_rep_end - junction_safe_copy_fixups
        .long .Lcopy_rep_fixup - junction_safe_copy_fixups
        .long .Lstr_start - junction_safe_copy_fixups
        .long .Lstr_end - junction_safe_copy_fixups
        .long .Lstr_fixup - junction_safe_copy_fixups
        .long .Lld_start - junction_safe_copy_fixups
        .long .Lld_end - junction_safe_copy_fixups
        .long .Lld_fixup - junction_safe_copy_fixups
        .long .Lcx_start - junction_safe_copy_fixups
        .long .Lcx_end - junction_safe_copy_fixups
        .long .Lcx_fixup - junction_safe_copy_fixups
        .long .Lpw_start - junction_safe_copy_fixups
        .long .Lpw_end - junction_safe_copy_fixups
        .long .Lpw_fixup - junction_safe_copy_fixups
        .long .Lst_start - junction_safe_copy_fixups
        .long .Lst_end - junction_safe_copy_fixups
        .long .Lst_fixup - junction_safe_copy_fixups
        .size junction_safe_copy_fixups, .-junction_safe_copy_fixups
        .globl junction_safe_copy_fixup_count
        .type junction_safe_copy_fixup_count, @object
junction_safe_copy_fixup_count:
        .long 8
        .size junction_safe_copy_fixup_count, 4

        .section .note.GNU-stack,"",@progbits
