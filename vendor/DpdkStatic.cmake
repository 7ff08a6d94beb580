# DPDK 22.11 and rdma-core 44, linked statically from Debian 12's archives.
#
# Defines two INTERFACE targets:
#   junction_dpdk          the link line (driver archives whole-archive, then
#                          the core libraries, then system libraries) plus the
#                          include directories. Link it into `junction`.
#   junction_dpdk_headers  the compile flags DPDK's headers need. Only sources
#                          that include DPDK headers use it (src/net), so the
#                          rest of our code keeps the global flags.
# and sets JUNCTION_DPDK_MLX5 (cache option) and JUNCTION_DPDK_DRIVERS (list).
#
# Why not `pkg-config --static libdpdk`: it lists every driver Debian built,
# inside --whole-archive, and a fully static link then fails: Debian ships no
# libsystemd.a or libisal.a, and `bpf_validate` is defined in both libpcap.a
# and librte_bpf.a. We link only the drivers we use, and never librte_bpf,
# librte_net_pcap or libpcap.
#
# Why not DPDK's compile flags: pkg-config adds -march=corei7 (and
# `-include rte_config.h`). We take only the -I directories and give the files
# that include DPDK headers the ISA those headers assume (SSE4.2 + POPCNT, the
# corei7 baseline Debian compiled the archives for; rte_memcpy.h needs at least
# SSSE3). The archives already require that ISA at run time, so this adds no
# new requirement to the binary.

option(JUNCTION_DPDK_MLX5
  "Link the mlx5 (ConnectX) PMD with rdma-core's static libmlx5/libibverbs" ON)

set(JUNCTION_DPDK_REQUIRED_VERSION "22.11")

pkg_check_modules(DPDK QUIET libdpdk)
if(NOT DPDK_FOUND)
  message(FATAL_ERROR
    "DPDK not found by pkg-config (libdpdk.pc). Install Debian's libdpdk-dev "
    "and dpdk-dev (scripts/install-deps.sh), or configure with "
    "-DJUNCTION_WITH_DPDK=OFF.")
endif()
if(NOT DPDK_VERSION MATCHES "^${JUNCTION_DPDK_REQUIRED_VERSION}(\\.|$)")
  message(FATAL_ERROR
    "DPDK ${DPDK_VERSION} found, but Junction is pinned to DPDK "
    "${JUNCTION_DPDK_REQUIRED_VERSION}.x (Debian 12's libdpdk-dev): the static "
    "driver list and link order in vendor/DpdkStatic.cmake are written for "
    "that release. "
    "Configure with -DJUNCTION_WITH_DPDK=OFF to build without it.")
endif()
message(STATUS "DPDK ${DPDK_VERSION} (static archives from ${DPDK_LIBDIR})")

# ---- archives ---------------------------------------------------------------

# Finds lib<name>.a (never the .so) and records it in JUNCTION_DPDK_A_<name>.
function(junction_find_static_archive name)
  find_library(JUNCTION_DPDK_A_${name} NAMES lib${name}.a
    HINTS ${DPDK_LIBDIR} NO_CACHE)
  if(NOT JUNCTION_DPDK_A_${name})
    message(FATAL_ERROR
      "lib${name}.a not found (needed for the static junction binary). "
      "It comes from Debian's libdpdk-dev / libibverbs-dev / libnl-*-dev; "
      "see scripts/install-deps.sh.")
  endif()
  set(JUNCTION_DPDK_A_${name} ${JUNCTION_DPDK_A_${name}} PARENT_SCOPE)
endfunction()

# Drivers register themselves from constructors that nothing references, so
# they are linked whole-archive. Bus drivers first: the PMDs register on them.
set(JUNCTION_DPDK_DRIVERS
  bus_vdev bus_pci mempool_ring
  net_tap net_af_packet net_af_xdp net_memif net_ring net_null)
