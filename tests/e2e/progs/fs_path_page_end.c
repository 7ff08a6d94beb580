// A path string that ends on the last byte of a page whose next page,
// within the same mapping, cannot be read (a file mapping past the file's
// end: SIGBUS). open, stat and statx of it must give what Linux gives (the
// LibOS reads the guest's string no further than Linux does).
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  char file[64];
  snprintf(file, sizeof(file), "/tmp/fs_path_page_end.%d", (int)getpid());
  long page = sysconf(_SC_PAGESIZE);
  int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, page) != 0) return 1;
  char* m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return 1;
  // Paths of every length 1..40 ending at the page's last byte.
  const char* base = "/tmp/fs_path_page_end_no_such_file_here/x";
  for (size_t len = 1; len <= strlen(base); len++) {
    char* p = m + page - 1 - len;
    memcpy(p, base + strlen(base) - len, len);
    p[len] = 0;
    p[0] = '/';
    struct stat st;
    int o = open(p, O_RDONLY);
    int oe = errno;
    int s = stat(p, &st);
    int se = errno;
    printf("len %zu: open %d %s, stat %d %s\n", len, o < 0 ? -1 : 0, o < 0 ? strerrorname_np(oe) : "",
           s, s ? strerrorname_np(se) : "");
    if (o >= 0) close(o);
  }
  munmap(m, 2 * page);
  close(fd);
  unlink(file);
  return 0;
}
