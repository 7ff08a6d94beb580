// File systems whose tree the LibOS generates (procfs, sysfs, devfs): each
// describes a node from its path; content is generated when opened.
#pragma once

#include <dirent.h>

#include <functional>
#include <string>
#include <vector>

#include "libos/fs/file.h"

namespace junction::libos::fs {

struct SynthNode {
  enum Kind { kNone, kDir, kFile, kLink, kDevice } kind = kNone;
  unsigned perm = 0444;
  std::vector<DirEntry> entries;       // kDir (without "." and "..")
  std::function<std::vector<DirEntry>()> list_later;  // kDir: more, at first read
  std::function<std::string()> text;   // kFile
  std::string target;                  // kLink
  bool magic = false;                  // kLink: a procfs magic link
  FilePtr magic_file;                  // /proc/self/fd/N: the file itself
  std::string host_device;             // kDevice: host node, e.g. "/dev/null"
  int open_error = 0;                  // open, readlink fail with this errno (stat works)
  uint32_t uid = 0, gid = 0;           // owner (/proc/PID/...: the process's effective ids)
};

// `n` below a process's /proc/PID, owned by its effective `uid` and `gid`
// as Linux's task_dump_owner: if it is not `dumpable`, by root, except
// the world-readable directories (procps stats /proc/PID for the user).
SynthNode OwnedBy(SynthNode n, uint32_t uid, uint32_t gid, bool dumpable = true);

inline uint8_t DtOf(SynthNode::Kind k) {
  return k == SynthNode::kDir ? DT_DIR : k == SynthNode::kLink ? DT_LNK : k == SynthNode::kDevice ? DT_CHR : DT_REG;
}

// A directory node listing the given names, described by `describe`.
template <typename F>
SynthNode DirOf(const std::vector<std::string>& names, const std::string& base, F describe) {
  SynthNode n;
  n.kind = SynthNode::kDir;
  for (const auto& name : names) {
    SynthNode c = describe(name);
    if (c.kind != SynthNode::kNone) n.entries.push_back({name, PathIno(base + "/" + name), DtOf(c.kind)});
  }
  return n;
}

// A file whose text `f` makes when it is opened.
SynthNode Text(std::function<std::string()> f, unsigned perm = 0444);
// A symbolic link; `magic`: a procfs magic link (opened through magic_file).
SynthNode LinkNode(std::string target, bool magic = false);
// A decimal number of at most 9 digits (a descriptor, a pid, a CPU).
bool ParseFd(const std::string& s, long* fd);

class SynthFs : public Filesystem {
 public:
  explicit SynthFs(uint64_t dev) : dev_(dev) { read_only = false; }
  virtual SynthNode Describe(const std::vector<std::string>& comps) = 0;

  SysResult<struct stat> Lstat(const std::string& rel) override;
  SysResult<std::string> Readlink(const std::string& rel) override;
  bool IsMagicLink(const std::string& rel) override;
  SysResult<FilePtr> OpenMagic(const std::string& rel, int flags) override;
  SysResult<FilePtr> Open(const std::string& rel, int flags, unsigned mode) override;
  SysResult<void> Statfs(const std::string& rel, struct statfs* out) override;

 protected:
  uint64_t dev_;
  long magic_ = 0;
};

// Reads a host file whole ("" if it cannot be read).
std::string ReadHostFile(const std::string& path);

}  // namespace junction::libos::fs
