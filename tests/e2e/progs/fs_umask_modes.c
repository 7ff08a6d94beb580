// Modes of created files, directories, FIFOs and unix socket files under
// umasks that clear fewer bits than the caller's starting one (CPython's
// test_os MakedirTests.test_mode, test_pathlib test_open_mode: umask 002
// or 0 must give 0775 directories and 0666 files).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void Show(const char* what, const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    printf("%s: missing\n", what);
    return;
  }
  printf("%s: %04o\n", what, st.st_mode & 07777);
}

int main(void) {
  char dir[] = "/tmp/umask-modes-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  if (chdir(dir) != 0) return 1;
  const unsigned masks[] = {0, 002, 022, 077};
  for (unsigned i = 0; i < sizeof masks / sizeof *masks; i++) {
    umask(masks[i]);
    printf("umask %03o (reads back %03o)\n", masks[i], umask(masks[i]));
    char name[64];
    snprintf(name, sizeof name, "dir%u", i);
    mkdir(name, 0777);
    Show("  mkdir 0777", name);
    snprintf(name, sizeof name, "file%u", i);
    close(open(name, O_CREAT | O_WRONLY, 0666));
    Show("  open 0666", name);
    snprintf(name, sizeof name, "fifo%u", i);
    mkfifo(name, 0666);
    Show("  mkfifo 0666", name);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "sock%u", i);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(s, (struct sockaddr*)&sa, sizeof sa);
    Show("  bind", sa.sun_path);
    close(s);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}
