#include <stdio.h>
int f2(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 2; return s; }