if(JUNCTION_DPDK_MLX5)
  # common_mlx5 registers on the auxiliary bus (mlx5 sub-functions) as well as
  # on PCI, so the auxiliary bus driver comes along.
  list(APPEND JUNCTION_DPDK_DRIVERS bus_auxiliary common_mlx5 net_mlx5)
endif()

# Core libraries, in dependency order (a library before the ones it uses).
# gso: net_tap segments TSO packets in software.
set(_dpdk_core
  gso ethdev net mbuf mempool ring hash rcu meter pci eal telemetry kvargs)

set(_dpdk_whole)
foreach(d IN LISTS JUNCTION_DPDK_DRIVERS)
  junction_find_static_archive(rte_${d})
  list(APPEND _dpdk_whole ${JUNCTION_DPDK_A_rte_${d}})
endforeach()
set(_dpdk_libs)
foreach(l IN LISTS _dpdk_core)
  junction_find_static_archive(rte_${l})
  list(APPEND _dpdk_libs ${JUNCTION_DPDK_A_rte_${l}})
endforeach()

# rdma-core 44. Debian's librte_common_mlx5 calls libibverbs and libmlx5
# directly (not through DPDK's dlopen glue), so both must be in the link.
# libibverbs.a cannot dlopen providers: the mlx5 provider is registered from
# src/net (ibv_static_providers, see RDMA_STATIC_PROVIDERS in
# infiniband/verbs.h), which also pulls libmlx5.a's provider object into the
# link. No symbol of libmlx5.a or libibverbs.a clashes with DPDK's archives
# (checked with nm: DPDK's mlx5 symbols are all mlx5_*-prefixed but disjoint
# from rdma-core's).
set(_rdma_libs)
if(JUNCTION_DPDK_MLX5)
  foreach(l mlx5 ibverbs nl-route-3 nl-3)
    junction_find_static_archive(${l})
    list(APPEND _rdma_libs ${JUNCTION_DPDK_A_${l}})
  endforeach()
endif()

# System libraries. In the static-pie link the linker picks their .a files;
# a dynamic test binary gets the .so files, which is also correct.
#   xdp, bpf, elf, z: net_af_xdp     numa: eal     bsd, md: eal (strlcpy)
#   atomic: 16-byte atomics in rte_ring/eal     m: ethdev (log10)
set(_dpdk_system xdp bpf elf z numa bsd md atomic m pthread dl)

# ---- targets ------------------------------------------------------------------

# Only the -I part of `pkg-config --cflags libdpdk`. It also lists libnl3 and
# dbus include directories (Requires.private of libdpdk) that our code does
# not need but that are harmless.
add_library(junction_dpdk INTERFACE)
target_include_directories(junction_dpdk SYSTEM INTERFACE ${DPDK_INCLUDE_DIRS})
string(REPLACE ";" "," _dpdk_whole_csv "${_dpdk_whole}")
target_link_libraries(junction_dpdk INTERFACE
  "$<LINK_LIBRARY:WHOLE_ARCHIVE,${_dpdk_whole_csv}>"
  ${_dpdk_libs}
  ${_rdma_libs}
  ${_dpdk_system})
# Drivers and core libraries carry code we never call (sections from whole
# archives that nothing references); let the linker drop what it can.
target_link_options(junction_dpdk INTERFACE LINKER:--gc-sections)

add_library(junction_dpdk_headers INTERFACE)
target_link_libraries(junction_dpdk_headers INTERFACE junction_dpdk)
target_compile_options(junction_dpdk_headers INTERFACE -msse4.2 -mpopcnt)
if(JUNCTION_DPDK_MLX5)
  target_compile_definitions(junction_dpdk_headers INTERFACE JUNCTION_DPDK_MLX5=1)
endif()

string(REPLACE ";" " " _drivers_msg "${JUNCTION_DPDK_DRIVERS}")
message(STATUS "DPDK drivers linked whole-archive: ${_drivers_msg}")
