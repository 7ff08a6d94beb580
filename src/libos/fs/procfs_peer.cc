#include "libos/fs/procfs_peer.h"

#include <errno.h>

#include <algorithm>
#include <cstdio>

#include "libos/fs/host_proc_stat.h"
#include "libos/fs/proc_pid_text.h"
#include "libos/proc/process_table.h"
#include "libos/proc/process_view.h"
#include "libos/process.h"

namespace junction::libos::fs {

namespace {

// What the table says of another process, copied at one moment.
struct Peer {
  int pid = 0, host_pid = 0;
  bool zombie = false;
  int ppid = 0, pgid = 0, sid = 0;
  uint32_t uid[3] = {}, gid[3] = {};  // real, effective, saved
  proc::SchedAttrs sched;  // its main thread's
  const proc::Entry* entry = nullptr;
};

bool Listed(uint32_t state) { return state == proc::kRunning || state == proc::kExited; }

bool LoadPeer(int pid, Peer* out) {
  proc::Table* t = proc::Get();
  proc::Entry* e = t ? proc::FindPid(t, pid) : nullptr;
  if (!e) return false;
  uint32_t state = e->state.load(std::memory_order_acquire);
  Peer p;
  p.pid = pid;
  p.host_pid = e->host_pid.load();
  p.zombie = state == proc::kExited;
  p.ppid = e->ppid.load();
  p.pgid = e->pgid.load();
  p.sid = e->sid.load();
  p.uid[0] = e->uid.load(), p.uid[1] = e->euid.load(), p.uid[2] = e->suid.load();
  p.gid[0] = e->gid.load(), p.gid[1] = e->egid.load(), p.gid[2] = e->sgid.load();
  p.sched = e->sched.Load();
  p.entry = e;
  if (!Listed(state) || p.host_pid <= 0 || e->pid.load() != pid) return false;
  *out = p;
  return true;
}

// True if `p`'s entry still holds the same process: what was read from its
// host pid meanwhile was that process's (a host pid is reused only after
// the entry is freed).
bool StillThere(const Peer& p) {
  return Listed(p.entry->state.load(std::memory_order_acquire)) && p.entry->pid.load() == p.pid &&
         p.entry->host_pid.load() == p.host_pid;
}

// Linux's ptrace_may_access(PTRACE_MODE_READ_FSCREDS) as far as the
// container keeps credentials: the caller is root, or its effective uid
// and gid are each of the target's real, effective and saved ones. What
// it guards (environ, exe, cwd, root, fd/) fails with EACCES otherwise.
bool MayInspect(const Peer& p) {
  const Process& me = CurrentProcess();
  if (me.euid == 0) return true;
  if (p.entry->flags.load() & proc::kNotDumpable) return false;  // root only
  for (uint32_t u : p.uid)
    if (u != me.euid) return false;
  for (uint32_t g : p.gid)
    if (g != me.egid) return false;
  return true;
}

SynthNode Guarded(SynthNode n, const Peer& p) {
  if (n.kind != SynthNode::kNone && !MayInspect(p)) n.open_error = EACCES;
  return n;
}

std::string HostProcPath(const Peer& p, const char* file) {
  return "/proc/" + std::to_string(p.host_pid) + "/" + file;
}

int ThreadCount(const Peer& p) {
  return p.zombie ? 1 : 1 + static_cast<int>(proc::ThreadIdsOf(proc::Get(), p.pid).size());
}

// Task `tid`'s attributes: the main thread's from the entry, another's
// from its thread slot.
proc::SchedAttrs TaskAttrs(const Peer& p, int tid) {
  if (tid == p.pid) return p.sched;
  const proc::ThreadSlot* s = proc::ThreadSlotOf(proc::Get(), tid);
  return s ? s->sched.Load() : p.sched;
}

// The peer's state and counters; false if it is gone (a zombie's host
// process may be reaped already: then no counters). The state is its main
// thread's as its scheduler sees it (S parked, R running or runnable: its
// kthread may be spinning idle, R on the host); the host's when that is
// stopped, in disk sleep or dead, or when the main thread has ended.
bool ReadCounters(const Peer& p, HostProcStat* h) {
  bool read = ReadHostProcStat(HostProcPath(p, "stat"), h);
  if (p.zombie) {
    h->state = 'Z';
    h->vsize = 0, h->rss = 0;  // a zombie has no memory
    return true;
  }
  if (!read) return false;
  if (h->state == 'R' || h->state == 'S')
    if (char guest = proc::ReadMainThreadLetter(*p.entry, p.host_pid)) h->state = guest;
  return true;
}

std::string Stat(int pid, int tid) {
  Peer p;
  HostProcStat h;
  if (!LoadPeer(pid, &p) || !ReadCounters(p, &h)) return {};
  StatFields f{.tid = tid, .comm = proc::TaskCommOf(proc::Get(), *p.entry, tid), .state = h.state, .ppid = p.ppid, .pgrp = p.pgid, .sid = p.sid,
               .minflt = h.minflt, .cminflt = h.cminflt, .majflt = h.majflt, .cmajflt = h.cmajflt,
               .utime = h.utime, .stime = h.stime, .cutime = h.cutime, .cstime = h.cstime,
               .threads = ThreadCount(p), .starttime = h.starttime, .vsize = h.vsize,
               .rss_pages = static_cast<uint64_t>(h.rss)};
  SetPriorityFields(TaskAttrs(p, tid), &f);
  SetTerminalFields(h.tty_nr, h.tpgid, &f);
  return StillThere(p) ? FormatStatLine(f) : std::string();
}

const char* StateName(char s) {
  switch (s) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "disk sleep";
    case 'T': return "stopped";
    case 't': return "tracing stop";
    case 'Z': return "zombie";
    case 'X': return "dead";
    case 'I': return "idle";
    default: return "unknown";
  }
}

// The memory lines of the host process's status (Vm*, Rss*, HugetlbPages).
std::string HostMemoryLines(const Peer& p) {
  std::string host = ReadHostFile(HostProcPath(p, "status")), out;
  for (size_t pos = 0; pos < host.size();) {
    size_t end = host.find('\n', pos);
    if (end == std::string::npos) end = host.size();
    std::string line(host, pos, end - pos);
    pos = end + 1;
    if (line.rfind("Vm", 0) == 0 || line.rfind("Rss", 0) == 0 || line.rfind("HugetlbPages:", 0) == 0)
      out += line + "\n";
  }
  return out;
}

// A CPU mask of the container's cores as Cpus_allowed and
// Cpus_allowed_list print it.
std::string CpuLines(uint64_t affinity) {
  int cores = std::min(64, std::max(1, CurrentProcess().cores));
  uint64_t mask = affinity & (cores >= 64 ? ~uint64_t{0} : (uint64_t{1} << cores) - 1);
  std::string list;
  for (int i = 0; i < cores;) {
    if (!(mask >> i & 1)) {
      i++;
      continue;
    }
    int j = i;
    while (j + 1 < cores && (mask >> (j + 1) & 1)) j++;
    list += (list.empty() ? "" : ",") + std::to_string(i) + (j > i ? "-" + std::to_string(j) : "");
    i = j + 1;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "Cpus_allowed:\t%lx\n", static_cast<unsigned long>(mask));
  return buf + ("Cpus_allowed_list:\t" + list + "\n");
}

// The lines the container knows of another process; those it does not
// (umask, groups, signal masks, context switches) are left out rather than
// made up.
std::string Status(int pid, int tid) {
  Peer p;
  HostProcStat h;
  if (!LoadPeer(pid, &p) || !ReadCounters(p, &h)) return {};
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "Name:\t%s\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
                "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
                proc::TaskCommOf(proc::Get(), *p.entry, tid).c_str(), h.state, StateName(h.state), pid, tid, p.ppid, p.uid[0], p.uid[1], p.uid[2],
                p.uid[1], p.gid[0], p.gid[1], p.gid[2], p.gid[1], pid, tid, p.pgid, p.sid);
  std::string out = buf;
  if (!p.zombie) out += HostMemoryLines(p);
  out += "Threads:\t" + std::to_string(ThreadCount(p)) + "\n";
  out += CpuLines(TaskAttrs(p, tid).affinity);
  return StillThere(p) ? out : std::string();
}

