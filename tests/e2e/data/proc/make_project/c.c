int f_c(int x) { return x + 'c'; }
