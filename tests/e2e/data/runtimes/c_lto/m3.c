#include <stdio.h>
int f3(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * 3; return s; }
