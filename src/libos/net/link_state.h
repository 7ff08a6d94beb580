// State the first process's link (daemon_link.cc) and a forked process's
// own rings (process_link.cc) share. Internal to src/libos/net.
#pragma once

#include <atomic>
#include <cstdint>

#include "libos/entry/thread_state.h"
#include "net/ring_link.h"
#include "net/stack/stack.h"
#include "sched/daemon_client.h"

namespace junction::libos::net::link {

extern junction::net::RingLink* g_link;  // the rings the stack uses now
extern junction::net::NetStack* g_stack;
extern sched::DaemonSession* g_session;  // the first process's (a child's copy)
extern uint32_t g_ip;
extern uint16_t g_mtu;

// The scheduler loop may run in the guest's context (%fs the guest's:
// docs/architecture.md, libos/entry/libos_context.h); the stack allocates
// (glibc malloc keeps its state in TLS). Its vector registers are free
// there (the switch saved the guest's), so only %fs needs the LibOS's.
class LibosFsScope {
 public:
  LibosFsScope() : ts_(CurrentThread()), saved_(ReadFsBase()) {
    if (saved_ != ts_->libos_fs) WriteFsBase(ts_->libos_fs);
  }
  ~LibosFsScope() {
    if (saved_ != ts_->libos_fs) WriteFsBase(saved_);
  }
  LibosFsScope(const LibosFsScope&) = delete;
  LibosFsScope& operator=(const LibosFsScope&) = delete;

 private:
  ThreadState* ts_;
  uintptr_t saved_;
};

// The NetPoller pieces both kinds of process use (sched/kthread.h).
int PollRings(int kthread, bool steal);
uint64_t StackNextTimerNs();
void NoteNextTimer();
// In a forked child: the parent's rings are not ours (never touched again).
void AbandonAfterFork();

// A forked child (process_link.cc): true until it has its own rings.
extern bool g_child_needs_join;
// Asks the daemon for them and makes the stack the child's.
void JoinNow();
// A forked child's NET_JOIN connection (-1: none).
int MemberControlFd();

}  // namespace junction::libos::net::link
