# The guest's vDSO. Included from src/libos/CMakeLists.txt (any directory
# works: paths are relative to this file). Sets JUNCTION_VDSO_SOURCES, the
# sources to add to junction_libos; they include "libos/vdso/..." headers, so
# the target needs src/ on its include path.
#
# Build: vdso_time.c -> linux-vdso.so.1 (freestanding gcc, vdso.lds,
# vdso.version) -> checked by check_image.cmake -> embedded by vdso_image.S
# with .incbin. Editing any of those files rebuilds the image and junction.

set(_vdso_dir ${CMAKE_CURRENT_LIST_DIR})
set(_vdso_out ${CMAKE_CURRENT_BINARY_DIR}/vdso)
set(JUNCTION_VDSO_IMAGE ${_vdso_out}/linux-vdso.so.1)
file(MAKE_DIRECTORY ${_vdso_out})

find_program(JUNCTION_READELF NAMES readelf REQUIRED)

# Freestanding, position-independent, no TLS/stack protector/red zone/CET
# (see vdso_time.c); unwind tables kept for debuggers and profilers.
set(_vdso_cflags
  -std=c11 -O2 -Wall -Wextra -Werror
  -fPIC -ffreestanding -fno-builtin -nostdlib -shared
  -fno-stack-protector -fno-stack-clash-protection -mno-red-zone
  -fcf-protection=none -fno-plt -fno-common
  -fasynchronous-unwind-tables -fno-omit-frame-pointer
  -I${_vdso_dir})
set(_vdso_ldflags
  -Wl,-T,${_vdso_dir}/vdso.lds
  -Wl,--version-script=${_vdso_dir}/vdso.version
  -Wl,-soname=linux-vdso.so.1
  -Wl,--hash-style=both
  -Wl,--eh-frame-hdr
  -Wl,-Bsymbolic
  -Wl,--no-undefined
  -Wl,-z,max-page-size=4096
  -Wl,-z,noexecstack
  -Wl,--build-id=sha1)

add_custom_command(
  OUTPUT ${JUNCTION_VDSO_IMAGE} ${_vdso_out}/check.stamp
  COMMAND ${CMAKE_C_COMPILER} ${_vdso_cflags} ${_vdso_ldflags}
          ${_vdso_dir}/vdso_time.c -o ${JUNCTION_VDSO_IMAGE}.tmp
  COMMAND ${CMAKE_COMMAND} -DREADELF=${JUNCTION_READELF}
          -DIMAGE=${JUNCTION_VDSO_IMAGE}.tmp -DSTAMP=${_vdso_out}/check.stamp
          -P ${_vdso_dir}/check_image.cmake
  COMMAND ${CMAKE_COMMAND} -E rename ${JUNCTION_VDSO_IMAGE}.tmp
          ${JUNCTION_VDSO_IMAGE}
  DEPENDS ${_vdso_dir}/vdso_time.c ${_vdso_dir}/vdso_data.h
          ${_vdso_dir}/vdso.lds ${_vdso_dir}/vdso.version
          ${_vdso_dir}/check_image.cmake
  COMMENT "Building and checking the guest vDSO (linux-vdso.so.1)"
  VERBATIM)

set_source_files_properties(${_vdso_dir}/vdso_image.S PROPERTIES
  COMPILE_OPTIONS "-Wa,-I${_vdso_out}"
  OBJECT_DEPENDS "${JUNCTION_VDSO_IMAGE}")

# ReadClock/Reanchor may run from a syscall handler before the guest's
# vector state is saved: keep them to general-purpose registers.
set_source_files_properties(${_vdso_dir}/vdso_anchor.cc PROPERTIES
  COMPILE_OPTIONS "-mgeneral-regs-only")

set(JUNCTION_VDSO_SOURCES
  ${_vdso_dir}/vdso.cc
  ${_vdso_dir}/vdso_anchor.cc
  ${_vdso_dir}/vdso_image.S
  ${JUNCTION_VDSO_IMAGE})
