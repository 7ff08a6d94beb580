#include <stdio.h>
int f5(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 5; return s; }
