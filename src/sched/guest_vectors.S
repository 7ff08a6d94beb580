// Saving and restoring a guest's vector registers with plain moves, for a
// uthread switch (sched/guest_vectors.h says when these may be used instead
// of XSAVE/XRSTOR, which cost ~120 ns a pair on the machines measured; these
// cost ~10 ns). Layout of the area (GuestVectorArea): the registers at 0
// (zmm0-31, or ymm0-15, or xmm0-15; the _lo variant: xmm0-15 packed at
// 0-255, zmm16-31 at 1024), k0-7 at 2048, MXCSR at 2112.
// void junction_vec_{save,restore}_{avx512,avx,sse}(void* area)

// zmm16-31 at 1024 + 64*(n-16) and k0-7 at 2048 + 8*n: the same in the
// full and the _lo variants.
        .macro SAVE_ZMM16_31
        .irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        vmovdqu64 %zmm\n, (\n*64)(%rdi)
        .endr
        .endm
        .macro RESTORE_ZMM16_31
        .irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        vmovdqu64 (\n*64)(%rdi), %zmm\n
        .endr
        .endm
        .macro SAVE_K0_7
        .irp n, 0,1,2,3,4,5,6,7
        kmovq %k\n, (2048+\n*8)(%rdi)
        .endr
        .endm
        .macro RESTORE_K0_7
        .irp n, 0,1,2,3,4,5,6,7
        kmovq (2048+\n*8)(%rdi), %k\n
        .endr
        .endm

        .text

        .p2align 4
        .globl junction_vec_save_avx512
        .type junction_vec_save_avx512, @function
junction_vec_save_avx512:
        vmovdqu64 %zmm0, 0(%rdi)
        vmovdqu64 %zmm1, 64(%rdi)
        vmovdqu64 %zmm2, 128(%rdi)
        vmovdqu64 %zmm3, 192(%rdi)
        vmovdqu64 %zmm4, 256(%rdi)
        vmovdqu64 %zmm5, 320(%rdi)
        vmovdqu64 %zmm6, 384(%rdi)
        vmovdqu64 %zmm7, 448(%rdi)
        vmovdqu64 %zmm8, 512(%rdi)
        vmovdqu64 %zmm9, 576(%rdi)
        vmovdqu64 %zmm10, 640(%rdi)
        vmovdqu64 %zmm11, 704(%rdi)
        vmovdqu64 %zmm12, 768(%rdi)
        vmovdqu64 %zmm13, 832(%rdi)
        vmovdqu64 %zmm14, 896(%rdi)
        vmovdqu64 %zmm15, 960(%rdi)
        SAVE_ZMM16_31
        SAVE_K0_7
        stmxcsr 2112(%rdi)
        ret
        .size junction_vec_save_avx512, .-junction_vec_save_avx512

        .p2align 4
        .globl junction_vec_restore_avx512
        .type junction_vec_restore_avx512, @function
junction_vec_restore_avx512:
        ldmxcsr 2112(%rdi)
        vmovdqu64 0(%rdi), %zmm0
        vmovdqu64 64(%rdi), %zmm1
        vmovdqu64 128(%rdi), %zmm2
        vmovdqu64 192(%rdi), %zmm3
        vmovdqu64 256(%rdi), %zmm4
        vmovdqu64 320(%rdi), %zmm5
        vmovdqu64 384(%rdi), %zmm6
        vmovdqu64 448(%rdi), %zmm7
        vmovdqu64 512(%rdi), %zmm8
        vmovdqu64 576(%rdi), %zmm9
        vmovdqu64 640(%rdi), %zmm10
        vmovdqu64 704(%rdi), %zmm11
        vmovdqu64 768(%rdi), %zmm12
        vmovdqu64 832(%rdi), %zmm13
        vmovdqu64 896(%rdi), %zmm14
        vmovdqu64 960(%rdi), %zmm15
        RESTORE_ZMM16_31
        RESTORE_K0_7
        ret
        .size junction_vec_restore_avx512, .-junction_vec_restore_avx512

        .p2align 4
        .globl junction_vec_save_avx512_lo
        .type junction_vec_save_avx512_lo, @function
