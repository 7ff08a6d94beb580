// Paths through symlinks after another process changed the links. Under
// junction the first resolutions teach the container which names are links
// (fs/link_hints.h); every answer must still be the file system's as it is
// now: a link retargeted, renamed over, replaced by a directory, removed or
// left dangling by another process is seen by the next open and stat.
//
// Without arguments the changes are made by a forked child (another process
// of the container). With `serve DIR` it opens, for each line of stdin, the
// path DIR/LINE and prints the file's first line or the errno's name, so
// that a script can make the changes from a host process
// (fs_link_changes_host.sh).
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64];

static void show(const char* rel) {
  char path[256], buf[64];
  snprintf(path, sizeof(path), "%s/%s", base, rel);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: open %s\n", rel, strerrorname_np(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  buf[strcspn(buf, "\n")] = 0;
  struct stat st;
  int r = stat(path, &st);
  printf("%s: \"%s\", stat %s\n", rel, buf, r == 0 ? (S_ISREG(st.st_mode) ? "regular" : "other") : strerrorname_np(errno));
}

// Each path a few times: the first walk teaches, the later ones use it.
static void show_all(const char* when) {
  printf("-- %s\n", when);
  for (int i = 0; i < 3; i++) {
    show("top/f");
    show("d/deep/f");
    show("d/abs");
  }
}

static void put(const char* rel, const char* text) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", base, rel);
  FILE* f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

static void at(char* out, const char* rel) { snprintf(out, 256, "%s/%s", base, rel); }

// In another process: `change` then exit.
static void in_child(void (*change)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    change();
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) printf("child failed\n");
}

static void retarget(void) {
  char p[256];
  at(p, "top");
  unlink(p);
  symlink("d2", p);
  at(p, "d/deep");
  unlink(p);
  symlink("../d2", p);
}

static void rename_over(void) {
  char p[256], q[256];
  at(p, "newtop");
  symlink("d1", p);
  at(q, "top");
  rename(p, q);
  at(p, "newabs");
  symlink("/nonexistent/abs", p);
  at(q, "d/abs");
  rename(p, q);
}

static void to_directory(void) {
  char p[256];
  at(p, "top");
  unlink(p);
  mkdir(p, 0755);
  put("top/f", "three");
}

static void remove_all(void) {
  char p[256];
  at(p, "top/f");
  unlink(p);
  at(p, "top");
  rmdir(p);
  at(p, "d/deep");
  unlink(p);
  symlink("missing", p);
}

static int serve(const char* dir) {
  snprintf(base, sizeof(base), "%s", dir);
  char line[256];
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\n")] = 0;
    show(line);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  strcpy(base, "/tmp/fs_link_changes.XXXXXX");
  if (!mkdtemp(base)) return 1;
  char p[256], q[256];
  at(p, "d1");
  mkdir(p, 0755);
  at(p, "d2");
  mkdir(p, 0755);
  at(p, "d");
  mkdir(p, 0755);
  put("d1/f", "one");
  put("d2/f", "two");
  at(p, "top");
  symlink("d1", p);
  at(p, "d/deep");
  symlink("../d1", p);
  at(p, "d/abs");
  snprintf(q, sizeof(q), "%s/d2/f", base);
  symlink(q, p);
  show_all("start");
  in_child(retarget);
  show_all("retargeted by another process");
  in_child(rename_over);
  show_all("renamed over by another process");
  in_child(to_directory);
  show_all("a directory in the link's place");
  in_child(remove_all);
  show_all("removed, and dangling");
  for (const char** f = (const char*[]){"d1/f", "d2/f", "d/deep", "d/abs", "top", NULL}; *f; f++) {
    at(p, *f);
    unlink(p);
  }
  for (const char** d = (const char*[]){"d1", "d2", "d", NULL}; *d; d++) {
    at(p, *d);
    rmdir(p);
  }
  return rmdir(base) == 0 ? 0 : 1;
}
