// Symlinks whose target must be a directory ("f/", "f/.", "d/", "d/./"):
// open, stat and chdir through them three times each (the first walks,
// the later ones use the container's known links, fs/link_hints.h), at
// the end of a path and in its middle; a regular file there is ENOTDIR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/e2e_link_dir_targets_XXXXXX";

static const char* res(int r) { return r >= 0 ? "ok" : strerrorname_np(errno); }

static void look(const char* rel) {
  char p[256];
  snprintf(p, sizeof(p), "%s/%s", dir, rel);
  for (int i = 0; i < 3; i++) {
    int fd = open(p, O_RDONLY);
    struct stat st;
    int s = stat(p, &st);
    printf("%s #%d: open %s, stat %s%s\n", rel, i, res(fd), res(s), s == 0 && S_ISDIR(st.st_mode) ? " (dir)" : "");
    if (fd >= 0) close(fd);
  }
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  if (chdir(dir)) return 1;
  close(open("f", O_CREAT | O_WRONLY, 0644));
  mkdir("d", 0755);
  close(open("d/x", O_CREAT | O_WRONLY, 0644));
  const char* targets[] = {"f/", "f/.", "f//", "d/", "d/.", "d/./", "./f/", "f/./"};
  for (int i = 0; i < 8; i++) {
    char name[16];
    snprintf(name, sizeof(name), "l%d", i);
    symlink(targets[i], name);
    printf("%s -> %s\n", name, targets[i]);
    look(name);
    char mid[32];
    snprintf(mid, sizeof(mid), "%s/x", name);
    look(mid);
  }
  // chdir through one: the working directory is the directory, no "/."
  char cwd[512];
  int r = chdir("l4");
  printf("chdir l4 %s, cwd ends with /d: %s\n", res(r),
         getcwd(cwd, sizeof(cwd)) && strlen(cwd) > 2 && !strcmp(cwd + strlen(cwd) - 2, "/d") ? "yes" : "no");
  r = chdir("../l1");
  printf("chdir ../l1 %s\n", res(r));
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd);
}
