#!/bin/sh
# gcc with link-time optimisation in two parallel jobs (-flto=2: the
# linker plugin runs lto-wrapper, which runs make -j2 of ltrans jobs),
# gcc-ar of fat LTO objects, clang with ThinLTO through lld, clang++
# with std::async threads.
set -e
src=$(cd "$(dirname "$0")"/c_lto && pwd)
out=$(mktemp -d /tmp/c_toolchains.XXXXXX)
trap 'rm -rf "$out"' EXIT
cd "$src"
gcc -O2 -flto=2 -fuse-linker-plugin -o $out/lto main.c m1.c m2.c m3.c m4.c m5.c m6.c && $out/lto
gcc -O2 -flto=auto -ffat-lto-objects -c m1.c -o $out/m1.o && gcc-ar rcs $out/libm1.a $out/m1.o && echo "gcc-ar ok"
gcc -O2 -flto=2 -o $out/lto_ar main.c m2.c m3.c m4.c m5.c m6.c $out/libm1.a && $out/lto_ar
clang -O2 -flto=thin -fuse-ld=lld -o $out/thin main.c m1.c m2.c m3.c m4.c m5.c m6.c && $out/thin
clang++ -std=c++20 -O1 -pthread -x c++ - -o $out/cxx <<'CXX' && $out/cxx
#include <future>
#include <iostream>
#include <vector>
int main() {
  std::vector<std::future<int>> v;
  for (int i = 0; i < 4; i++) v.push_back(std::async(std::launch::async, [i] { return i * i; }));
  int s = 0;
  for (auto& f : v) s += f.get();
  std::cout << "clang++ " << s << std::endl;
}
CXX
