// Smallest guest: prints a line and exits 0. Build it static, static-pie,
// PIE and non-PIE to exercise each loader path.
#include <stdio.h>

int main(void) {
  puts("hello from the guest");
  return 0;
}