// The same when the upper halves of zmm0-15 are in their initial state
// (XINUSE bits 2 and 6 clear, so they are zero): xmm0-15 go in four
// 64-byte stores at 0-255 instead of sixteen (the stores, not the bytes,
// are what a save costs). zmm16-19 serve to pack them once stored.
junction_vec_save_avx512_lo:
        SAVE_ZMM16_31
        vinserti32x4 $1, %xmm1, %zmm0, %zmm16
        vinserti32x4 $2, %xmm2, %zmm16, %zmm16
        vinserti32x4 $3, %xmm3, %zmm16, %zmm16
        vmovdqu64 %zmm16, 0(%rdi)
        vinserti32x4 $1, %xmm5, %zmm4, %zmm17
        vinserti32x4 $2, %xmm6, %zmm17, %zmm17
        vinserti32x4 $3, %xmm7, %zmm17, %zmm17
        vmovdqu64 %zmm17, 64(%rdi)
        vinserti32x4 $1, %xmm9, %zmm8, %zmm18
        vinserti32x4 $2, %xmm10, %zmm18, %zmm18
        vinserti32x4 $3, %xmm11, %zmm18, %zmm18
        vmovdqu64 %zmm18, 128(%rdi)
        vinserti32x4 $1, %xmm13, %zmm12, %zmm19
        vinserti32x4 $2, %xmm14, %zmm19, %zmm19
        vinserti32x4 $3, %xmm15, %zmm19, %zmm19
        vmovdqu64 %zmm19, 192(%rdi)
        SAVE_K0_7
        stmxcsr 2112(%rdi)
        ret
        .size junction_vec_save_avx512_lo, .-junction_vec_save_avx512_lo

        .p2align 4
        .globl junction_vec_restore_avx512_lo
        .type junction_vec_restore_avx512_lo, @function
// Undoes junction_vec_save_avx512_lo: each 64-byte block gives four xmm
// registers (EVEX/VEX writes to an xmm register zero the rest of its zmm).
junction_vec_restore_avx512_lo:
        ldmxcsr 2112(%rdi)
        vmovdqu64 0(%rdi), %zmm0
        vextracti32x4 $1, %zmm0, %xmm1
        vextracti32x4 $2, %zmm0, %xmm2
        vextracti32x4 $3, %zmm0, %xmm3
        vmovdqa %xmm0, %xmm0
        vmovdqu64 64(%rdi), %zmm4
        vextracti32x4 $1, %zmm4, %xmm5
        vextracti32x4 $2, %zmm4, %xmm6
        vextracti32x4 $3, %zmm4, %xmm7
        vmovdqa %xmm4, %xmm4
        vmovdqu64 128(%rdi), %zmm8
        vextracti32x4 $1, %zmm8, %xmm9
        vextracti32x4 $2, %zmm8, %xmm10
        vextracti32x4 $3, %zmm8, %xmm11
        vmovdqa %xmm8, %xmm8
        vmovdqu64 192(%rdi), %zmm12
        vextracti32x4 $1, %zmm12, %xmm13
        vextracti32x4 $2, %zmm12, %xmm14
        vextracti32x4 $3, %zmm12, %xmm15
        vmovdqa %xmm12, %xmm12
        RESTORE_ZMM16_31
        RESTORE_K0_7
        ret
        .size junction_vec_restore_avx512_lo, .-junction_vec_restore_avx512_lo

        .p2align 4
        .globl junction_vec_save_avx
        .type junction_vec_save_avx, @function
