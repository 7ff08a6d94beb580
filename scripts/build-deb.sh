#!/usr/bin/env bash
# Builds the release preset and the Debian package from it:
#   scripts/build-deb.sh      ->  build/release/junction_<version>_amd64.deb
# Install with `sudo dpkg -i build/release/junction_*_amd64.deb`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release
cmake --build --preset release
(cd build/release && cpack -G DEB)
ls -l build/release/junction_*_amd64.deb
