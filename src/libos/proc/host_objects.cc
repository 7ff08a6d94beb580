#include "libos/proc/host_objects.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <string>

#include <map>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/epoll.h"
#include "libos/ipc/eventfd.h"
#include "libos/ipc/pipe.h"
#include "libos/net/socket.h"
#include "libos/process.h"

namespace junction::libos::proc {

namespace {

// LibOS pipes live in one process's memory; once two processes hold their
// ends they must be host pipes. Every LibOS pipe end in the descriptor
// table gets a host pipe end; ends sharing a description share the new
// one. Then each buffer moves its bytes to its host pipe and sends the
// calls blocked on it there (PipeBuffer::MoveToHost). The ends are taken
// from one snapshot of the table: an end missing from it is taken for
// closed, and its host end closed (another thread's new pipe, seen by
// number half made, then failed its writes with EPIPE).
void HostPipesForFork(const std::vector<fs::FilePtr>& files, fs::Replacements& replaced) {
  struct HostPipe {
    int fd[2];
    fs::FilePtr end[2];  // the replacements of its read and write ends
    fs::FilePtr original;  // keeps the buffer alive (another thread may close its ends)
  };
  std::map<ipc::PipeBuffer*, HostPipe> pipes;
  for (const fs::FilePtr& f : files) {
    auto* end = dynamic_cast<ipc::PipeEnd*>(f.get());
    if (!end || replaced.count(f.get())) continue;
    auto hp = pipes.find(&end->pipe());
    if (hp == pipes.end()) {
      HostPipe p{};
      if (host::Syscall(SYS_pipe2, host::L(p.fd), O_CLOEXEC) < 0) continue;
      p.original = f;
      hp = pipes.emplace(&end->pipe(), p).first;
    }
    int hfd = hp->second.fd[end->writer()];
    int flags = (end->writer() ? O_WRONLY : O_RDONLY) | (f->flags() & O_NONBLOCK);
    if (flags & O_NONBLOCK) host::Syscall(SYS_fcntl, hfd, F_SETFL, O_NONBLOCK);
    auto host = std::make_shared<fs::HostFile>(flags, f->path(), hfd);
    replaced.emplace(f.get(), host);
    hp->second.end[end->writer()] = host;
  }
  for (auto& [buf, p] : pipes) {
    buf->MoveToHost(p.fd[1], false, p.end[0], p.end[1]);
    // Ends nobody holds (a pipe whose other end was closed): close them.
    for (int i = 0; i < 2; i++)
      if (!p.end[i]) host::Syscall(SYS_close, p.fd[i]);
  }
}

}  // namespace

fs::Replacements MoveSharedObjectsToHost() {
  fs::Replacements replaced;
  // Only LibOS objects (no host descriptor) can need moving; most forks
  // have none, so skip the passes (and their reference-count writes).
  if (!fs::FdTable::Get().AnyFile([](const fs::File& f) { return f.host_fd() < 0; })) return replaced;
  // The objects in the table now stay alive until the end: another thread
  // may close their descriptors meanwhile, and `replaced` is keyed by
  // their addresses (a freed one could come back as another file: a new
  // pipe's end was then replaced by an old one's host end, and its writes
  // failed with EBADF or EPIPE). One snapshot for all the passes.
  std::vector<fs::FilePtr> originals = fs::FdTable::Get().Files();
  HostPipesForFork(originals, replaced);
  net::HostUnixSocketsForFork(replaced);
  ipc::HostEventFdsForFork(replaced);
  ipc::HostTimerFdsForFork(replaced);
  if (replaced.empty()) return replaced;
  fs::FdTable& table = fs::FdTable::Get();
  for (const fs::FilePtr& f : table.Files())
    if (auto* ep = dynamic_cast<ipc::Epoll*>(f.get())) ep->ReplaceMembers(replaced);
  for (auto& [old, host] : replaced) {
    // Signal-driven I/O now comes from the host (SIGIO to the owner).
    host->set_owner(old->owner());
    if (int h = proc::HostOwner(old->owner())) host::Syscall(SYS_fcntl, host->host_fd(), F_SETOWN, h);
    if (old->flags() & O_ASYNC) {
      long fl = host::Syscall(SYS_fcntl, host->host_fd(), F_GETFL);
      if (fl >= 0) host::Syscall(SYS_fcntl, host->host_fd(), F_SETFL, fl | O_ASYNC);
    }
  }
  table.ReplaceAll(replaced);
  return replaced;
}

fs::FilePtr AdoptHostDescriptor(int hfd) {
  struct stat st{};
  host::Syscall(SYS_fstat, hfd, host::L(&st));
  long fl = host::Syscall(SYS_fcntl, hfd, F_GETFL);
  int flags = fl < 0 ? O_RDWR : static_cast<int>(fl);
  if (S_ISSOCK(st.st_mode)) return net::WrapReceivedHostSocket(hfd, flags & O_NONBLOCK);
  char link[256] = "anon_inode:[received]";
  std::string self = "/proc/self/fd/" + std::to_string(hfd);
  long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(self.c_str()), host::L(link), sizeof(link) - 1);
  if (n > 0) link[n] = 0;
  return std::make_shared<fs::HostFile>(flags, link, hfd);
}

}  // namespace junction::libos::proc