junction_vec_save_avx:
        vmovdqu %ymm0, 0(%rdi)
        vmovdqu %ymm1, 32(%rdi)
        vmovdqu %ymm2, 64(%rdi)
        vmovdqu %ymm3, 96(%rdi)
        vmovdqu %ymm4, 128(%rdi)
        vmovdqu %ymm5, 160(%rdi)
        vmovdqu %ymm6, 192(%rdi)
        vmovdqu %ymm7, 224(%rdi)
        vmovdqu %ymm8, 256(%rdi)
        vmovdqu %ymm9, 288(%rdi)
        vmovdqu %ymm10, 320(%rdi)
        vmovdqu %ymm11, 352(%rdi)
        vmovdqu %ymm12, 384(%rdi)
        vmovdqu %ymm13, 416(%rdi)
        vmovdqu %ymm14, 448(%rdi)
        vmovdqu %ymm15, 480(%rdi)
        stmxcsr 2112(%rdi)
        ret
        .size junction_vec_save_avx, .-junction_vec_save_avx

        .p2align 4
        .globl junction_vec_restore_avx
        .type junction_vec_restore_avx, @function
junction_vec_restore_avx:
        ldmxcsr 2112(%rdi)
        vmovdqu 0(%rdi), %ymm0
        vmovdqu 32(%rdi), %ymm1
        vmovdqu 64(%rdi), %ymm2
        vmovdqu 96(%rdi), %ymm3
        vmovdqu 128(%rdi), %ymm4
        vmovdqu 160(%rdi), %ymm5
        vmovdqu 192(%rdi), %ymm6
        vmovdqu 224(%rdi), %ymm7
        vmovdqu 256(%rdi), %ymm8
        vmovdqu 288(%rdi), %ymm9
        vmovdqu 320(%rdi), %ymm10
        vmovdqu 352(%rdi), %ymm11
        vmovdqu 384(%rdi), %ymm12
        vmovdqu 416(%rdi), %ymm13
        vmovdqu 448(%rdi), %ymm14
        vmovdqu 480(%rdi), %ymm15
        ret
        .size junction_vec_restore_avx, .-junction_vec_restore_avx

        .p2align 4
        .globl junction_vec_save_sse
        .type junction_vec_save_sse, @function
junction_vec_save_sse:
        movdqu %xmm0, 0(%rdi)
        movdqu %xmm1, 16(%rdi)
        movdqu %xmm2, 32(%rdi)
        movdqu %xmm3, 48(%rdi)
        movdqu %xmm4, 64(%rdi)
        movdqu %xmm5, 80(%rdi)
        movdqu %xmm6, 96(%rdi)
        movdqu %xmm7, 112(%rdi)
        movdqu %xmm8, 128(%rdi)
        movdqu %xmm9, 144(%rdi)
        movdqu %xmm10, 160(%rdi)
        movdqu %xmm11, 176(%rdi)
        movdqu %xmm12, 192(%rdi)
        movdqu %xmm13, 208(%rdi)
        movdqu %xmm14, 224(%rdi)
        movdqu %xmm15, 240(%rdi)
        stmxcsr 2112(%rdi)
        ret
        .size junction_vec_save_sse, .-junction_vec_save_sse

        .p2align 4
        .globl junction_vec_restore_sse
        .type junction_vec_restore_sse, @function
junction_vec_restore_sse:
        ldmxcsr 2112(%rdi)
        movdqu 0(%rdi), %xmm0
        movdqu 16(%rdi), %xmm1
        movdqu 32(%rdi), %xmm2
        movdqu 48(%rdi), %xmm3
        movdqu 64(%rdi), %xmm4
        movdqu 80(%rdi), %xmm5
        movdqu 96(%rdi), %xmm6
        movdqu 112(%rdi), %xmm7
        movdqu 128(%rdi), %xmm8
        movdqu 144(%rdi), %xmm9
        movdqu 160(%rdi), %xmm10
        movdqu 176(%rdi), %xmm11
        movdqu 192(%rdi), %xmm12
        movdqu 208(%rdi), %xmm13
        movdqu 224(%rdi), %xmm14
        movdqu 240(%rdi), %xmm15
        ret
        .size junction_vec_restore_sse, .-junction_vec_restore_sse
        .section .note.GNU-stack,"",@progbits
