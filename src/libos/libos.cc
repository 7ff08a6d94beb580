// RunGuest: turns this process into the LibOS host for one guest program.
#include "libos/libos.h"
#include "libos/ipc/sysv/sysv_registry.h"

#include <asm/hwcap2.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/socket_path.h"
#include "libos/entry/seccomp.h"
#include "libos/entry/sigsys.h"
#include "libos/entry/site_cache.h"
#include "libos/entry/thread_state.h"
#include "libos/fs/fd_limit.h"
#include "libos/fs/host_files.h"
#include "libos/fs/inotify.h"
#include "libos/fs/link_hints.h"
#include "libos/ipc/clock_watch.h"
#include "libos/ipc/eventfd.h"
#include "libos/guest_start.h"
#include "libos/host/host.h"
#include "libos/loader_env.h"
#include "libos/mm/address_space.h"
#include "libos/proc/child_kthreads.h"
#include "libos/proc/process_doorbell.h"
#include "libos/proc/process_view.h"
#include "libos/proc/task_sched.h"
#include "libos/process.h"
#include "libos/signals/kill_request.h"
#include "libos/signals/remote_thread_signal.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "libos/syscalls/syscall_table.h"
#include "libos/vdso/vdso.h"
#include "libos/net/daemon_link.h"
#include "sched/daemon_client.h"
#include "sched/daemon_watcher.h"
#include "sched/grant_trace.h"
#include "sched/kthread.h"
#include "sched/member_join.h"
#include "sched/shm_protocol.h"
#include "sched/spinlock.h"
#include "sched/standalone_registry.h"
#include "libos/syscalls/capabilities.h"
#include "sched/preempt.h"
#include "sched/reactor.h"
#include "sched/uthread.h"

extern "C" [[noreturn]] void junction_enter_guest(uintptr_t entry, uintptr_t rsp);

