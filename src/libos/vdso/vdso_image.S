/*
 * Embeds linux-vdso.so.1 (built by sources.cmake) into junction. The build
 * passes -Wa,-I<dir of vdso.so>; Image() returns [start, end), page-aligned
 * and padded to a whole number of pages.
 */
  .section .rodata.junction_vdso, "a"
  .balign 4096
  .globl junction_vdso_image_start
  .hidden junction_vdso_image_start
  .type junction_vdso_image_start, @object
junction_vdso_image_start:
  .incbin "linux-vdso.so.1"
  .balign 4096, 0
  .globl junction_vdso_image_end
  .hidden junction_vdso_image_end
junction_vdso_image_end:
  .size junction_vdso_image_start, junction_vdso_image_end - junction_vdso_image_start

  .section .note.GNU-stack, "", @progbits