std::string Statm(int pid) {
  Peer p;
  if (!LoadPeer(pid, &p)) return {};
  if (p.zombie) return "0 0 0 0 0 0 0\n";
  std::string out = ReadHostFile(HostProcPath(p, "statm"));
  return StillThere(p) ? out : std::string();
}

std::string Cmdline(int pid) {
  Peer p;
  if (!LoadPeer(pid, &p) || p.zombie) return {};  // a zombie's is empty, as Linux's
  std::string out = proc::ReadCmdline(*p.entry, p.host_pid);
  return StillThere(p) ? out : std::string();
}

// The environment strings, or a copy of the executable's path or working
// directory ("" if gone).
std::string Published(int pid, proc::PublishedRange proc::Entry::*range) {
  Peer p;
  std::string out;
  if (!LoadPeer(pid, &p) || p.zombie) return {};
  proc::ReadPublished(p.entry->*range, p.host_pid, size_t{8} << 20, &out);
  return StillThere(p) ? out : std::string();
}

// exe, cwd: a plain link to the path (opened by following it); none for a
// zombie, as Linux's.
SynthNode PeerLink(int pid, proc::PublishedRange proc::Entry::*range) {
  Peer p;
  if (!LoadPeer(pid, &p)) return {};
  std::string target = Published(pid, range);
  return target.empty() ? SynthNode{} : Guarded(LinkNode(target), p);
}

