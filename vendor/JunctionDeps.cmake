# Third-party libraries, all from Debian packages (scripts/install-deps.sh).
# Versions are those of Debian 12 (bookworm); the checks below pin the
# minimum we build against.
find_package(PkgConfig REQUIRED)

# CLI11 2.1 and toml++ 3.3 are header-only.
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(TOMLPP_INCLUDE_DIR toml++/toml.h REQUIRED)
find_path(DOCTEST_INCLUDE_DIR doctest/doctest.h REQUIRED)

add_library(junction_cli11 INTERFACE)
target_include_directories(junction_cli11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})
add_library(junction_tomlpp INTERFACE)
target_include_directories(junction_tomlpp SYSTEM INTERFACE ${TOMLPP_INCLUDE_DIR})
add_library(junction_doctest INTERFACE)
target_include_directories(junction_doctest SYSTEM INTERFACE ${DOCTEST_INCLUDE_DIR})

if(JUNCTION_WITH_DPDK)
  include(DpdkStatic)
endif()
