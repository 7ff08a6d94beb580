#include "libos/fs/synthetic.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "libos/fs/path.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

std::string ReadHostFile(const std::string& path) {
  std::string out;
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path.c_str()), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    long n = host::Syscall(SYS_read, fd, host::L(buf), sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  host::Syscall(SYS_close, fd);
  return out;
}

SynthNode Text(std::function<std::string()> f, unsigned perm) {
  SynthNode n;
  n.kind = SynthNode::kFile;
  n.text = std::move(f);
  n.perm = perm;
  return n;
}

SynthNode OwnedBy(SynthNode n, uint32_t uid, uint32_t gid, bool dumpable) {
  bool world_dir = n.kind == SynthNode::kDir && !n.open_error;  // 0555
  n.uid = dumpable || world_dir ? uid : 0;
  n.gid = dumpable || world_dir ? gid : 0;
  return n;
}

SynthNode LinkNode(std::string target, bool magic) {
  SynthNode n;
  n.kind = SynthNode::kLink;
  n.target = std::move(target);
  n.magic = magic;
  return n;
}

bool ParseFd(const std::string& s, long* fd) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  *fd = std::atol(s.c_str());
  return true;
}

namespace {

struct stat NodeStat(const SynthNode& n, uint64_t dev, uint64_t ino, unsigned mode, uint64_t size = 0) {
  struct stat st = SyntheticStat(dev, ino, mode, size);
  st.st_uid = n.uid;
  st.st_gid = n.gid;
  return st;
}

}  // namespace

SysResult<struct stat> SynthFs::Lstat(const std::string& rel) {
  SynthNode n = Describe(SplitPath(rel));
  switch (n.kind) {
    case SynthNode::kNone: return Errno{ENOENT};
    case SynthNode::kDir: return NodeStat(n, dev_, PathIno(rel), S_IFDIR | (n.open_error ? 0500 : 0555));
    case SynthNode::kFile: return NodeStat(n, dev_, PathIno(rel), S_IFREG | n.perm);
    case SynthNode::kLink: return NodeStat(n, dev_, PathIno(rel), S_IFLNK | 0777, n.target.size());
    case SynthNode::kDevice: {
      struct stat st;
      long r = host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(n.host_device.c_str()), host::L(&st), 0);
      if (r < 0) return Errno{static_cast<int>(-r)};
      return st;
    }
  }
  return Errno{ENOENT};
}

SysResult<std::string> SynthFs::Readlink(const std::string& rel) {
  SynthNode n = Describe(SplitPath(rel));
  if (n.kind == SynthNode::kNone) return Errno{ENOENT};
  if (n.kind != SynthNode::kLink) return Errno{EINVAL};
  if (n.open_error) return Errno{n.open_error};
  return n.target;
}

bool SynthFs::IsMagicLink(const std::string& rel) {
  SynthNode n = Describe(SplitPath(rel));
  return n.kind == SynthNode::kLink && n.magic;
}

SysResult<FilePtr> SynthFs::OpenMagic(const std::string& rel, int) {
  SynthNode n = Describe(SplitPath(rel));
  if (!n.magic_file) return Errno{ENOENT};
  return n.magic_file;
}

SysResult<FilePtr> SynthFs::Open(const std::string& rel, int flags, unsigned) {
  SynthNode n = Describe(SplitPath(rel));
  int acc = flags & O_ACCMODE;
  switch (n.kind) {
    case SynthNode::kNone:
      return Errno{(flags & O_CREAT) ? EACCES : ENOENT};
    case SynthNode::kDir: {
      if (acc != O_RDONLY && !(flags & O_PATH)) return Errno{EISDIR};
      if (n.open_error && !(flags & O_PATH)) return Errno{n.open_error};
      uint64_t ino = PathIno(rel);
      std::vector<DirEntry> ents = {{".", ino, DT_DIR}, {"..", ino, DT_DIR}};
      for (auto& e : n.entries) ents.push_back(e);
      return FilePtr(std::make_shared<SyntheticDir>(flags, std::string(), std::move(ents),
                                                    NodeStat(n, dev_, ino, S_IFDIR | 0555),
                                                    n.list_later));
    }
    case SynthNode::kFile:
      if (acc != O_RDONLY && !(flags & O_PATH) && !(n.perm & 0200)) return Errno{EACCES};
      if (n.open_error && !(flags & O_PATH)) return Errno{n.open_error};
      return FilePtr(std::make_shared<TextFile>(flags, std::string(), (flags & O_PATH) ? "" : n.text(),
                                                NodeStat(n, dev_, PathIno(rel), S_IFREG | n.perm)));
    case SynthNode::kLink:
      return FilePtr(std::make_shared<TextFile>(flags, std::string(), std::string(),
                                                NodeStat(n, dev_, PathIno(rel), S_IFLNK | 0777)));
    case SynthNode::kDevice: {
      long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(n.host_device.c_str()),
                              (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC, 0);
      if (fd < 0) return Errno{static_cast<int>(-fd)};
      return FilePtr(std::make_shared<HostFile>(flags & ~O_CLOEXEC, std::string(), static_cast<int>(fd)));
    }
  }
  return Errno{ENOENT};
}

SysResult<void> SynthFs::Statfs(const std::string& rel, struct statfs* out) {
  TRY_VOID(Filesystem::Statfs(rel, out));
  out->f_type = magic_;
  return {};
}

}  // namespace junction::libos::fs
