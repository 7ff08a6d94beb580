#define _GNU_SOURCE
// `fs_tmpfs_full DIR`, DIR an empty tmpfs of size 1M (natively a real
// tmpfs, under junction a config tmpfs mount): a write that does not fit
// writes what fits (up to the last page the mount can still give) and
// returns the short count, the next one fails with ENOSPC; the same for
// pwrite, writev, pwritev and O_APPEND; a write into a page the file
// already holds needs no room; a sparse write pays only for its pages;
// ftruncate grows a file without room (sparse), fallocate needs room for
// the whole range or fails with ENOSPC and allocates nothing; statfs and
// st_blocks follow the pages held.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "in_dir.h"
#include "show_call.h"

static char big[3 << 20];

static void blocks(const char* label, int fd) {
  struct stat st;
  struct statfs sf;
  if (fstat(fd, &st) != 0 || statfs(dir, &sf) != 0) {
    printf("%s: stat failed: %s\n", label, strerror(errno));
    return;
  }
  printf("%s: size %lld, %lld KiB held, %llu KiB free\n", label, (long long)st.st_size,
         (long long)st.st_blocks / 2, (unsigned long long)sf.f_bfree * sf.f_bsize / 1024);
}

static int create(const char* name, int flags) {
  int fd = open(P(name), O_RDWR | O_CREAT | O_TRUNC | flags, 0644);
  if (fd < 0) {
    printf("open %s: %s\n", name, strerror(errno));
    exit(1);
  }
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  dir = argv[1];
  memset(big, 'x', sizeof(big));

  // A small file holding one page, then one bigger than what is left.
  int a = create("a", 0);
  SHOW("write a 100", write(a, big, 100));
  int b = create("b", 0);
  SHOW("write b 2M", write(b, big, 2 << 20));
  SHOW("write b again", write(b, big, 10));
  SHOW("write b 0 bytes", write(b, big, 0));
  blocks("b full", b);
  // Into a's first page (held): the rest of that page fits, no more.
  SHOW("write a 8000", write(a, big, 8000));
  SHOW("pwrite b at 0 (held)", pwrite(b, big, 4096, 0));
  SHOW("pwrite b past its end", pwrite(b, big, 10, 2 << 20));
  // Growing without writing is free; allocating is not.
  SHOW("ftruncate b 4M", ftruncate(b, 4 << 20));
  blocks("b sparse", b);
  SHOW("fallocate b 4K at 4M", fallocate(b, 0, 4 << 20, 4096));
  SHOW("ftruncate b 256K", ftruncate(b, 256 << 10));
  blocks("b cut", b);
  // writev/pwritev: the part that fits, across the vectors.
  struct iovec iov[3] = {{big, 300000}, {big, 300000}, {big, 300000}};
  SHOW("lseek b end", lseek(b, 0, SEEK_END));
  SHOW("writev b 900000", writev(b, iov, 3));
  SHOW("writev b again", writev(b, iov, 3));
  SHOW("ftruncate b 512K", ftruncate(b, 512 << 10));
  SHOW("pwritev b 900000 at 100000", pwritev(b, iov, 3, 100000));
  blocks("b pwritev", b);
  SHOW("ftruncate b 0", ftruncate(b, 0));
  blocks("b empty", b);
  // fallocate: all of the range or nothing.
  SHOW("fallocate b 2M", fallocate(b, 0, 0, 2 << 20));
  blocks("b after failed fallocate", b);
  SHOW("fallocate b 512K", fallocate(b, 0, 0, 512 << 10));
  SHOW("fallocate b 512K keep size at 512K", fallocate(b, FALLOC_FL_KEEP_SIZE, 512 << 10, 512 << 10));
  blocks("b allocated", b);
  SHOW("punch b 256K", fallocate(b, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 256 << 10));
  blocks("b punched", b);
  // A write over the punched hole and the held pages after it.
  SHOW("pwrite b 600K at 100K", pwrite(b, big, 600 << 10, 100 << 10));
  blocks("b refilled", b);
  SHOW("ftruncate b 0", ftruncate(b, 0));
  // A sparse write far out pays for its own pages only.
  int c = create("c", 0);
  SHOW("pwrite c 200K at 10M", pwrite(c, big, 200 << 10, 10 << 20));
  blocks("c sparse", c);
  // O_APPEND: from the end, the part that fits.
  int d = create("d", O_APPEND);
  SHOW("append d 1M", write(d, big, 1 << 20));
  SHOW("append d again", write(d, big, 1));
  blocks("d", d);
  // Freed room is usable again.
  close(c);
  SHOW("unlink c", unlink(P("c")));
  SHOW("append d 300K", write(d, big, 300 << 10));
  blocks("d more", d);
  close(a);
  close(b);
  close(d);
  unlink(P("a"));
  unlink(P("b"));
  unlink(P("d"));
  return 0;
}
