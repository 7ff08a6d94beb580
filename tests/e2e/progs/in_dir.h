// P(name): the path of `name` in the directory `dir` the program works in
// (four buffers in turn: up to four paths in one call). main sets `dir`.
#pragma once

#include <stdio.h>

static const char* dir;

static const char* P(const char* name) {
  static char buf[4][256];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
  return buf[i];
}
