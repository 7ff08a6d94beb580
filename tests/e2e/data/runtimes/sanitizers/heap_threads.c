// A program for AddressSanitizer: threads that allocate, then (with an
// argument) a one-byte heap overflow.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void* churn(void* arg) {
  char* p = malloc(100);
  memset(p, 1, 100);
  free(p);
  return arg;
}

int main(int argc, char** argv) {
  (void)argv;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, churn, 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  printf("threads ok\n");
  fflush(stdout);
  if (argc > 1) {
    char* p = malloc(10);
    p[10] = 1;
    free(p);
  }
  return 0;
}
