#include "libos/ipc/pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/host/host.h"
#include "libos/ipc/ipc.h"
#include "libos/ipc/pipe_ring_copy.h"
#include "libos/ipc/stream_socket_units.h"
#include "sched/kthread.h"

namespace junction::libos::ipc {

PipeBuffer::PipeBuffer() : ring_(kPipeDefaultSize), ino_(NextAnonIno()) { segs_.Reset(SegmentSlots(cap_), 0); }

std::shared_ptr<PipeBuffer> PipeBuffer::CreatePinnable() {
  auto* b = new PipeBuffer();
  b->pinnable_ = true;
  b->segs_.Reset(SegmentSlots(b->cap_), kPipeBuf);  // a pipe: page-sized units
  return std::shared_ptr<PipeBuffer>(b, ReleaseLast);
}

void PipeBuffer::ReleaseLast(PipeBuffer* b) {
  {
    sched::SchedGuard g(b->lock_);
    if (b->lazy_pins_) {
      b->orphaned_ = true;  // the last waiting lazy read frees it
      return;
    }
  }
  delete b;
}

size_t PipeBuffer::CopyOut_locked(void* dst, size_t len, bool consume, size_t room, bool whole) {
  size_t n = std::min(len, used_);
  size_t c = CopyFromRing(dst, ring_.data(), cap_, head_, std::min(n, room));
  if (c < n) {
    // As Linux: only the units copied whole count; nothing consumed if none.
    n = whole ? 0 : segs_.WholeUnitsOfRead(n, c);
    if (!n) return kCopyFault;
  }
  if (consume) Drop_locked(n);
  return n;
}

size_t PipeBuffer::CopyIn_locked(WriteSource& src, size_t len) {
  size_t at = (head_ + used_) % cap_, done = 0;
  while (done < len && src.i < src.cnt) {
    const iovec& v = src.iov[src.i];
    size_t k = std::min(len - done, v.iov_len - src.off);
    size_t may = std::min(k, src.valid > src.pos ? src.valid - src.pos : 0);
    size_t c = CopyToRing(ring_.data(), cap_, at, static_cast<const char*>(v.iov_base) + src.off, may);
    done += c;
    if (c < k) break;
    at = (at + k) % cap_;
    src.off += k;
    src.pos += k;
    if (src.off == v.iov_len) {
      src.i++;
      src.off = 0;
    }
  }
  return done;
}

void PipeBuffer::NotifyEnds(uint32_t rd, uint32_t wr) {
  // Ends are detached (nulled) under ends_lock_ before they die, so a
  // notification racing with close sees either a live end or nullptr.
  sched::SchedGuard g(ends_lock_);
  if (rd && read_end_) read_end_->hub().Notify(rd);
  if (wr && write_end_) write_end_->hub().Notify(wr);
}

// A wait's deadline for a call on `end` that started before its first
// wait: ~0 if the end sets no timeout.
static uint64_t WaitDeadline(fs::File* end, bool sending) {
  uint64_t t = end->wait_timeout_ns(sending);
  return t ? sched::NowNs() + t : ~uint64_t{0};
}

// A wait's result as the call returns it: a passed timeout is EAGAIN.
static int WaitError(long r) { return r == -ETIMEDOUT ? EAGAIN : static_cast<int>(-r); }

SysResult<size_t> PipeBuffer::Read(fs::File* end, void* buf, size_t len, int io, size_t* packet_len,
                                   size_t room, std::string* sender, Rights* rights) {
  bool peek = io & kIoPeek;
  if (!len && !(io & kIoPacket)) return size_t{0};
  uint64_t deadline = 0;
  sched::LockSched(lock_);
  while (!Readable_locked()) {
    if (moved_) {
      // Its bytes moved to the host pipe too: read there.
      lock_.unlock();
      // The host call writes no further than guest memory goes (room).
      if (!room) return Errno{EFAULT};
      if (fs::FilePtr host = MovedEnd(false)) return HostRw(host, false, buf, std::min(len, room));
      return size_t{0};  // the host end is gone too
    }
    if (!writers_) {
      lock_.unlock();
      return size_t{0};
    }
    if (end->nonblocking() || (io & kIoNonBlock) || read_shut_) {
      lock_.unlock();
      return Errno{EAGAIN};
    }
    if (!deadline) deadline = WaitDeadline(end, false);
    long r = readq_.Wait(lock_, deadline == ~uint64_t{0} ? 0 : deadline);
    if (r) return Errno{WaitError(r)};
    sched::LockSched(lock_);
  }
  size_t n = Consume_locked(buf, rights ? RightsLimit_locked(len) : len, peek, packet_len, room, sender);
  if (rights && !peek && n != kCopyFault) TakeRights_locked(rights);
  lock_.unlock();
  if (n == kCopyFault) return Errno{EFAULT};
  if (!peek) {
    writeq_.WakeAll();
    NotifyEnds(0, EPOLLOUT | EPOLLWRNORM);
  }
  return n;
}

size_t PipeBuffer::RightsLimit_locked(size_t len) const {
  if (marks_.empty() || !stream_units_) return len;
  uint64_t consumed = bytes_in_ - used_, end = marks_.front().at + marks_.front().unit;
  return end > consumed ? static_cast<size_t>(std::min<uint64_t>(len, end - consumed)) : len;
}

void PipeBuffer::TakeRights_locked(Rights* out) {
  // A stream's rights come with a read that took their unit's first byte;
  // a packet's with the packet (just taken: the one before the queued).
  uint64_t taken = stream_units_ ? bytes_in_ - used_ : packets_in_ - packets_.size();
  while (!marks_.empty() && marks_.front().at < taken) {
    bool mine = stream_units_ || marks_.front().at + 1 == taken;
    if (mine) {
      Rights& r = marks_.front().rights;
      out->insert(out->end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
    }
    marks_.pop_front();  // (not mine: a packet dropped unread, e.g. by a fork's move)
  }
}

size_t PipeBuffer::Consume_locked(void* buf, size_t len, bool peek, size_t* packet_len, size_t room,
                                  std::string* sender) {
  if (packets_.empty()) return CopyOut_locked(buf, len, !peek, room);
  size_t pkt = packets_.front();
  if (packet_len) *packet_len = pkt;
  size_t n = CopyOut_locked(buf, std::min(len, pkt), !peek, room, true);
  if (n == kCopyFault) return n;
  if (sender && !senders_.empty()) *sender = senders_.front();
  if (!peek) {
    packets_.pop_front();
    if (!senders_.empty()) senders_.pop_front();
    // The rest of a packet longer than the read is discarded (O_DIRECT).
    if (pkt > n) {
      head_ = (head_ + (pkt - n)) % cap_;
      used_ -= pkt - n;
    }
  }
  return n;
}

// SIGPIPE to the writer, as Linux sends it with EPIPE.
void PipeBuffer::RaiseSigpipe() {
  siginfo_t info{};
  info.si_signo = SIGPIPE;
  info.si_code = SI_USER;
  RaiseSignal(SIGPIPE, info);
}

SysResult<size_t> PipeBuffer::Write(fs::File* end, const void* buf, size_t len, int io,
                                    const std::string* sender, Rights* rights) {
  iovec v{const_cast<void*>(buf), len};
  return WriteV(end, &v, 1, io, ~size_t{0}, sender, rights);
}

SysResult<size_t> PipeBuffer::WriteV(fs::File* end, const iovec* iov, size_t cnt, int io, size_t valid,
                                     const std::string* sender, Rights* rights) {
  size_t len = 0;
  for (size_t i = 0; i < cnt; i++) len += iov[i].iov_len;
  bool packet = io & kIoPacket;
  size_t max_packet = (io & kIoBigPacket) ? cap_ : kPipeBuf;
  if (packet && (io & kIoBigPacket) && len > cap_) return Errno{EMSGSIZE};
  // A socket's empty datagram is queued like any other (an empty pipe
  // write, O_DIRECT or not, does nothing, as Linux's).
  const bool empty_packet = !len && packet && (io & kIoBigPacket);
  if (!len && !empty_packet) return size_t{0};
  bool empty_queued = false;
  WriteSource src{iov, cnt, valid};
  size_t done = 0;
  uint64_t deadline = 0;
  sched::LockSched(lock_);
  if (stream_units_ && !packet) return WriteStreamUnits_locked(end, src, len, io, rights);
  // As Linux pipe_write: a write's first len % PAGE_SIZE bytes may merge
  // into the last unit; the rest is cut into units (PipeSegments).
  size_t merge = packet || (io & kIoTeeUnit) ? 0 : segs_.MergeBytes(len, used_ == 0);
  while (done < len || (empty_packet && !empty_queued)) {
    if (moved_) {
      // The rest goes to the host pipe that replaced this one.
      lock_.unlock();
      fs::FilePtr host = MovedEnd(true);
      if (!host) return done ? SysResult<size_t>(done) : Errno{EPIPE};
      // What is left of the iovecs, from the cursor on, within guest
      // memory (the host call must not read past it).
      std::vector<iovec> rest(src.iov + src.i, src.iov + cnt);
      if (!rest.empty()) {
        rest[0].iov_base = static_cast<char*>(rest[0].iov_base) + src.off;
        rest[0].iov_len -= src.off;
      }
      size_t may = valid > src.pos ? valid - src.pos : 0;
      for (iovec& v : rest) {
        v.iov_len = std::min(v.iov_len, may);
        may -= v.iov_len;
      }
      if (valid <= src.pos) return done ? SysResult<size_t>(done) : Errno{EFAULT};
      long r = HostIo(host, true, SYS_writev, host::L(rest.data()), static_cast<long>(rest.size()));
      if (r < 0) return done ? SysResult<size_t>(done) : Errno{static_cast<int>(-r)};
      return done + static_cast<size_t>(r);
    }
    if (!readers_) {
      lock_.unlock();
      if (!(io & kIoNoSignal)) RaiseSigpipe();
      return done ? SysResult<size_t>(done) : Errno{EPIPE};
    }
    if (empty_packet && packets_.size() < MaxEmptyPackets()) {
      PushPacket_locked(0, sender, rights);
      empty_queued = true;
      lock_.unlock();
      readq_.WakeAll();
      NotifyEnds(EPOLLIN | EPOLLRDNORM, 0);
      sched::LockSched(lock_);
      continue;
    }
    size_t left = len - done;
    size_t n = 0;  // what goes in now (0: no room)
    if (CountsSlots()) {
      // A pipe: the merged bytes first (no slot), then a page or packet
      // per free slot. Writes up to PIPE_BUF are atomic: merged whole, or
      // in one slot.
      if (done < merge) n = merge - done;
      else if (FreeSlots_locked()) n = std::min(left, kPipeBuf);
    } else {
      size_t space = cap_ - used_;
      // Writes up to PIPE_BUF are atomic: all or nothing.
      size_t need = (len <= kPipeBuf || packet) ? std::min(left, packet ? max_packet : left) : 1;
      if (space >= need) n = packet ? std::min(left, max_packet) : std::min(left, space);
    }
    if (n) {
      size_t copied = CopyIn_locked(src, n);
      // src faulted: as Linux, the write's whole units are committed (a
      // packet is one) and it returns their bytes, or EFAULT.
      bool fault = copied < n;
      if (fault) n = packet ? 0 : segs_.WholeUnitsOfWrite(done, copied, merge);
      if (n) {
        used_ += n;
        if (packet) PushPacket_locked(n, sender, rights);
        else segs_.Add(done, n, merge);
        if (io & kIoTeeUnit) segs_.CloseTail();
        done += n;
      }
      lock_.unlock();
      if (n) {
        readq_.WakeAll();
        NotifyEnds(EPOLLIN | EPOLLRDNORM, 0);
      }
      if (fault) return done ? SysResult<size_t>(done) : Errno{EFAULT};
      sched::LockSched(lock_);
      continue;
    }
    SysResult<size_t> result = size_t{0};
    if (!WaitForRoom_locked(end, io, done, &deadline, &result)) return result;
  }
  lock_.unlock();
  return done;
}

void PipeBuffer::UseStreamSocketUnits(size_t sndbuf) {
  sched::SchedGuard g(lock_);
  stream_units_ = true;
  sndbuf_ = sndbuf;
  segs_.Reset(sndbuf_ / stream_units::kMinCharge + 2, 0);
}

void PipeBuffer::SetSendBuffer(size_t bytes) {
  {
    sched::SchedGuard g(lock_);
    sndbuf_ = bytes;
    // A unit per slot, as many as the charge can reach (the queued ones kept).
    segs_.Reset(std::max(sndbuf_ / stream_units::kMinCharge + 2, segs_.count() + 2), 0);
  }
  writeq_.WakeAll();  // a larger buffer may take a waiting send
  NotifyEnds(0, EPOLLOUT | EPOLLWRNORM);
}

size_t PipeBuffer::send_buffer() {
  sched::SchedGuard g(lock_);
  return sndbuf_;
}

void PipeBuffer::GrowRing_locked(size_t bytes) {
  size_t want = cap_;
  while (want < bytes) want <<= 1;
  if (want == cap_) return;
  lock_.unlock();
  std::vector<char> fresh(want);  // allocated outside the spinlock
  sched::LockSched(lock_);
  if (want <= cap_) return;  // another writer grew it meanwhile
  CopyOut_locked(fresh.data(), used_, false);
  ring_.swap(fresh);
  head_ = 0;
  cap_ = want;
}

// As Linux's unix_stream_sendmsg: unit by unit, each waiting while the
// charge of those queued reaches the send buffer, copied whole from the
// sender's memory (a fault drops it and ends the send: the units before it
// count, else EFAULT), then queued for the reader.
SysResult<size_t> PipeBuffer::WriteStreamUnits_locked(fs::File* end, WriteSource& src, size_t len, int io,
                                                      Rights* rights) {
  size_t done = 0;
  uint64_t deadline = 0;
  while (done < len) {
    if (moved_) {
      // A fork moved the pair to the host: the socket sends the rest there.
      lock_.unlock();
      return done ? SysResult<size_t>(done) : Errno{EPIPE};
    }
    if (!readers_) {
      lock_.unlock();
      // Linux raises SIGPIPE only for a send that sent nothing.
      if (!done && !(io & kIoNoSignal)) RaiseSigpipe();
      return done ? SysResult<size_t>(done) : Errno{EPIPE};
    }
    if (charged_ >= sndbuf_ || segs_.count() >= segs_.slots()) {
      SysResult<size_t> result = size_t{0};
      if (!WaitForRoom_locked(end, io, done, &deadline, &result)) return result;
      continue;
    }
    size_t n = std::min(len - done, stream_units::MaxUnit(sndbuf_));
    if (cap_ - used_ < n) {
      GrowRing_locked(used_ + n);
      continue;  // the lock was dropped: look again
    }
    size_t copied = CopyIn_locked(src, n);
    if (copied < n) {
      lock_.unlock();
      return done ? SysResult<size_t>(done) : Errno{EFAULT};
    }
    size_t charge = stream_units::Charge(n);
    if (!done && rights && !rights->empty()) marks_.push_back(RightsMark{bytes_in_, n, std::move(*rights)});
    bytes_in_ += n;
    used_ += n;
    charged_ += charge;
    segs_.AddUnit(n, charge);
    done += n;
    lock_.unlock();
    readq_.WakeAll();
    NotifyEnds(EPOLLIN | EPOLLRDNORM, 0);
    sched::LockSched(lock_);
  }
  lock_.unlock();
  return done;
}

bool PipeBuffer::WaitForRoom_locked(fs::File* end, int io, size_t done, uint64_t* deadline,
                                    SysResult<size_t>* result) {
  if (end->nonblocking() || (io & kIoNonBlock)) {
    lock_.unlock();
    *result = done ? SysResult<size_t>(done) : Errno{EAGAIN};
    return false;
  }
  if (!*deadline) *deadline = WaitDeadline(end, true);
  long r = writeq_.Wait(lock_, *deadline == ~uint64_t{0} ? 0 : *deadline);
  if (r) {
    *result = done ? SysResult<size_t>(done) : Errno{WaitError(r)};
    return false;
  }
  sched::LockSched(lock_);
  return true;
}

uint32_t PipeBuffer::PollRead() {
  sched::SchedGuard g(lock_);
  uint32_t ev = Readable_locked() ? (EPOLLIN | EPOLLRDNORM) : 0;
  if (!writers_) ev |= EPOLLHUP;
  return ev;
}

uint32_t PipeBuffer::PollWrite() {
  sched::SchedGuard g(lock_);
  bool room;
  if (stream_units_) room = (charged_ + 1) * 4 <= sndbuf_;  // Linux's unix_writable (its count starts at 1)
  else if (CountsSlots()) room = FreeSlots_locked() > 0;
  else room = cap_ - used_ >= std::min(kPipeBuf, cap_);
  uint32_t ev = room ? (EPOLLOUT | EPOLLWRNORM) : 0;
  if (!readers_) ev |= EPOLLERR;
  return ev;
}

size_t PipeBuffer::available() {
  sched::SchedGuard g(lock_);
  return used_;
}

size_t PipeBuffer::Room() {
  sched::SchedGuard g(lock_);
  return CountsSlots() ? FreeSlots_locked() * kPipeBuf : cap_ - used_;
}

SysResult<long> PipeBuffer::SetSize(size_t bytes) {
  if (bytes > kPipeMaxSize) return Errno{EPERM};
  size_t want = kPipeBuf;
  while (want < bytes) want <<= 1;
  std::vector<char> fresh(want);
  {
    sched::SchedGuard g(lock_);
    // Linux: fewer slots than those in use is EBUSY, whatever they hold.
    if (CountsSlots() ? segs_.count() + packets_.size() > want / kPipeBuf : used_ > want) return Errno{EBUSY};
    CopyOut_locked(fresh.data(), used_, false);
    ring_.swap(fresh);
    head_ = 0;
    cap_ = want;
    segs_.Reset(SegmentSlots(want), segs_.unit());
  }
  writeq_.WakeAll();
  NotifyEnds(0, EPOLLOUT);
  return static_cast<long>(want);
}

void PipeBuffer::MoveToHost(int to, bool socket, const fs::FilePtr& read_end, const fs::FilePtr& write_end) {
  {
    sched::SchedGuard g(lock_);
    if (moved_) return;  // a socket pair's buffer, moved with the other end
    // The host pipe keeps the capacity F_SETPIPE_SZ gave (F_GETPIPE_SZ
    // after a fork); it also holds what is buffered without a reader (the
    // write below must not block, lock_ held).
    if (to >= 0 && !socket && cap_ != kPipeDefaultSize)
      host::Syscall(SYS_fcntl, to, F_SETPIPE_SZ, static_cast<long>(cap_));
    if (to >= 0 && Readable_locked()) {
      std::vector<char> tmp(cap_);
      while (Readable_locked()) {
        size_t n = Consume_locked(tmp.data(), socket ? cap_ : used_, false, nullptr);
        if (socket)
          host::Syscall(SYS_sendto, to, host::L(tmp.data()), static_cast<long>(n), MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
        else
          host::Syscall(SYS_write, to, host::L(tmp.data()), static_cast<long>(n));
      }
    }
    used_ = head_ = charged_ = 0;
    packets_.clear();
    senders_.clear();
    segs_.Clear();
    moved_read_ = read_end;
    moved_write_ = write_end;
    __atomic_store_n(&moved_, true, __ATOMIC_RELEASE);
  }
  readq_.WakeAll();
  writeq_.WakeAll();
  // poll/select in progress follow the ends' MovedTo().
  NotifyEnds(EPOLLIN | EPOLLOUT | EPOLLHUP, EPOLLIN | EPOLLOUT | EPOLLERR);
}

fs::FilePtr PipeBuffer::MovedEnd(bool writer) {
  sched::SchedGuard g(lock_);
  return (writer ? moved_write_ : moved_read_).lock();
}

void PipeBuffer::Attach(fs::File* end, bool writer) {
  sched::SchedGuard e(ends_lock_);
  sched::SchedGuard g(lock_);
  (writer ? writers_ : readers_)++;
  (writer ? write_end_ : read_end_) = end;
}

void PipeBuffer::Detach(fs::File* end, bool writer) {
  {
    sched::SchedGuard e(ends_lock_);
    sched::SchedGuard g(lock_);
    (writer ? writers_ : readers_)--;
    fs::File*& slot = writer ? write_end_ : read_end_;
    if (slot == end) slot = nullptr;
  }
  // The other end learns of the hang-up.
  if (writer) {
    readq_.WakeAll();
    NotifyEnds(EPOLLHUP | EPOLLIN, 0);
  } else {
    writeq_.WakeAll();
    NotifyEnds(0, EPOLLERR | EPOLLOUT);
  }
}

void PipeBuffer::ShutRead() {
  {
    sched::SchedGuard g(lock_);
    read_shut_ = true;
  }
  readq_.WakeAll();
}

SysResult<size_t> PipeBuffer::TeeTo(fs::File* reader, PipeBuffer& to, fs::File* writer, size_t len) {
  std::vector<char> tmp(std::min(len, cap_));
  sched::LockSched(lock_);
  while (!used_) {
    if (!writers_ || reader->nonblocking()) {
      bool eof = !writers_;
      lock_.unlock();
      if (eof) return size_t{0};
      return Errno{EAGAIN};
    }
    long r = readq_.Wait(lock_);
    if (r) return Errno{static_cast<int>(-r)};
    sched::LockSched(lock_);
  }
  size_t n = CopyOut_locked(tmp.data(), tmp.size(), false);
  std::vector<size_t> units;
  if (packets_.empty()) segs_.Lengths(n, &units);
  lock_.unlock();
  {
    sched::SchedGuard g(to.lock_);
    if (!units.empty() && to.CountsSlots()) {
      // As Linux's link_pipe: a unit per free slot of the other pipe.
      if (units.size() > to.FreeSlots_locked()) units.resize(to.FreeSlots_locked());
      n = 0;
      for (size_t u : units) n += u;
    } else {
      n = std::min(n, to.cap_ - to.used_);
    }
  }
  if (!n) return Errno{EAGAIN};
  if (units.empty()) return to.Write(writer, tmp.data(), n);
  // As Linux: the copies keep the source's units, and merge with nothing.
  size_t done = 0;
  for (size_t u : units) {
    u = std::min(u, n - done);
    if (!u) break;
    auto r = to.Write(writer, tmp.data() + done, u, kIoTeeUnit);
    if (!r.ok()) return done ? SysResult<size_t>(done) : r;
    done += *r;
    if (*r < u) break;
  }
  return done;
}

PipeEnd::PipeEnd(std::shared_ptr<PipeBuffer> p, bool writer, int flags)
    : File((writer ? O_WRONLY : O_RDONLY) | flags, "pipe:[" + std::to_string(p->ino()) + "]"),
      pipe_(std::move(p)), writer_(writer) {
  lazy_pipe_ = writer ? 2 : 1;
  pipe_->Attach(this, writer_);
}

PipeEnd::~PipeEnd() {
  // A lazy read or write on another kthread found this end before it was
  // closed: let it finish (it never blocks).
  while (sched::InLazyUse(this)) __builtin_ia32_pause();
  pipe_->Detach(this, writer_);
}

SysResult<size_t> PipeEnd::Read(void* buf, size_t len) {
  if (writer_) return Errno{EBADF};
  return pipe_->Read(this, buf, len);
}

SysResult<size_t> PipeEnd::ReadPartial(void* buf, size_t len, size_t room) {
  if (writer_) return Errno{EBADF};
  return pipe_->Read(this, buf, len, 0, nullptr, room);
}

SysResult<size_t> PipeEnd::Write(const void* buf, size_t len) {
  if (!writer_) return Errno{EBADF};
  return pipe_->Write(this, buf, len, (flags() & O_DIRECT) ? kIoPacket : 0);
}

SysResult<void> PipeEnd::Stat(struct stat* st) {
  *st = fs::SyntheticStat(kAnonDev, pipe_->ino(), S_IFIFO | 0600);
  st->st_blksize = kPipeBuf;
  return {};
}

SysResult<int> PipeEnd::Available() { return static_cast<int>(pipe_->available()); }

uint32_t PipeEnd::Poll() { return writer_ ? pipe_->PollWrite() : pipe_->PollRead(); }

SysResult<long> PipeEnd::Fcntl(int cmd, long arg) {
  if (cmd == F_GETPIPE_SZ) return static_cast<long>(pipe_->size());
  if (cmd == F_SETPIPE_SZ) {
    if (arg < 0) return Errno{EINVAL};
    return pipe_->SetSize(static_cast<size_t>(arg));
  }
  return Errno{EINVAL};
}

std::pair<fs::FilePtr, fs::FilePtr> MakePipe(int flags) {
  auto buf = PipeBuffer::CreatePinnable();
  int status = flags & (O_NONBLOCK | O_DIRECT);
  auto rd = std::make_shared<PipeEnd>(buf, false, status & O_NONBLOCK);
  auto wr = std::make_shared<PipeEnd>(buf, true, status);
  return {rd, wr};
}

}  // namespace junction::libos::ipc
