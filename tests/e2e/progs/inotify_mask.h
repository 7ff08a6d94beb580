// An inotify event mask as text ("CREATE|ISDIR"), for the inotify tests.
#pragma once

#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>

static inline const char* inotify_mask_name(uint32_t m) {
  static const struct { uint32_t bit; const char* name; } names[] = {
      {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"},
      {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"},
      {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"}, {IN_CREATE, "CREATE"},
      {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
      {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"}};
  static char buf[256];
  buf[0] = 0;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (m & names[i].bit) strcat(strcat(buf, buf[0] ? "|" : ""), names[i].name);
  return buf;
}