namespace junction::libos {

void PrepareImage(const loader::LoadedImage& image);

namespace {

vdso::GuestVdso g_vdso;

// XSTATE_BV = 0 in the header makes XRSTOR load every component's initial
// state (MXCSR still comes from the legacy area).
void InitFpuImage(uint8_t* area) {
  std::memset(area, 0, 576);
  uint16_t fcw = 0x37f;
  uint32_t mxcsr = 0x1f80;
  std::memcpy(area, &fcw, sizeof(fcw));
  std::memcpy(area + 24, &mxcsr, sizeof(mxcsr));
}

// Per-kthread LibOS set-up, on each new kthread before it schedules.
uint64_t g_time_slice_ns = 1000000;

bool InitKthread(int index) {
  if (!SetupThreadState()) return false;
  CurrentThread()->core = index;
  NoteKthreadDescriptor();
  return InstallTrapHandlers() && EnableSyscallDispatch() &&
         sched::StartPreemptionTimer(g_time_slice_ns);
}

// The same for a kthread started in a forked child (proc/child_kthreads.h):
// the process's host signal handlers are in place, the rest is per thread.
bool InitRestartedKthread(int index) {
  if (!SetupThreadState()) return false;
  CurrentThread()->core = index;
  return InstallAltStack() && EnableSyscallDispatch() && sched::StartKthreadPreemptionTimer();
}

std::optional<sched::DaemonSession>* g_daemon_holder = nullptr;  // lives for the run
sched::DaemonSession* g_daemon = nullptr;

sched::KthreadSlot* DaemonSlot(void*, int i) {
  return static_cast<uint32_t>(i) < g_daemon->slots() ? g_daemon->slot(static_cast<uint32_t>(i))
                                                       : nullptr;
}

// A forked process's SCHED_JOIN connections, one per kthread that joined
// (by kthread index; open while the process lives: the closing of one
// releases that kthread's slot), and the doorbell from a reply (the
// process keeps one: its lock orders the replacements); a child's copies
// of its parent's are closed before it joins itself.
constexpr std::array<int, sched::kMaxKthreadSlots> NoSockets() {
  std::array<int, sched::kMaxKthreadSlots> a{};
  a.fill(-1);
  return a;
}
std::array<int, sched::kMaxKthreadSlots> g_member_socks = NoSockets();
int g_member_doorbell = -1;
sched::SpinLock g_member_doorbell_lock;

// With a daemon: register and publish the scheduler's congestion signals
// into the shared region. Without: say so once and list ourselves in the
// standalone registry so `junction ps` shows this container.
void ConnectToDaemonOrRegister(const config::AppConfig& cfg, const std::vector<std::string>& argv) {
  std::string why_not;
  g_daemon_holder = new std::optional<sched::DaemonSession>(sched::ConnectDaemon(cfg, argv, &why_not));
  if (g_daemon_holder->has_value()) {
    g_daemon = &g_daemon_holder->value();
    if (const char* trace = std::getenv("JUNCTION_GRANT_TRACE"); trace && !sched::GrantTraceOpen(trace))
      std::fprintf(stderr, "junction run: cannot open the grant trace %s\n", trace);
    // A diagnosis (docs/daemon.md, "Tracing grants"): the timer keeper's
    // lead in µs, 20..2000, instead of the daemon's polling mode's.
    if (const char* lead = std::getenv("JUNCTION_KEEPER_LEAD_US")) {
      long us = std::strtol(lead, nullptr, 10);
      if (us >= 20 && us <= 2000) sched::SetKeeperLeadOverride(static_cast<uint64_t>(us) * 1000);
      else std::fprintf(stderr, "junction run: JUNCTION_KEEPER_LEAD_US must be 20..2000, ignored\n");
    }
    sched::AttachDaemonRegion(g_daemon->header(), DaemonSlot, nullptr, g_daemon->doorbell_fd());
    if (!sched::StartDaemonWatcher(g_daemon))
      std::fprintf(stderr, "junction run: cannot start the daemon watcher thread\n");
    std::string why;
    if (!net::StartDaemonLink(cfg, g_daemon, &why))
      std::fprintf(stderr, "junction run: no link to the daemon's switch: %s\n", why.c_str());
    sched::SetKthreadRestart(StartKthreadInChild, InitRestartedKthread);
    return;
  }
  // Said once, where someone will read it without it polluting the guest's
  // own stderr in scripts: on a terminal, or when a daemon was asked for.
  bool asked = std::getenv("JUNCTION_SOCKET") ||
               (cfg.daemon_socket && *cfg.daemon_socket != config::kDefaultControlSocket);
  if (asked || isatty(2))
    std::fprintf(stderr, "junction run: no daemon (%s); running standalone on %d core(s)\n",
                 why_not.c_str(), CurrentProcess().cores);
  sched::RegisterStandalone(cfg, argv);
  // A forked process starts kthreads of its own for its threads (under
  // the daemon each joins on a member slot of its own: docs/daemon.md).
  sched::SetKthreadRestart(StartKthreadInChild, InitRestartedKthread);
}

// The scheduler's notice (a host signal or a clock set arrived while the
// LibOS could not take locks): objects that watch for them wake waiters.
void OnSchedulerNotice() {
  DeliverRemoteThreadSignals();
  proc::RefreshAffinitiesIfAsked();
  TargetUnchosenProcessSignals();
  ipc::NotifySignalFds();
  ipc::HandleClockSets();
  fs::HandleInotifyHostEvents();
}

// Signals() once, at start-up: the check below runs on every uthread switch
// (Park and the resumed thread's exit flag), where the call chain with the
// static's guard was ~25 instructions.
GuestSignals* const g_signals = &Signals();

bool GuestSignalDeliverable(sched::Uthread* u) {
  if (!(__atomic_load_n(&g_signals->pending, __ATOMIC_RELAXED) |
        __atomic_load_n(&u->sig_pending, __ATOMIC_RELAXED)))
    return false;  // nothing pending at all (the common case)
  // Process-directed signals only for the thread chosen to take them.
  return ((ProcessSignalsFor(u) | u->sig_pending) & (~u->sig_blocked | u->sigwait_set)) != 0;
}

// Reads a /proc/self file whole (both are small).
std::string ReadProcSelf(const char* path) {
  std::string out;
  FILE* f = std::fopen(path, "re");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

// The environment junction was started with. Not `environ`: libraries
// linked into junction (rdma-core) add variables from static constructors.
std::vector<std::string> InitialEnvironment() {
  std::vector<std::string> env;
  std::string raw = ReadProcSelf("/proc/self/environ");
  for (size_t pos = 0; pos < raw.size();) {
    size_t end = raw.find('\0', pos);
    if (end == std::string::npos) end = raw.size();
    if (end > pos) env.emplace_back(raw, pos, end - pos);
    pos = end + 1;
  }
  return env;
}

// Our own auxv value for `type`, from the kernel's copy: glibc's getauxval
// reports its own idea of AT_HWCAP on x86-64.
uint64_t KernelAuxv(uint64_t type) {
  std::string raw = ReadProcSelf("/proc/self/auxv");
  for (size_t off = 0; off + 16 <= raw.size(); off += 16) {
    uint64_t kv[2];
    std::memcpy(kv, raw.data() + off, sizeof(kv));
    if (kv[0] == type) return kv[1];
    if (kv[0] == AT_NULL) break;
  }
  return 0;
}

std::vector<std::string> BuildEnvironment(const config::AppConfig& cfg) {
  std::vector<std::string> env;
  if (cfg.env.inherit) {
    for (const std::string& kv : InitialEnvironment()) {
      std::string key = kv.substr(0, kv.find('='));
      if (!cfg.env.vars.count(key)) env.push_back(kv);
    }
  }
  for (const auto& [k, v] : cfg.env.vars) env.push_back(k + "=" + v);
  return env;
}

std::string FindPath(const std::vector<std::string>& env) {
  for (const std::string& kv : env)
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

void InitProcess(const config::AppConfig& cfg) {
  Process& p = CurrentProcess();
  p.config = &cfg;
  p.host_pid = static_cast<int>(host::Syscall(SYS_getpid));
  p.host_ppid = static_cast<int>(host::Syscall(SYS_getppid));
  p.uid = static_cast<uint32_t>(getuid());
  p.euid = static_cast<uint32_t>(geteuid());
  p.gid = static_cast<uint32_t>(getgid());
  p.egid = static_cast<uint32_t>(getegid());
  p.suid = p.euid;
  p.sgid = p.egid;
  InitCapabilities(p);
  {
    std::vector<gid_t> g(static_cast<size_t>(std::max(0, getgroups(0, nullptr))));
    int n = g.empty() ? 0 : getgroups(static_cast<int>(g.size()), g.data());
    p.groups.assign(g.begin(), g.begin() + std::max(0, n));
  }
  // The guest's umask starts as junction's. The VFS applies it to every
  // file it creates; the host's is cleared so that it is not applied a
  // second time (a guest umask of 002 made 0775 directories 0755).
  p.umask = umask(0);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  p.cores = std::max(1, std::min(cfg.cpu.max_cores, static_cast<int>(online > 0 ? online : 1)));
}

}  // namespace

loader::AuxValues GuestAuxValues() {
  // The kernel's values never change for this host process (nor across
  // its forks): read /proc/self/auxv once, not at every execve (three
  // trapped opens and reads each).
  static const uint64_t hwcap = KernelAuxv(AT_HWCAP);
  static const uint64_t hwcap2 = KernelAuxv(AT_HWCAP2);
  static const uint64_t minsigstksz = KernelAuxv(AT_MINSIGSTKSZ);
  loader::AuxValues aux;
  aux.hwcap = hwcap;
  aux.hwcap2 = hwcap2;
  aux.minsigstksz = minsigstksz;
  const Process& p = CurrentProcess();
  aux.uid = p.uid;
  aux.euid = p.euid;
  aux.gid = p.gid;
  aux.egid = p.egid;
  aux.secure = false;
  if (host::Syscall(SYS_getrandom, host::L(aux.random), sizeof(aux.random), 0) != sizeof(aux.random))
    std::memset(aux.random, 0x5a, sizeof(aux.random));
  if (g_vdso.image_base) aux.vdso_base = g_vdso.image_base;
  return aux;
}

namespace {

// Maps [vvar | vdso] as guest memory (tracked VMAs, visible in maps).
vdso::GuestVdso MapVdso() {
  vdso::GuestMapOps ops;
  ops.mmap = [](void* addr, size_t len, int prot, int flags, int fd, off_t off) -> void* {
    auto r = AddressSpace::Get().Mmap(reinterpret_cast<uintptr_t>(addr), len, prot, flags, fd,
                                      static_cast<uint64_t>(off), "[vdso]");
    return r.ok() ? reinterpret_cast<void*>(*r) : MAP_FAILED;
  };
  ops.mprotect = [](void* addr, size_t len, int prot) -> int {
    return AddressSpace::Get().Mprotect(reinterpret_cast<uintptr_t>(addr), len, prot).ok() ? 0 : -1;
  };
  auto r = vdso::MapForGuest(ops);
  if (!r.ok()) return {};
  g_vdso = *r;
  uintptr_t data = g_vdso.image_base - vdso::DataSize();
  if (Vma vvar; AddressSpace::Get().Lookup(data, &vvar)) {
    vvar.start = data;
    vvar.end = g_vdso.image_base;
    vvar.name = "[vvar]";
    AddressSpace::Get().Track(vvar);
  }
  return g_vdso;
}

}  // namespace

junction_vdso_data* GuestVdsoData() { return g_vdso.data; }

void RestoreVdsoForExec() {
  if (!g_vdso.image_base) return;
  std::span<const uint8_t> image = vdso::Image();
  uintptr_t base = g_vdso.image_base;
  Vma v;
  // A guest that unmapped or replaced its vDSO has none to restore here.
  if (!AddressSpace::Get().Lookup(base, &v) || v.name != "[vdso]" || v.end < base + image.size())
    return;
  // Usually untouched (no site in it trapped twice): one compare, no copy.
  if (v.prot == (PROT_READ | PROT_EXEC) &&
      std::memcmp(reinterpret_cast<const void*>(base), image.data(), image.size()) == 0)
    return;
  if (host::Mprotect(base, image.size(), PROT_READ | PROT_WRITE) < 0) return;
  std::memcpy(reinterpret_cast<void*>(base), image.data(), image.size());
  (void)AddressSpace::Get().Mprotect(base, image.size(), PROT_READ | PROT_EXEC);
}

namespace {

// SCHED_JOIN for the calling kthread and its member slot; `wait_for_grant`
// as AttachMemberSlot.
sched::MemberJoin JoinAsMember(sched::MemberJoinKind kind, bool wait_for_grant) {
  int index = sched::CurrentKthreadIndex();
  if (index < 0 || static_cast<size_t>(index) >= g_member_socks.size()) return sched::MemberJoin::kRefused;
  // Its connection to a daemon that is gone, or that freed its slot.
  if (int& old = g_member_socks[static_cast<size_t>(index)]; old >= 0) {
    host::Syscall(SYS_close, old);
    old = -1;
  }
  uint32_t slot = 0, token = 0;
  int doorbell = -1;
  const char* why = nullptr;
  bool refused = false;
  // The region's header, not our copy of the session: a restarted daemon
  // may have given the container another id.
  int sock = sched::SchedJoin(g_daemon->socket_path(), g_daemon->header()->container_id, &slot,
                              &token, &doorbell, &why, &refused);
  if (sock < 0) return refused ? sched::MemberJoin::kRefused : sched::MemberJoin::kNoDaemon;
  if (slot < g_daemon->slots() || slot >= g_daemon->total_slots()) {
    host::Syscall(SYS_close, sock);
    host::Syscall(SYS_close, doorbell);
    return sched::MemberJoin::kRefused;
  }
  g_member_socks[static_cast<size_t>(index)] = sock;
  {
    sched::SpinGuard g(g_member_doorbell_lock);
    // The same eventfd as the process's (another descriptor of it): the
    // daemon it joined before. Else a new daemon's, also for a kthread
    // started after a restart before any sibling joined again (it rang
    // the dead daemon's until one did). Unknown ids: a new kthread takes
    // the process's, a rejoin the new one.
    bool same = false;
    if (g_member_doorbell >= 0) {
      long mine = sched::EventfdId(doorbell), theirs = sched::EventfdId(g_member_doorbell);
      same = mine >= 0 && theirs >= 0 ? mine == theirs : kind == sched::MemberJoinKind::kNewKthread;
    }
    if (same) {
      host::Syscall(SYS_close, doorbell);
    } else if (g_member_doorbell >= 0) {
      // The new eventfd takes the old one's number (dup3 replaces it
      // atomically): a kthread that loaded the number without this lock
      // (RingDoorbell) always writes to a doorbell, never to a host file
      // that reused a closed number. The eventfd id, not the number, says
      // whose doorbell it is.
      if (host::Syscall(SYS_dup3, doorbell, g_member_doorbell, O_CLOEXEC) >= 0) {
        host::Syscall(SYS_close, doorbell);
      } else {
        // (dup3 onto an open number fails only for lack of memory): keep
        // both open, so no published number is ever closed.
        g_member_doorbell = doorbell;
      }
      sched::SetDaemonDoorbell(g_member_doorbell);
    } else {
      g_member_doorbell = doorbell;
      sched::SetDaemonDoorbell(doorbell);
    }
  }
  sched::AttachMemberSlot(g_daemon->slot(slot), token, -1, wait_for_grant);
  return sched::MemberJoin::kJoined;
}

// A kthread the process started, or one running standalone after a
// daemon restart (from the scheduler loop).
sched::MemberJoin RejoinAsMember(sched::MemberJoinKind kind) { return JoinAsMember(kind, false); }

}  // namespace

void JoinDaemonAfterFork() {
  // Its parent's join connections and doorbell are not its own (no one
  // rings that doorbell here: ResetAfterFork forgot it).
  for (int& sock : g_member_socks)
    if (sock >= 0) {
      host::Syscall(SYS_close, sock);
      sock = -1;
    }
  // Written only when set: the page is otherwise untouched in a standalone
  // child, and a write would copy it (one more fault per fork).
  if (g_member_doorbell >= 0) {
    host::Syscall(SYS_close, g_member_doorbell);
    g_member_doorbell = -1;
  }
  if (g_daemon == nullptr) return;  // a standalone container
  // Joined once, it joins a restarted daemon again, and its new kthreads join.
  if (JoinAsMember(sched::MemberJoinKind::kAgain, true) == sched::MemberJoin::kJoined)
    sched::SetMemberRejoin(RejoinAsMember);
}

int RunGuest(const config::AppConfig& cfg, const std::vector<std::string>& argv,
             const RunOptions& opts) {
  if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE)) {
    std::fprintf(stderr, "junction run: this CPU or kernel lacks FSGSBASE, which the LibOS needs\n");
    return 1;
  }
  InitProcess(cfg);
  fs::InitFdLimit(cfg.limits.open_files);
  fs::SetRoot(cfg.fs.root);
  fs::AdoptInheritedFds();
  // After adoption: the table's descriptors are the LibOS's, not the guest's.
  if (!proc::InitContainer()) {  // the container's process table: this is pid 1
    std::fprintf(stderr, "junction run: cannot create the process table\n");
    return 1;
  }
  proc::SetCommand(argv);
  if (!sysv::Create()) {  // System V IPC objects, shared by every process of the container
    std::fprintf(stderr, "junction run: cannot map the System V IPC registry\n");
    return 1;
  }
  if (!cfg.workdir.empty() && chdir(fs::HostPath(cfg.workdir).c_str()) != 0) {
    std::fprintf(stderr, "junction run: cannot change to working directory %s: %s\n",
                 cfg.workdir.c_str(), std::strerror(errno));
    return 1;
  }
  if (opts.strace) {
    if (!StraceOpen(opts.strace_file)) {
      std::fprintf(stderr, "junction run: cannot open strace file %s: %s\n",
                   opts.strace_file.c_str(), std::strerror(errno));
      return 1;
    }
    g_strace_enabled = true;
  }

