#include "libos/ipc/sysv/sysv_msg.h"

#include <linux/futex.h>
#include <linux/ipc.h>
#include <linux/msg.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "libos/fs/fd_limit.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/syscalls/user_memory.h"
#include "sched/futex.h"

namespace junction::libos::sysv {

namespace {

constexpr size_t kBlockData = sizeof(MsgBlock::data);
constexpr int kMsgSsz = 16, kMsgSeg = 0xffff;  // MSGSSZ, MSGSEG (reported only)

bool SlotInUse(int i) { return Get()->msg[i].perm.in_use != 0; }

MsgSlot* FindId_locked(int id) { return FindId(Get()->msg, kMsgMni, id); }

MsgBlock& Block(int32_t i) { return Get()->msg_blocks[i]; }

// Blocks for a message of `size` bytes (its head first).
size_t BlocksFor(size_t size) { return (sizeof(MsgHead) + size + kBlockData - 1) / kBlockData; }

int32_t AllocBlock_locked() {
  Region* r = Get();
  if (r->msg_free) {
    int32_t b = r->msg_free;
    r->msg_free = Block(b).next;
    return b;
  }
  if (r->msg_fresh < kMsgBlocks) return r->msg_fresh++;
  return 0;
}

void FreeChain_locked(int32_t b) {
  Region* r = Get();
  while (b) {
    int32_t next = Block(b).next;
    Block(b).next = r->msg_free;
    r->msg_free = b;
    b = next;
  }
}

// Copies a message (head + text) into a fresh chain: its first block, 0 if
// the pool is exhausted.
int32_t Store_locked(int64_t mtype, const uint8_t* text, size_t size) {
  std::vector<int32_t> chain(BlocksFor(size));
  for (int32_t& b : chain) {
    b = AllocBlock_locked();
    if (!b) {
      for (int32_t c : chain)
        if (c) FreeChain_locked((Block(c).next = 0, c));
      return 0;
    }
  }
  MsgHead head{mtype, size};
  size_t off = 0, head_left = sizeof(head);
  for (size_t i = 0; i < chain.size(); i++) {
    MsgBlock& blk = Block(chain[i]);
    blk.next = i + 1 < chain.size() ? chain[i + 1] : 0;
    blk.next_msg = 0;
    size_t pos = 0;
    if (head_left) {
      std::memcpy(blk.data, &head, sizeof(head));
      pos = sizeof(head);
      head_left = 0;
    }
    size_t n = std::min(kBlockData - pos, size - off);
    std::memcpy(blk.data + pos, text + off, n);
    off += n;
  }
  return chain[0];
}

MsgHead HeadOf(int32_t b) {
  MsgHead h;
  std::memcpy(&h, Block(b).data, sizeof(h));
  return h;
}

// The first `n` bytes of the text of message `b`.
void Load_locked(int32_t b, uint8_t* out, size_t n) {
  size_t pos = sizeof(MsgHead), off = 0;
  for (; b && off < n; b = Block(b).next, pos = 0) {
    size_t k = std::min(kBlockData - pos, n - off);
    std::memcpy(out + off, Block(b).data + pos, k);
    off += k;
  }
}

void Wake(MsgSlot* q) {
  sched::FutexWakeShared(reinterpret_cast<uint32_t*>(&q->changes), INT_MAX, FUTEX_BITSET_MATCH_ANY,
                         &q->wait);
}

// Parks until the queue changes from `gen` (a send, receive, IPC_SET or
// removal) or a signal comes: 0 or -EINTR.
long WaitChange(MsgSlot* q, uint32_t gen) {
  long w = sched::FutexWaitShared(reinterpret_cast<uint32_t*>(&q->changes), gen, FUTEX_BITSET_MATCH_ANY, 0,
                                  &q->wait);
  return w == -EINTR ? -EINTR : 0;
}

enum class Search { kAny, kEqual, kNotEqual, kLessEqual, kNumber };

// find_msg: the message a receive takes (and the one before it, 0 if
// first), or 0.
int32_t Find_locked(const MsgSlot& q, long type, Search mode, int32_t* prev_out) {
  int32_t found = 0, found_prev = 0, prev = 0;
  long count = 0;
  for (int32_t b = q.head; b; prev = b, b = Block(b).next_msg) {
    int64_t t = HeadOf(b).mtype;
    bool match = mode == Search::kAny || mode == Search::kNumber || (mode == Search::kEqual && t == type) ||
                 (mode == Search::kNotEqual && t != type) || (mode == Search::kLessEqual && t <= type);
    if (!match) continue;
    if (mode == Search::kLessEqual && t != 1) {
      // The lowest type <= |msgtyp|: keep looking for a lower one.
      type = t - 1;
      found = b, found_prev = prev;
      continue;
    }
    if (mode == Search::kNumber && count++ != type) continue;
    *prev_out = prev;
    return b;
  }
  *prev_out = found_prev;
  return found;
}

void Unlink_locked(MsgSlot* q, int32_t b, int32_t prev) {
  int32_t next = Block(b).next_msg;
  if (prev) Block(prev).next_msg = next;
  else q->head = next;
  if (q->tail == b) q->tail = prev;
}

void FreeQueue_locked(MsgSlot* q) {
  Region* r = Get();
  for (int32_t b = q->head; b;) {
    int32_t next = Block(b).next_msg;
    r->msg_hdrs--;
    r->msg_bytes -= static_cast<int64_t>(HeadOf(b).size);
    FreeChain_locked(b);
    b = next;
  }
  q->head = q->tail = 0;
}

long NewQueue(int32_t key, int flags) {
  Region* r = Get();
  uint32_t seq;
  int idx = AllocIndex(r->msg_ids, kMsgMni, SlotInUse, &seq);
  if (idx < 0) return -ENOSPC;
  MsgSlot* q = &r->msg[idx];
  InitPerm(&q->perm, key, flags, seq);
  q->stime = q->rtime = 0;
  q->ctime = NowSeconds();
  q->cbytes = q->qnum = 0;
  q->qbytes = kMsgMnb;
  q->lspid = q->lrpid = 0;
  q->head = q->tail = 0;
  return IdOf(q->perm, idx);
}

}  // namespace

void MsgRepair_locked() {
  Region* r = Get();
  RecountIds(r->msg_ids, kMsgMni, SlotInUse);
  // The queues' chains are what is used; every other block ever handed
  // out is free (a dead sender's half-stored chain included).
  std::vector<bool> used(static_cast<size_t>(r->msg_fresh));
  r->msg_hdrs = r->msg_bytes = 0;
  for (int i = 0; i <= r->msg_ids.max_idx; i++) {
    if (!SlotInUse(i)) continue;
    for (int32_t m = r->msg[i].head; m > 0 && m < r->msg_fresh && !used[m]; m = Block(m).next_msg) {
      r->msg_hdrs++;
      r->msg_bytes += static_cast<int64_t>(HeadOf(m).size);
      for (int32_t b = m; b > 0 && b < r->msg_fresh && !used[b]; b = Block(b).next) used[b] = true;
    }
  }
  r->msg_free = 0;
  for (int32_t b = r->msg_fresh - 1; b >= 1; b--) {
    if (used[b]) continue;
    Block(b).next = r->msg_free;
    r->msg_free = b;
  }
}

long MsgGet(int32_t key, int flags) {
  if (!Get()) return -ENOSYS;
  Guard g;
  Region* r = Get();
  if (key == IPC_PRIVATE) return NewQueue(key, flags);
  for (int i = 0; i <= r->msg_ids.max_idx; i++) {
    MsgSlot& q = r->msg[i];
    if (!q.perm.in_use || q.perm.key != key) continue;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return -EEXIST;
    if (!Permits(q.perm, flags)) return -EACCES;
    return IdOf(q.perm, i);
  }
  if (!(flags & IPC_CREAT)) return -ENOENT;
  return NewQueue(key, flags);
}

long MsgSnd(int msqid, uintptr_t msgp, size_t msgsz, int flags) {
  if (!Get()) return -ENOSYS;
  auto mtype = UserPtr<long>(static_cast<long>(msgp)).Read();
  if (!mtype.ok()) return -EFAULT;
  if (msgsz > static_cast<size_t>(kMsgMax) || static_cast<long>(msgsz) < 0 || msqid < 0) return -EINVAL;
  if (*mtype < 1) return -EINVAL;
  std::vector<uint8_t> text(msgsz);
  if (auto c = CopyFromUser(text.data(), msgp + sizeof(long), msgsz); !c.ok()) return -c.error();
  uint64_t serial = 0;
  for (;;) {
    MsgSlot* q;
    uint32_t gen = 0;
    bool sent = false;
    {
      Guard g;
      q = FindId_locked(msqid);
      if (!q) return serial ? -EIDRM : -EINVAL;
      if (serial && q->perm.serial != serial) return -EIDRM;
      serial = q->perm.serial;
      if (!Permits(q->perm, kWriteUgo)) return -EACCES;
      if (msgsz + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes) {
        int32_t b = Store_locked(*mtype, text.data(), msgsz);
        if (!b) return -ENOMEM;
        if (q->tail) Block(q->tail).next_msg = b;
        else q->head = b;
        q->tail = b;
        q->cbytes += msgsz;
        q->qnum++;
        q->lspid = CallerPid();
        q->stime = NowSeconds();
        Get()->msg_hdrs++;
        Get()->msg_bytes += static_cast<int64_t>(msgsz);
        q->changes.fetch_add(1, std::memory_order_seq_cst);
        sent = true;
      } else if (flags & IPC_NOWAIT) {
        return -EAGAIN;
      } else {
        gen = q->changes.load(std::memory_order_seq_cst);
      }
    }
    if (sent) {
      Wake(q);
      return 0;
    }
    if (WaitChange(q, gen) == -EINTR) return -EINTR;
  }
}

long MsgRcv(int msqid, uintptr_t msgp, size_t msgsz, long msgtyp, int flags) {
  if (!Get()) return -ENOSYS;
  Search mode;
  if (flags & MSG_COPY) {
    if ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)) return -EINVAL;
    mode = Search::kNumber;
  } else if (msgtyp == 0) {
    mode = Search::kAny;
  } else if (msgtyp < 0) {
    msgtyp = msgtyp == LONG_MIN ? LONG_MAX : -msgtyp;
    mode = Search::kLessEqual;
  } else {
    mode = (flags & MSG_EXCEPT) ? Search::kNotEqual : Search::kEqual;
  }
  if (msqid < 0 || static_cast<long>(msgsz) < 0) return -EINVAL;
  uint64_t serial = 0;
  std::vector<uint8_t> text;
  int64_t mtype = 0;
  for (;;) {
    MsgSlot* q;
    uint32_t gen = 0;
    bool taken = false;
    {
      Guard g;
      q = FindId_locked(msqid);
      if (!q) return serial ? -EIDRM : -EINVAL;
      if (serial && q->perm.serial != serial) return -EIDRM;
      serial = q->perm.serial;
      if (!Permits(q->perm, kReadUgo)) return -EACCES;
      int32_t prev = 0;
      int32_t b = Find_locked(*q, msgtyp, mode, &prev);
      if (b) {
        MsgHead h = HeadOf(b);
        if (msgsz < h.size && !(flags & MSG_NOERROR)) return -E2BIG;
        size_t n = std::min<size_t>(msgsz, h.size);
        text.resize(n);
        Load_locked(b, text.data(), n);
        mtype = h.mtype;
        if (!(flags & MSG_COPY)) {
          Unlink_locked(q, b, prev);
          FreeChain_locked(b);
          q->cbytes -= h.size;
          q->qnum--;
          q->lrpid = CallerPid();
          q->rtime = NowSeconds();
          Get()->msg_hdrs--;
          Get()->msg_bytes -= static_cast<int64_t>(h.size);
          q->changes.fetch_add(1, std::memory_order_seq_cst);
        }
        taken = true;
      } else if (flags & IPC_NOWAIT) {
        return -ENOMSG;
      } else {
        gen = q->changes.load(std::memory_order_seq_cst);
      }
    }
    if (!taken) {
      if (WaitChange(q, gen) == -EINTR) return -EINTR;
      continue;
    }
    if (!(flags & MSG_COPY)) Wake(q);
    // As Linux, the message is gone even if the copy faults.
    if (!UserPtr<long>(static_cast<long>(msgp)).Write(mtype).ok()) return -EFAULT;
    if (auto c = CopyToUser(msgp + sizeof(long), text.data(), text.size()); !c.ok()) return -c.error();
    return static_cast<long>(text.size());
  }
}

