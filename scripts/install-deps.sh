#!/usr/bin/env bash
# Installs everything Junction's build, tests and examples need, from Debian's
# packages only. Idempotent: safe to run on every build and in CI.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (it calls apt-get)" >&2
  exit 2
fi

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config file clang libclang-rt-14-dev
  # libraries we build against
  libcli11-dev libtomlplusplus-dev doctest-dev
  libdpdk-dev dpdk-dev libibverbs-dev rdma-core libxdp-dev libbpf-dev
  libnuma-dev libelf-dev zlib1g-dev libbsd-dev libmd-dev libpcap-dev
  # static archives linked directly by vendor/DpdkStatic.cmake (mlx5)
  libnl-3-dev libnl-route-3-dev
  # packaging
  dpkg-dev fakeroot
  # programs the end-to-end tests run natively and under junction
  busybox-static coreutils python3 perl openssl sqlite3 hyperfine golang-go nodejs
  openjdk-17-jdk-headless
  # tests/e2e/runtimes2.cmake: more runtimes and toolchains
  erlang-nox ruby php-cli lua5.4 tcl tcl-thread cargo rustc lld
  iproute2 procps curl
  # tests/e2e/tools.cmake: git, tar's compressors, perl handlers
  git tar gzip xz-utils bzip2 zstd
  # e2e.fs_inotifywait runs inotifywait
  inotify-tools
  # servers the process tests run (redis BGSAVE forks, nginx master/workers);
  # their packaged services are kept from starting (below)
  redis-server redis-tools nginx-light
  # e2e.proc_postgres: the postmaster's System V shared memory, forked
  # backends, psql (its cluster service is kept from starting, below)
  postgresql
  # ab(1): the server load tests (tests/net/net_server_load_test.sh)
  apache2-utils
  # servers compared with Linux (tests/e2e/servers.cmake); memccapable and
  # memcslap drive memcached
  gunicorn memcached libmemcached-tools lighttpd haproxy
  # e2e.cpython_suite runs CPython's own regression tests (Debian's python3)
  libpython3.11-testsuite
  # tests/e2e/realapps.cmake: rsync, gpg and its agent, tmux, dbus-daemon,
  # ssh-agent; php-fpm behind nginx (its service is kept from starting, below)
  rsync gpg gpg-agent tmux dbus-daemon dbus-bin openssh-client php-fpm
  # tests/e2e/strace_test.sh compares --strace lines with real strace's
  strace
  # e2e.tools_capsh: capsh(1) reads and sets the capability sets;
  # e2e.tools_flock_timeout uses util-linux's flock(1)
  libcap2-bin util-linux
  # tests/net: Linux's side of the daemon's packet path (iperf3's service
  # is kept from starting, below); nftables injects loss where the kernel
  # has no tc netem
  iputils-ping ethtool iperf3 nftables
)

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  # Packages with a service (redis-server, nginx, iperf3, postgresql, memcached,
  # lighttpd, haproxy, php8.2-fpm) must not start it: the
  # tests start their own instances on free ports. A policy-rc.d answering
  # 101 tells invoke-rc.d not to start anything during the install.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Nor start at boot, nor keep running if an earlier install started them.
for svc in redis-server nginx iperf3 postgresql memcached lighttpd haproxy php8.2-fpm; do
  [ -e "/lib/systemd/system/$svc.service" ] || [ -e "/etc/init.d/$svc" ] || continue
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done
