#include <stdio.h>
int f1(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 1; return s; }
