#include <stdio.h>
int f_a(int), f_b(int), f_c(int);
int main(void) { printf("%d\n", f_a(1) + f_b(2) + f_c(3)); return 0; }
