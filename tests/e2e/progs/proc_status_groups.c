// /proc/self/status's Groups: line after setgroups, as Linux's task_state
// prints it (each group, space-separated, then one trailing space). Go's
// syscall.TestSetuidEtc reads it.
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(const char* what) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Groups:", 7)) {
      line[strcspn(line, "\n")] = 0;
      printf("%s: [%s]\n", what, line);
    }
  if (f) fclose(f);
}

int main(void) {
  gid_t four[] = {0, 1, 2, 3}, one[] = {7};
  printf("setgroups 4: %d\n", setgroups(4, four));
  show("four groups");
  printf("setgroups 1: %d\n", setgroups(1, one));
  show("one group");
  printf("setgroups 0: %d\n", setgroups(0, NULL));
  show("no groups");
  return 0;
}
