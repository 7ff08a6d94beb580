// name_to_handle_at compared with Linux on a file of the container root
// (a host file system): sizes (EOVERFLOW with the size needed, EINVAL
// over MAX_HANDLE_SZ), the same handle by path and by descriptor, a
// symlink's own handle or its target's, the mount id of the file's mount
// in /proc/self/mountinfo, the errors (flags, missing path, bad
// pointers, procfs); open_by_handle_at without CAP_DAC_READ_SEARCH.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show_call.h"

struct Handle {
  struct file_handle h;
  unsigned char bytes[MAX_HANDLE_SZ];
};

// The mount id /proc/self/mountinfo gives the mount at `point`.
static int MountInfoId(const char* point) {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  char line[4096];
  int found = -1;
  while (f && fgets(line, sizeof(line), f)) {
    int id, parent;
    char root[1024], mp[1024];
    if (sscanf(line, "%d %d %*s %1023s %1023s", &id, &parent, root, mp) == 4 && strcmp(mp, point) == 0) found = id;
  }
  if (f) fclose(f);
  return found;
}

static int Same(const struct Handle* a, const struct Handle* b) {
  return a->h.handle_bytes == b->h.handle_bytes && a->h.handle_type == b->h.handle_type &&
         memcmp(a->bytes, b->bytes, a->h.handle_bytes) == 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char dir[] = "/tmp/fs_file_handleXXXXXX";
  if (!mkdtemp(dir)) return 1;
  char file[256], link[256];
  snprintf(file, sizeof(file), "%s/file", dir);
  snprintf(link, sizeof(link), "%s/link", dir);
  close(open(file, O_CREAT | O_WRONLY, 0644));
  symlink("file", link);
  int mnt = -1;

  struct Handle small = {{0, 0}, {0}};
  SHOW("handle_bytes 0", name_to_handle_at(AT_FDCWD, file, &small.h, &mnt, 0));
  printf("  handle_bytes now %u (type %d)\n", small.h.handle_bytes, small.h.handle_type);
  struct Handle big = {{MAX_HANDLE_SZ + 1, 0}, {0}};
  SHOW("handle_bytes 129", name_to_handle_at(AT_FDCWD, file, &big.h, &mnt, 0));

  struct Handle by_path = {{MAX_HANDLE_SZ, 0}, {0}};
  SHOW("by path", name_to_handle_at(AT_FDCWD, file, &by_path.h, &mnt, 0));
  printf("  handle_bytes %u, type %d\n", by_path.h.handle_bytes, by_path.h.handle_type);
  printf("  mount id is the root mount's in mountinfo: %d\n", mnt == MountInfoId("/"));
  int fd = open(file, O_RDONLY);
  struct Handle by_fd = {{MAX_HANDLE_SZ, 0}, {0}};
  SHOW("by descriptor (AT_EMPTY_PATH)", name_to_handle_at(fd, "", &by_fd.h, &mnt, AT_EMPTY_PATH));
  printf("  same handle: %d\n", Same(&by_path, &by_fd));
  SHOW("empty path without AT_EMPTY_PATH", name_to_handle_at(fd, "", &by_fd.h, &mnt, 0));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  struct Handle rel = {{MAX_HANDLE_SZ, 0}, {0}};
  SHOW("relative to a directory", name_to_handle_at(dfd, "file", &rel.h, &mnt, 0));
  printf("  same handle: %d\n", Same(&by_path, &rel));
  struct Handle l_no = {{MAX_HANDLE_SZ, 0}, {0}}, l_follow = {{MAX_HANDLE_SZ, 0}, {0}};
  SHOW("symlink", name_to_handle_at(AT_FDCWD, link, &l_no.h, &mnt, 0));
  SHOW("symlink, AT_SYMLINK_FOLLOW", name_to_handle_at(AT_FDCWD, link, &l_follow.h, &mnt, AT_SYMLINK_FOLLOW));
  printf("  the link's own: %d, the target's when followed: %d\n", !Same(&l_no, &by_path), Same(&l_follow, &by_path));

  struct Handle h = {{MAX_HANDLE_SZ, 0}, {0}};
  SHOW("bad flags", name_to_handle_at(AT_FDCWD, file, &h.h, &mnt, 0x8000));
  SHOW("missing path", name_to_handle_at(AT_FDCWD, "/tmp/no/such/file", &h.h, &mnt, 0));
  void* gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(gone, 4096);
  SHOW("bad handle pointer", name_to_handle_at(AT_FDCWD, file, gone, &mnt, 0));
  SHOW("bad mount id pointer", name_to_handle_at(AT_FDCWD, file, &h.h, gone, 0));
  SHOW("bad path pointer", name_to_handle_at(AT_FDCWD, gone, &h.h, &mnt, 0));
  SHOW("bad descriptor", name_to_handle_at(9999, "", &h.h, &mnt, AT_EMPTY_PATH));
  SHOW("procfs", name_to_handle_at(AT_FDCWD, "/proc/self/status", &h.h, &mnt, 0));

  // open_by_handle_at without CAP_DAC_READ_SEARCH: EPERM.
  struct __user_cap_header_struct ch = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct cd[2];
  syscall(SYS_capget, &ch, cd);
  cd[0].effective &= ~(1u << CAP_DAC_READ_SEARCH);
  SHOW("drop CAP_DAC_READ_SEARCH", syscall(SYS_capset, &ch, cd));
  SHOW("open_by_handle_at", open_by_handle_at(AT_FDCWD, &by_path.h, O_RDONLY));
  unlink(link);
  unlink(file);
  rmdir(dir);
  return 0;
}