// /proc/PID or /proc/PID/task/TID of the peer (`top`: the former).
SynthNode Files(int pid, int tid, const std::vector<std::string>& c, bool top, const std::string& base) {
  if (c.empty()) {
    std::vector<std::string> names = {"exe", "cwd", "root", "cmdline", "environ", "status",
                                      "stat", "statm", "comm", "fd", "fdinfo"};
    if (top) names.push_back("task");
    return DirOf(names, base, [&](const std::string& n) { return Files(pid, tid, {n}, top, base); });
  }
  const std::string& n = c[0];
  if (c.size() == 1) {
    if (n == "stat") return Text([pid, tid] { return Stat(pid, tid); });
    if (n == "status") return Text([pid, tid] { return Status(pid, tid); });
    if (n == "statm") return Text([pid] { return Statm(pid); });
    if (n == "cmdline") return Text([pid] { return Cmdline(pid); });
    if (n == "environ") {
      Peer p;
      if (!LoadPeer(pid, &p)) return {};
      return Guarded(Text([pid] { return Published(pid, &proc::Entry::env); }, 0400), p);
    }
    if (n == "comm")
      return Text([pid, tid] {
        Peer p;
        if (!LoadPeer(pid, &p)) return std::string();
        std::string comm = proc::TaskCommOf(proc::Get(), *p.entry, tid) + "\n";
        return StillThere(p) ? comm : std::string();
      });
    if (n == "exe") return PeerLink(pid, &proc::Entry::exe);
    if (n == "cwd") return PeerLink(pid, &proc::Entry::cwd);
    if (n == "root") {
      Peer p;
      return LoadPeer(pid, &p) && !p.zombie ? Guarded(LinkNode("/"), p) : SynthNode{};
    }
    if (n == "fd" || n == "fdinfo") {
      // Its descriptor table is in its own process: not listed (EACCES).
      SynthNode d;
      d.kind = SynthNode::kDir;
      d.open_error = EACCES;
      return d;
    }
  }
  if (n == "task" && top) {
    Peer p;
    if (!LoadPeer(pid, &p)) return {};
    std::vector<int> ids = p.zombie ? std::vector<int>{} : proc::ThreadIdsOf(proc::Get(), pid);
    ids.insert(ids.begin(), pid);
    if (c.size() == 1) {
      SynthNode d;
      d.kind = SynthNode::kDir;
      for (int t : ids)
        d.entries.push_back({std::to_string(t), PathIno(base + "/task/" + std::to_string(t)), DT_DIR});
      return d;
    }
    long t;
    if (!ParseFd(c[1], &t) || std::to_string(t) != c[1] || std::find(ids.begin(), ids.end(), t) == ids.end())
      return {};
    return Files(pid, static_cast<int>(t), {c.begin() + 2, c.end()}, false, base + "/task/" + c[1]);
  }
  return {};
}

}  // namespace

std::vector<int> ContainerPids() {
  std::vector<int> pids;
  const proc::Table* t = proc::Get();
  if (!t) return pids;
  for (const proc::Entry& e : t->entries) {
    int pid = e.pid.load(std::memory_order_relaxed);
    if (Listed(e.state.load(std::memory_order_acquire)) && e.host_pid.load() > 0 && pid > 0)
      pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

int PeerOf(int id) {
  proc::Table* t = proc::Get();
  if (!t || id <= 0) return 0;
  int self = CurrentProcess().pid;
  Peer p;
  int pid = LoadPeer(id, &p) ? id : proc::ThreadOwner(t, id);
  return pid != self ? pid : 0;
}

SynthNode DescribePeer(int pid, int id, const std::vector<std::string>& rest, const std::string& base) {
  Peer p;
  if (!LoadPeer(pid, &p)) return {};
  bool dumpable = !(p.entry->flags.load() & proc::kNotDumpable);
  return OwnedBy(Files(pid, id, rest, true, base), p.uid[1], p.gid[1], dumpable);
}

std::string ContainerLoadavg() {
  std::string host = ReadHostFile("/proc/loadavg");
  double avg[3] = {};
  if (std::sscanf(host.c_str(), "%lf %lf %lf", &avg[0], &avg[1], &avg[2]) != 3) return host;
  // Runnable: the processes whose host process is (one host read each);
  // total: the live processes and their threads (one pass over the slots).
  int running = 0, total = 0;
  const proc::Table* t = proc::Get();
  std::vector<int> live;
  for (int pid : ContainerPids()) {
    Peer p;
    HostProcStat h;
    if (!LoadPeer(pid, &p) || p.zombie) continue;
    live.push_back(pid);
    if (ReadHostProcStat(HostProcPath(p, "stat"), &h) && h.state == 'R') running++;
  }
  total = static_cast<int>(live.size());
  if (t)
    for (const proc::ThreadSlot& s : t->threads)
      if (s.tid.load(std::memory_order_relaxed) > 0 && std::binary_search(live.begin(), live.end(), s.pid.load()))
        total++;
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%.2f %.2f %.2f %d/%d %d\n", avg[0], avg[1], avg[2], running, total,
                t ? t->next_pid.load() : 0);
  return buf;
}

}  // namespace junction::libos::fs
