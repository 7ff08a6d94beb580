#include <stdio.h>
int f6(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 6; return s; }
