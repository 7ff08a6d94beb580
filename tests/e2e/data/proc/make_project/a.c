int f_a(int x) { return x + 'a'; }
