#!/bin/sh
# Debian's cargo and rustc, offline: a crate with a build script (which
# runs rustc itself), a path dependency and four codegen units, built with
# a two-job jobserver in a fresh target directory; the binary's output
# (threads, channels, a child process, TCP over loopback, a caught panic),
# the library's unit tests, a no-op and an incremental rebuild.
set -e
src=$(cd "$(dirname "$0")"/rust_crate && pwd)
work=$(mktemp -d /tmp/cargo_build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$src"/. "$work"/
cd "$work"
export CARGO_HOME="$work/.cargo" CARGO_TARGET_DIR="$work/target" CARGO_TERM_COLOR=never
cargo build --offline -j2 -q
./target/debug/cargo_e2e 2>/dev/null
cargo test --offline -j2 -q --lib 2>&1 | grep -E '^test result' | sed 's/finished in [0-9.]*s/finished/'
cargo build --offline -j2 -q && echo "rebuild ok"
touch src/lib.rs
cargo build --offline -j2 -q && echo "incremental ok"
