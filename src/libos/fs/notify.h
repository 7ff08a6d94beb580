// Events of the LibOS's own file systems for inotify (Linux's fsnotify
// hooks, include/linux/fsnotify.h). tmpfs says what happened to which
// inode; inotify (fs/inotify.h) queues it for the watches on that inode
// and, for the events a directory hears about its entries, for the
// watches on its directory, with the entry's name.
//
// With no watch on any LibOS inode (the usual case) every hook costs one
// load and a branch (NotifyAny).
#pragma once

#include <cstdint>
#include <string>

namespace junction::libos::fs {

struct InotifyWatch;

// The inotify watches on one inode of a LibOS file system (a tmpfs node).
// Its owner calls NotifyGone once the inode has no name and is not open;
// watches still there when it is destroyed are dropped (IN_IGNORED).
class NotifyInode {
 public:
  NotifyInode() = default;
  ~NotifyInode();
  NotifyInode(const NotifyInode&) = delete;
  NotifyInode& operator=(const NotifyInode&) = delete;
  // A hint read without the lock: a watch added meanwhile may miss an
  // event that raced with its creation, as on Linux.
  bool watched() const { return __atomic_load_n(&watches, __ATOMIC_RELAXED) != nullptr; }

  InotifyWatch* watches = nullptr;  // guarded by g_inotify_lock (fs/inotify.h)
};

// How many watches there are on LibOS inodes, in all instances.
extern int g_notify_watches;
inline bool NotifyAny() { return __atomic_load_n(&g_notify_watches, __ATOMIC_RELAXED) != 0; }

// An event (one IN_* bit, with IN_ISDIR for a directory) on inode `self`
// (null: only its directory hears of it), entry `name` of directory `dir`
// (null: no directory watch hears of it: the root, or an inode-only event).
// The directory's watches hear it first, with the name, then the inode's
// own. `unlinked`: it came through an open file whose name is gone
// (IN_EXCL_UNLINK watches ignore it).
void NotifySlow(NotifyInode* dir, const std::string* name, NotifyInode* self, uint32_t mask,
                uint32_t cookie, bool unlinked);
inline void Notify(NotifyInode* dir, const std::string* name, NotifyInode* self, uint32_t mask,
                   uint32_t cookie = 0, bool unlinked = false) {
  if (NotifyAny()) NotifySlow(dir, name, self, mask, cookie, unlinked);
}

// The inode is gone (no name left, no open file): IN_DELETE_SELF, then
// every watch on it is removed (IN_IGNORED).
void NotifyGoneSlow(NotifyInode* self);
inline void NotifyGone(NotifyInode* self) {
  if (self->watched()) NotifyGoneSlow(self);
}

// A cookie pairing an IN_MOVED_FROM with its IN_MOVED_TO.
uint32_t NextNotifyCookie();

}  // namespace junction::libos::fs
