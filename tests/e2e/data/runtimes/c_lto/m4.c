#include <stdio.h>
int f4(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 4; return s; }
