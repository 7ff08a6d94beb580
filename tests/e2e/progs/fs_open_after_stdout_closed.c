// A program whose stdout is closed gets descriptor 1 from its next opens
// (CPython's test_cmd_line test_no_stdout: an interpreter started with fd
// 1 closed must see no stdout, though its start-up opens and closes
// files). The lazy open's "not lazy" answer was 1, so an open that got
// descriptor 1 was done again on the full path: the caller got 3 and
// descriptor 1 stayed open on the file.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "show_call.h"

int main(void) {
  // The report goes to a copy of stdout (closed below).
  int out = dup(1);
  if (out < 0 || dup2(out, 100) < 0) return 1;
  close(out);
  FILE* report = fdopen(100, "w");
  setvbuf(report, NULL, _IONBF, 0);
  stdout = report;
  SHOW("close stdout", close(1));
  const char* files[] = {"/etc/passwd", "/etc/hosts", "/etc/passwd", "/"};
  for (int i = 0; i < 4; i++) {
    int fd = open(files[i], O_RDONLY | O_CLOEXEC);
    printf("open %s: %d\n", files[i], fd);
    struct stat st;
    SHOW("fstat 3 (no other descriptor)", fstat(3, &st));
    SHOW("close it", close(fd));
    SHOW("fstat 1 after close", fstat(1, &st));
  }
  return 0;
}
