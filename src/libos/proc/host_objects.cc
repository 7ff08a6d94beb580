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
// table gets a host pipe end (buffered bytes moved along); ends sharing a
// description share the new one.
void HostPipesForFork(fs::Replacements& replaced) {
  fs::FdTable& table = fs::FdTable::Get();
  std::map<ipc::PipeBuffer*, std::pair<int, int>> pipes;  // -> host pipe
  std::vector<fs::File*> ends;
  for (int fd : table.Numbers()) {
    fs::FilePtr f = table.Lookup(fd);
    auto* end = dynamic_cast<ipc::PipeEnd*>(f.get());
    if (!end || replaced.count(f.get())) continue;
    auto hp = pipes.find(&end->pipe());
    if (hp == pipes.end()) {
      int h[2];
      if (host::Syscall(SYS_pipe2, host::L(h), O_CLOEXEC) < 0) continue;
      hp = pipes.emplace(&end->pipe(), std::make_pair(h[0], h[1])).first;
    }
    int hfd = end->writer() ? hp->second.second : hp->second.first;
    if (!end->writer()) {
      // Bytes already written move along (at most the pipe's capacity).
      size_t n = end->pipe().available();
      if (n) {
        std::vector<char> buf(n);
        auto r = end->Read(buf.data(), n);
        if (r.ok()) host::Syscall(SYS_write, hp->second.second, host::L(buf.data()), static_cast<long>(*r));
      }
    }
    int flags = (end->writer() ? O_WRONLY : O_RDONLY) | (f->flags() & O_NONBLOCK);
    if (flags & O_NONBLOCK) host::Syscall(SYS_fcntl, hfd, F_SETFL, O_NONBLOCK);
    replaced.emplace(f.get(), std::make_shared<fs::HostFile>(flags, f->path(), hfd));
    ends.push_back(f.get());
  }
  // Calls blocked on the old pipes go on on the host ends.
  for (fs::File* old : ends) {
    auto* end = static_cast<ipc::PipeEnd*>(old);
    end->pipe().MovedToHost(end->writer(), replaced[old]);
  }
  for (auto& [buf, h] : pipes) buf->WakeMoved();
  // Ends nobody holds (a pipe whose other end was closed): close them.
  for (auto& [buf, h] : pipes) {
    bool rd = false, wr = false;
    for (fs::File* old : ends) {
      int hfd = replaced[old]->host_fd();
      rd |= hfd == h.first;
      wr |= hfd == h.second;
    }
    if (!rd) host::Syscall(SYS_close, h.first);
    if (!wr) host::Syscall(SYS_close, h.second);
  }
}

}  // namespace

fs::Replacements MoveSharedObjectsToHost() {
  fs::Replacements replaced;
  // Only LibOS objects (no host descriptor) can need moving; most forks
  // have none, so skip the passes (and their reference-count writes).
  if (!fs::FdTable::Get().AnyFile([](const fs::File& f) { return f.host_fd() < 0; })) return replaced;
  HostPipesForFork(replaced);
  net::HostUnixSocketsForFork(replaced);
  ipc::HostEventFdsForFork(replaced);
  ipc::HostTimerFdsForFork(replaced);
  if (replaced.empty()) return replaced;
  fs::FdTable& table = fs::FdTable::Get();
  for (int fd : table.Numbers())
    if (auto* ep = dynamic_cast<ipc::Epoll*>(table.Lookup(fd).get())) ep->ReplaceMembers(replaced);
  for (auto& [old, host] : replaced) {
    // Signal-driven I/O now comes from the host (SIGIO to the owner).
    host->set_owner(old->owner());
    if (int h = proc::HostOwner(old->owner())) host::Syscall(SYS_fcntl, host->host_fd(), F_SETOWN, h);
    if (old->flags() & O_ASYNC) {
      long fl = host::Syscall(SYS_fcntl, host->host_fd(), F_GETFL);
      if (fl >= 0) host::Syscall(SYS_fcntl, host->host_fd(), F_SETFL, fl | O_ASYNC);
    }
  }
  for (int fd : table.Numbers()) {
    auto it = replaced.find(table.Lookup(fd).get());
    if (it == replaced.end()) continue;
    auto cloexec = table.GetCloexec(fd);
    (void)table.InsertAt(fd, it->second, cloexec.ok() && *cloexec);
  }
  return replaced;
}

fs::FilePtr AdoptHostDescriptor(int hfd) {
  struct stat st{};
  host::Syscall(SYS_fstat, hfd, host::L(&st));
  long fl = host::Syscall(SYS_fcntl, hfd, F_GETFL);
  int flags = fl < 0 ? O_RDWR : static_cast<int>(fl);
  if (S_ISSOCK(st.st_mode)) return net::WrapHostSocket(hfd, flags & O_NONBLOCK);
  char link[256] = "anon_inode:[received]";
  std::string self = "/proc/self/fd/" + std::to_string(hfd);
  long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(self.c_str()), host::L(link), sizeof(link) - 1);
  if (n > 0) link[n] = 0;
  return std::make_shared<fs::HostFile>(flags, link, hfd);
}

}  // namespace junction::libos::proc
