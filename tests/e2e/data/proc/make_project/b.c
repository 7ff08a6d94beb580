int f_b(int x) { return x + 'b'; }
