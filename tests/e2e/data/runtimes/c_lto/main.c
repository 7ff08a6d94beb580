#include <stdio.h>
int f1(int), f2(int), f3(int), f4(int), f5(int), f6(int);
int main(void) { printf("%d\n", f1(10) + f2(20) + f3(30) + f4(40) + f5(50) + f6(60)); return 0; }