  Signals();  // constructed before any signal handler can need it
  InstallHostSignalHandling();
  // The vDSO and the site cache before the LibOS's anonymous memory:
  // mapped after its first allocation, each would sit between that and
  // the next, two anonymous VMAs that would otherwise be one.
  MapVdso();
  SiteCacheInit();  // before the first fork: the container's processes share it
  fs::LinkHintsInit();  // likewise
  ThreadState* ts = SetupThreadState();
  if (!ts) {
    std::fprintf(stderr, "junction run: out of memory setting up the LibOS\n");
    return 1;
  }

  loader::AuxValues aux = GuestAuxValues();

  std::vector<std::string> env = BuildEnvironment(cfg);
  GuestLoaderEnv lenv;
  loader::LoadedImage image;
  loader::LoadError err;
  if (!loader::Load(lenv, argv, env, FindPath(env), aux, &image, &err)) {
    std::fprintf(stderr, "junction run: %s\n", err.message.c_str());
    return err.ShellExitCode();
  }
  image.exe_real_path = lenv.RealPath(image.exe_path);

  if (!InstallTrapHandlers()) {
    std::fprintf(stderr, "junction run: cannot install the LibOS's signal handlers\n");
    return 1;
  }
  // One kthread per core the container may use, created now: pthread_create
  // needs clone, which the seccomp filter will not allow later.
  sched::SetSignalDeliverableCheck(GuestSignalDeliverable, &g_signals->pending);
  sched::SetSignalArrivedHook(OnSchedulerNotice);
  sched::SetIdleUpkeep([] {
    if (g_vdso.data) vdso::ReanchorIfAging(g_vdso.data);
  });
  sched::SetGuestReturnWarmup([] { vdso::PrefetchGuestView(g_vdso); });
  sched::SetGuestClock([]() -> uint64_t {
    timespec ts{};
    if (g_vdso.data && vdso::ReadClock(g_vdso.data, CLOCK_MONOTONIC, &ts))
      return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
    return sched::NowNs();
  });
  // Requests from other container processes: die of SIGKILL, re-read
  // the threads' affinity, look at the doorbell (cross-process wake-ups).
  sched::SetPreemptSignalHook(
      [](siginfo_t* info, void* uc) {
        return TakeKillRequest(info, uc) || proc::TakeAffinityRequest(info) || proc::TakeDoorbellRing(info);
      });
  if (!ipc::InitClockWatch())
    std::fprintf(stderr, "junction run: no host timerfd: TFD_TIMER_CANCEL_ON_SET will not cancel\n");
  if (!sched::ReactorInit()) {
    std::fprintf(stderr, "junction run: cannot create the host-descriptor reactor\n");
    return 1;
  }
  g_time_slice_ns = static_cast<uint64_t>(cfg.cpu.time_slice_us) * 1000;
  sched::SetSpinningKthreads(cfg.cpu.spinning_kthreads);
  NoteKthreadDescriptor();
  if (!sched::PrepareKthreads(CurrentProcess().cores, InitKthread)) {
    std::fprintf(stderr, "junction run: cannot start %d kthreads\n", CurrentProcess().cores);
    return 1;
  }
  ConnectToDaemonOrRegister(cfg, argv);
  if (!sched::StartPreemptionTimer(g_time_slice_ns)) {
    std::fprintf(stderr, "junction run: cannot create the preemption timer\n");
    return 1;
  }
  if (!InstallSeccompFilter()) return 1;
  std::fflush(stdout);
  std::fflush(stderr);
  if (!EnableSyscallDispatch()) {
    std::fprintf(stderr, "junction run: Syscall User Dispatch is unavailable (Linux >= 5.11 needed)\n");
    return 1;
  }
  proc::PublishCwd(fs::Vfs::Get().cwd());
  PrepareImage(image);
  GuestContext start{};
  start.rsp = image.stack_pointer;
  start.rip = image.entry;
  start.eflags = 0x202;
  int tid = CurrentProcess().pid;
  sched::Uthread* first = sched::CreateUthread(tid, start, 0);
  if (!first) {
    std::fprintf(stderr, "junction run: out of memory creating the first thread\n");
    return 1;
  }
  proc::PublishImage(image.stack_pointer, CurrentProcess().exe_path, CurrentProcess().name, first);
  InitFpuImage(first->xsave_area);
  RecordChildrenUsageBaseline();
  sched::RunScheduler(first);
}

void PrepareImage(const loader::LoadedImage& image) {
  Process& p = CurrentProcess();
  // /proc/self/exe is absolute with symlinks resolved, as on Linux
  // (ld.so's $ORIGIN handling asserts it).
  p.exe_path = image.exe_real_path.empty() ? fs::GuestRealPath(image.exe_path) : image.exe_real_path;
  size_t slash = image.exe_path.rfind('/');
  p.name = image.exe_path.substr(slash == std::string::npos ? 0 : slash + 1, 15);
  AddressSpace::Get().InitBrk(image.brk_start);
}

void StartImage(const loader::LoadedImage& image) {
  PrepareImage(image);
  // What the container's other processes see in /proc/PID of this one.
  proc::PublishImage(image.stack_pointer, CurrentProcess().exe_path, CurrentProcess().name, sched::Current());
  ThreadState* ts = CurrentThread();
  // The new program starts with the initial x87/SSE/AVX state, as after exec.
  InitFpuImage(ts->xsave_area);
  // From here on, %fs is the guest's; no TLS-using code until entry.
  ts->guest_fs = 0;
  WriteFsBase(0);
  asm volatile("xrstor64 (%0)" ::"r"(ts->xsave_area), "a"(static_cast<uint32_t>(ts->xsave_mask)),
               "d"(static_cast<uint32_t>(ts->xsave_mask >> 32))
               : "memory");
  junction_enter_guest(image.entry, image.stack_pointer);
}

}  // namespace junction::libos
