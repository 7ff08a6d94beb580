#include "libos/proc/process_view.h"

#include <sys/syscall.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libos/host/host.h"
#include "libos/process.h"
#include "sched/uthread.h"

namespace junction::libos::proc {

namespace {

// The LibOS's copies behind the exe and cwd ranges (the strings the
// process itself uses may move at any time).
std::string g_exe, g_cwd;
// The argument and environment strings' ranges on the guest stack.
uint64_t g_args[2], g_env[2];

// The most a reader takes of one range: the most argument space any
// stack limit allows (6 MiB), rounded up.
constexpr size_t kMaxRead = size_t{8} << 20;

Entry* OwnEntry() {
  Table* t = Get();
  return t ? FindPid(t, CurrentProcess().pid) : nullptr;
}

// Seqlock writer: the count is odd while addr and size (and the bytes
// they name) change; readers retry until they see one even count around
// their whole read.
void Store(PublishedRange* r, uint64_t addr, uint64_t size) {
  r->seq.store(r->seq.load(std::memory_order_relaxed) | 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  r->addr.store(addr, std::memory_order_relaxed);
  r->size.store(size, std::memory_order_relaxed);
  r->seq.store(r->seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

// Replaces the LibOS copy `copy` with `value` and publishes it.
void StoreCopy(PublishedRange* r, std::string* copy, const std::string& value) {
  r->seq.store(r->seq.load(std::memory_order_relaxed) | 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  *copy = value;
  r->addr.store(reinterpret_cast<uint64_t>(copy->data()), std::memory_order_relaxed);
  r->size.store(copy->size(), std::memory_order_relaxed);
  r->seq.store(r->seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void StoreMainThread(Entry* e, const sched::Uthread* u) {
  e->main_state_at.store(u ? reinterpret_cast<uint64_t>(&u->state) : 0);
  e->main_host_wait_at.store(u ? reinterpret_cast<uint64_t>(&u->in_host_wait) : 0);
}

}  // namespace

void PublishImage(uintptr_t stack_pointer, const std::string& exe, const std::string& comm,
                  const sched::Uthread* main) {
  // argc, argv[0..argc-1], NULL, envp[..], NULL: the strings are laid out
  // argv's then envp's, each set contiguous (loader/initial_stack.h).
  const auto* words = reinterpret_cast<const uint64_t*>(stack_pointer);
  uint64_t argc = words[0];
  const uint64_t* argv = words + 1;
  const uint64_t* envp = argv + argc + 1;
  uint64_t envc = 0;
  while (envp[envc]) envc++;
  auto span = [](const uint64_t* strs, uint64_t n, uint64_t out[2]) {
    out[0] = n ? strs[0] : 0;
    out[1] = n ? strs[n - 1] + std::strlen(reinterpret_cast<const char*>(strs[n - 1])) + 1 - strs[0] : 0;
  };
  span(argv, argc, g_args);
  span(envp, envc, g_env);
  Entry* e = OwnEntry();
  if (!e) return;
  Store(&e->args, g_args[0], g_args[1]);
  Store(&e->env, g_env[0], g_env[1]);
  StoreCopy(&e->exe, &g_exe, exe);
  StoreComm(e->comm, comm.c_str());
  StoreMainThread(e, main);
}

void ForgetStackStrings() {
  g_args[0] = g_args[1] = g_env[0] = g_env[1] = 0;
  if (Entry* e = OwnEntry()) {
    Store(&e->args, 0, 0);
    Store(&e->env, 0, 0);
  }
}

std::string ThreadName(int tid) {
  const Process& p = CurrentProcess();
  Table* t = Get();
  const ThreadSlot* s = t && tid != p.pid ? ThreadSlotOf(t, tid) : nullptr;
  return s && s->pid.load() == p.pid ? CommText(s->comm) : p.name;
}

void SetThreadName(int tid, const std::string& name) {
  Process& p = CurrentProcess();
  Table* t = Get();
  if (ThreadSlot* s = t && tid != p.pid ? ThreadSlotOf(t, tid) : nullptr; s && s->pid.load() == p.pid) {
    StoreComm(s->comm, name.c_str());
    return;
  }
  p.name = name.substr(0, kCommBytes - 1);
  if (Entry* e = OwnEntry()) StoreComm(e->comm, p.name.c_str());
}

void PublishCwd(const std::string& guest_path) {
  if (Entry* e = OwnEntry()) StoreCopy(&e->cwd, &g_cwd, guest_path);
}

void RepublishAfterFork(Entry* self, const sched::Uthread* main) {
  Store(&self->args, g_args[0], g_args[1]);
  Store(&self->env, g_env[0], g_env[1]);
  Store(&self->exe, reinterpret_cast<uint64_t>(g_exe.data()), g_exe.size());
  Store(&self->cwd, reinterpret_cast<uint64_t>(g_cwd.data()), g_cwd.size());
  StoreMainThread(self, main);
}

void ForgetMainThread() {
  if (Entry* e = OwnEntry()) StoreMainThread(e, nullptr);
}

char ReadMainThreadLetter(const Entry& e, int host_pid) {
  uint64_t state_at = e.main_state_at.load(), wait_at = e.main_host_wait_at.load();
  if (!state_at || !wait_at || host_pid <= 0) return 0;
  // Both processes run the same junction binary: the same layout.
  sched::UthreadState state;
  uint8_t host_wait;  // a bool there
  struct iovec local[2] = {{&state, sizeof(state)}, {&host_wait, sizeof(host_wait)}};
  struct iovec remote[2] = {{reinterpret_cast<void*>(state_at), sizeof(state)},
                            {reinterpret_cast<void*>(wait_at), sizeof(host_wait)}};
  if (host::Syscall(SYS_process_vm_readv, host_pid, host::L(local), 2, host::L(remote), 2, 0) !=
      sizeof(state) + sizeof(host_wait))
    return 0;
  auto raw = static_cast<uint8_t>(state);
  if (raw > static_cast<uint8_t>(sched::UthreadState::kExited)) return 0;  // reused meanwhile
  // Parked, or in a host call that waits on its behalf: interruptible sleep.
  return state == sched::UthreadState::kBlocked || host_wait ? 'S' : 'R';
}

bool ReadPublished(const PublishedRange& range, int host_pid, size_t max, std::string* out) {
  out->clear();
  if (host_pid <= 0) return false;
  // An odd count lasts as long as one string copy; one left odd by an
  // owner that died mid-way ends the tries.
  for (int tries = 0; tries < 1000; tries++) {
    uint32_t seq = range.seq.load(std::memory_order_acquire);
    if (seq & 1) {
      host::Syscall(SYS_sched_yield);
      continue;
    }
    uint64_t addr = range.addr.load(std::memory_order_relaxed);
    size_t size = std::min<uint64_t>(range.size.load(std::memory_order_relaxed), max);
    long got = 0;
    if (addr && size) {
      out->resize(size);
      struct iovec local{out->data(), size};
      struct iovec remote{reinterpret_cast<void*>(addr), size};
      got = host::Syscall(SYS_process_vm_readv, host_pid, host::L(&local), 1, host::L(&remote), 1, 0);
      if (got == -ESRCH || got == -EPERM) {
        out->clear();
        return false;
      }
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (range.seq.load(std::memory_order_relaxed) != seq) continue;  // moved meanwhile
    if (got < 0) {  // unmapped by the guest (EFAULT): nothing to show
      out->clear();
      return false;
    }
    out->resize(static_cast<size_t>(got));
    return true;
  }
  out->clear();
  return false;
}

std::string ReadCmdline(const Entry& e, int host_pid) {
  std::string args;
  if (!ReadPublished(e.args, host_pid, kMaxRead, &args) || args.empty()) return {};
  if (args.back() == '\0') return args;
  // Linux goes on into the environment only if it follows the arguments.
  if (e.env.addr.load() == e.args.addr.load() + e.args.size.load()) {
    std::string env;
    if (ReadPublished(e.env, host_pid, kMaxRead, &env)) args += env;
  }
  size_t nul = args.find('\0');
  return nul == std::string::npos ? args : args.substr(0, nul + 1);  // with its NUL, as Linux
}

std::string CommOf(const Entry& e) { return CommText(e.comm); }

std::string TaskCommOf(Table* t, const Entry& e, int tid) {
  int pid = e.pid.load();
  const ThreadSlot* s = tid != pid ? ThreadSlotOf(t, tid) : nullptr;
  return s && s->pid.load() == pid ? CommText(s->comm) : CommOf(e);
}

}  // namespace junction::libos::proc
