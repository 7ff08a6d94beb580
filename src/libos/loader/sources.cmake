# The loader's sources, included by src/libos/CMakeLists.txt into junction_libos.
# host_loader_env.h is header-only (tests and tools).
set(JUNCTION_LOADER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/command_lookup.cc
  ${CMAKE_CURRENT_LIST_DIR}/elf_mapper.cc
  ${CMAKE_CURRENT_LIST_DIR}/elf_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/initial_stack.cc
  ${CMAKE_CURRENT_LIST_DIR}/loader.cc
  ${CMAKE_CURRENT_LIST_DIR}/shebang.cc
)