long MsgCtl(int msqid, int cmd, uintptr_t buf) {
  if (!Get()) return -ENOSYS;
  if (msqid < 0 || cmd < 0) return -EINVAL;
  Region* r = Get();
  switch (cmd) {
    case IPC_INFO:
    case MSG_INFO: {
      msginfo info{};
      info.msgmni = kMsgMni;
      info.msgmax = kMsgMax;
      info.msgmnb = kMsgMnb;
      info.msgssz = kMsgSsz;
      info.msgseg = kMsgSeg;
      int max;
      {
        Guard g;
        if (cmd == MSG_INFO) {
          info.msgpool = r->msg_ids.in_use;
          info.msgmap = static_cast<int>(std::min<int64_t>(r->msg_hdrs, INT_MAX));
          info.msgtql = static_cast<int>(std::min<int64_t>(r->msg_bytes, INT_MAX));
        } else {
          info.msgmap = kMsgMnb;                                    // MSGMAP
          info.msgpool = static_cast<int>(int64_t{kMsgMni} * kMsgMnb / 1024);  // MSGPOOL
          info.msgtql = kMsgMnb;                                    // MSGTQL
        }
        max = MaxIndex(r->msg_ids, kMsgMni);
      }
      if (auto c = CopyToUser(buf, &info, sizeof(info)); !c.ok()) return -c.error();
      return max;
    }
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY: {
      msqid64_ds ds;
      std::memset(&ds, 0, sizeof(ds));
      long ret;
      {
        Guard g;
        MsgSlot* q = FindForStat(r->msg, kMsgMni, msqid, cmd != IPC_STAT, &ret);
        if (!q) return -EINVAL;
        if (cmd != MSG_STAT_ANY && !Permits(q->perm, kReadUgo)) return -EACCES;
        FillPerm(q->perm, &ds.msg_perm);
        ds.msg_stime = q->stime;
        ds.msg_rtime = q->rtime;
        ds.msg_ctime = q->ctime;
        ds.msg_cbytes = q->cbytes;
        ds.msg_qnum = q->qnum;
        ds.msg_qbytes = q->qbytes;
        ds.msg_lspid = q->lspid;
        ds.msg_lrpid = q->lrpid;
      }
      if (auto c = CopyToUser(buf, &ds, sizeof(ds)); !c.ok()) return -c.error();
      return ret;
    }
    case IPC_SET:
    case IPC_RMID: {
      msqid64_ds in{};
      if (cmd == IPC_SET) {
        if (auto c = CopyFromUser(&in, buf, sizeof(in)); !c.ok()) return -c.error();
      }
      MsgSlot* q;
      {
        Guard g;
        q = FindId_locked(msqid);
        if (!q) return -EINVAL;
        if (!MayChange(q->perm)) return -EPERM;
        if (cmd == IPC_SET) {
          // Past MSGMNB only with CAP_SYS_RESOURCE (root in a host process that has it).
          if (in.msg_qbytes > static_cast<unsigned long>(kMsgMnb) && !fs::GuestCapSysResource(CallerIsRoot()))
            return -EPERM;
          q->qbytes = in.msg_qbytes;
          SetPerm(&q->perm, in.msg_perm.uid, in.msg_perm.gid, in.msg_perm.mode);
          q->ctime = NowSeconds();
        } else {
          FreeQueue_locked(q);
          q->perm.in_use = 0;
          FreeIndex(r->msg_ids, static_cast<int>(q - r->msg), SlotInUse);
        }
        q->changes.fetch_add(1, std::memory_order_seq_cst);
      }
      Wake(q);
      return 0;
    }
    default:
      return -EINVAL;
  }
}

void MsgProcText(std::string* out) {
  *out = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
  if (!Get()) return;
  Guard g;
  Region* r = Get();
  for (int i = 0; i <= r->msg_ids.max_idx; i++) {
    const MsgSlot& q = r->msg[i];
    if (!q.perm.in_use) continue;
    char line[256];
    std::snprintf(line, sizeof(line), "%10d %10d  %4o  %10llu %10llu %5u %5u %5u %5u %5u %5u %10lld %10lld %10lld\n",
                  q.perm.key, IdOf(q.perm, i), q.perm.mode, static_cast<unsigned long long>(q.cbytes),
                  static_cast<unsigned long long>(q.qnum), q.lspid, q.lrpid, q.perm.uid, q.perm.gid, q.perm.cuid,
                  q.perm.cgid, static_cast<long long>(q.stime), static_cast<long long>(q.rtime),
                  static_cast<long long>(q.ctime));
    *out += line;
  }
}

}  // namespace junction::libos::sysv
