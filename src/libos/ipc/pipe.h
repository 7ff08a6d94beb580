// Pipes whose two ends are in this process (Linux fs/pipe.c): a byte ring
// in LibOS memory shared by a read-end and a write-end description.
// Blocking reads and writes park the uthread on the pipe's wait queues.
//
// Locking: ends_lock_ before lock_; PipeBuffer::lock_ guards the ring, the packet lengths and the
// end counts; it is taken before any WaitQueue lock and never held while
// notifying poll watchers.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "libos/fs/file.h"
#include "libos/ipc/pipe_segments.h"
#include "sched/single_kthread.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::ipc {

inline constexpr size_t kPipeBuf = 4096;           // PIPE_BUF: atomic write size
inline constexpr size_t kPipeDefaultSize = 65536;  // 16 pages, as Linux
inline constexpr size_t kPipeMaxSize = 1 << 20;    // /proc/sys/fs/pipe-max-size

class PipeEnd;

// Per-call options of PipeBuffer I/O (sockets reuse the buffer).
enum PipeIo : int {
  kIoNonBlock = 1,    // as if O_NONBLOCK (MSG_DONTWAIT)
  kIoPacket = 2,      // a write is one packet (O_DIRECT, dgram, seqpacket)
  kIoNoSignal = 4,    // EPIPE without SIGPIPE (MSG_NOSIGNAL)
  kIoPeek = 8,        // read without consuming (MSG_PEEK)
  kIoBigPacket = 16,  // packets up to the buffer size, else EMSGSIZE
  kIoTeeUnit = 32,    // one unit that tee(2) copied: merges with nothing
};

// The descriptors a unix socket's send carries (SCM_RIGHTS).
using Rights = std::vector<fs::FilePtr>;

class PipeBuffer {
 public:
  PipeBuffer();
  // Its locks, for a host fork to hold (fs::File::AddForkLocks).
  void AddForkLocks(std::vector<sched::SpinLock*>& out) {
    out.push_back(&ends_lock_);
    out.push_back(&lock_);
    out.push_back(&readq_.fork_lock());
    out.push_back(&writeq_.fork_lock());
  }
  // A pipe's buffer: a lazy read may wait on it with no reference of its
  // own (a pin under lock_), so the last reference only frees it once no
  // such read waits (ReleaseLast).
  static std::shared_ptr<PipeBuffer> CreatePinnable();
  // The ends call these from their Read/Write/Poll.
  // `packet_len`, if given, gets the whole packet's length (a packet read
  // into a shorter buffer loses the rest: MSG_TRUNC reports it).
  // `room`: how many bytes of buf can take data (a guest buffer that
  // faults after them, found by the caller): a stream read consumes only
  // the units (PipeSegments) that fit, EFAULT if none does.
  // `sender`, if given, gets the address a datagram socket's packet was
  // sent from (what Write was given with it).
  // `rights`, if given, gets the descriptors a send queued with the data
  // read (a socket's): as Linux's unix_stream_read_generic, a stream read
  // goes no further than the end of the first unit of a send that carried
  // rights, and takes them if it reaches that unit's first byte; a packet
  // brings its own. A blocking wait ends after end->wait_timeout_ns(false)
  // with EAGAIN.
  SysResult<size_t> Read(fs::File* end, void* buf, size_t len, int io = 0, size_t* packet_len = nullptr,
                         size_t room = ~size_t{0}, std::string* sender = nullptr, Rights* rights = nullptr);
  SysResult<size_t> Write(fs::File* end, const void* buf, size_t len, int io = 0,
                          const std::string* sender = nullptr, Rights* rights = nullptr);
  // writev(2): the iovecs (cnt >= 1, guest memory that may fault) as one
  // write, as Linux's pipe_write takes them (units cross iovecs; up to
  // PIPE_BUF bytes in all are atomic).
  // `valid`: the bytes of the iovecs (in order) that lie in guest memory;
  // the rest is not touched and counts as faulting.
  // `sender`: a datagram socket's packets keep it, committed with the
  // packet (recvfrom's address).
  // `rights` (a socket's, not empty): moved out to travel with the first
  // unit (or the packet) once it is queued; left as they are if the call
  // queues nothing. A blocking wait for room ends after
  // end->wait_timeout_ns(true) with EAGAIN (or the bytes queued).
  SysResult<size_t> WriteV(fs::File* end, const struct iovec* iov, size_t cnt, int io = 0,
                           size_t valid = ~size_t{0}, const std::string* sender = nullptr,
                           Rights* rights = nullptr);
  // Makes this (new, empty) buffer one direction of a unix stream socket
  // pair: writes go in Linux's skb units, each charged to the sender, and
  // wait while the charge reaches the send buffer, `sndbuf` bytes
  // (stream_socket_units.h).
  void UseStreamSocketUnits(size_t sndbuf);
  // The sender's SO_SNDBUF (a stream socket's buffer).
  void SetSendBuffer(size_t bytes);
  size_t send_buffer();
  uint32_t PollRead();
  uint32_t PollWrite();
  SysResult<long> SetSize(size_t bytes);
  size_t size() const { return cap_; }
  // How many bytes a write could put in now without waiting: a pipe's free
  // slots' pages (splice into a pipe takes no more).
  size_t Room();
  size_t available();
  void Attach(fs::File* end, bool writer);
  void Detach(fs::File* end, bool writer);
  // A socket's shutdown(SHUT_RD): a read that would wait (one waiting
  // now too) is EAGAIN from now on; what is queued is still read.
  void ShutRead();
  // tee(2): copies up to len bytes of this pipe into `to` without consuming.
  SysResult<size_t> TeeTo(fs::File* reader, PipeBuffer& to, fs::File* writer, size_t len);
  uint64_t ino() const { return ino_; }
  // A fork makes this buffer a host pipe or socket pair. In one step under
  // lock_, the bytes queued here go to host descriptor `to` (-1: dropped;
  // for a socket, one send per packet) and the buffer is marked moved, so
  // no byte is lost, duplicated or overtaken. Then calls waiting here wake
  // and, like later ones, go on on the host: a pipe's on the host ends that
  // replaced its ends in the descriptor table (`read_end`, `write_end`,
  // held weakly: the old ends going away must not look like the last
  // writer or reader closing); a socket's as its owner says (here Read
  // returns 0 and Write EPIPE without a signal, and moved() is true).
  void MoveToHost(int to, bool socket, const fs::FilePtr& read_end, const fs::FilePtr& write_end);
  bool moved() const { return __atomic_load_n(&moved_, __ATOMIC_ACQUIRE); }
  // The host end that replaced an end of each kind at a fork (MoveToHost);
  // empty if that end has not been replaced or is gone.
  fs::FilePtr MovedEnd(bool writer);

  // The lazy path (pipe_lazy.cc, vector-free): read(2) whole and write(2)
  // of up to PIPE_BUF bytes without packets; either may wait (the uthread
  // parks on the guest's registers). Returns the result or -errno;
  // kNotLazy if the call must take Read/Write instead (nothing was done).
  static constexpr long kNotLazy = 1l << 62;
  long ReadLazy(PipeEnd* end, void* buf, size_t len);
  long WriteLazy(PipeEnd* end, const void* buf, size_t len);

 private:
  void NotifyEndsLazy(uint32_t rd, uint32_t wr);
  void NotifyEnds(uint32_t rd, uint32_t wr);
  // ReadLazy's wait: parks until data, EOF or a signal (0 or -EINTR).
  // lock_ held before and after.
  long WaitReadableLazy_locked();
  // A lazy call about to wait pins the buffer (it counts as an end of its
  // kind and defers the buffer's free) and lets go of its end.
  void PinLazy_locked(bool writer);
  // The end of a lazy call: wakes and notifies the other side (`ev`, 0:
  // nothing changed), ends the pin. Releases lock_; may free the buffer.
  void FinishLazy_locked(bool writer, bool pinned, uint32_t ev);
  // SIGPIPE to the calling thread, as Linux sends it with EPIPE.
  static void RaiseSigpipe();
  static void ReleaseLast(PipeBuffer* b);
  // Takes up to len bytes (or the first packet) out of a non-empty ring.
  // The guest buffer faulted (Consume_locked/CopyOut_locked; nothing consumed).
  static constexpr size_t kCopyFault = ~size_t{0};
  size_t Consume_locked(void* buf, size_t len, bool peek, size_t* packet_len, size_t room = ~size_t{0},
                        std::string* sender = nullptr);
  // Queues a packet's length (and its sender and rights, for a socket's);
  // lock_ held.
  void PushPacket_locked(size_t n, const std::string* sender, Rights* rights) {
    if (rights && !rights->empty()) marks_.push_back(RightsMark{packets_in_, n, std::move(*rights)});
    packets_.push_back(n);
    packets_in_++;
    if (sender) senders_.push_back(*sender);
  }
  // How much of the read at the head a socket's rights allow (the end of
  // the unit that carries the next ones, for a stream); lock_ held.
  size_t RightsLimit_locked(size_t len) const;
  // After a read took bytes (a stream's) or a packet: the rights that came
  // with them, appended to *out; lock_ held.
  void TakeRights_locked(Rights* out);
  // Copies up to len bytes out; if dst faults (or `room` ends) first, only
  // the whole units copied count (`whole`: all or nothing).
  size_t CopyOut_locked(void* dst, size_t len, bool consume, size_t room = ~size_t{0}, bool whole = false);
  // Drops the first n (<= used_) bytes read. Integer-only and inline: the
  // lazy path (vector-free) uses it too.
  [[gnu::always_inline]] void Drop_locked(size_t n) {
    head_ += n;  // head_ < cap_ and n <= used_ <= cap_: no division
    if (head_ >= cap_) head_ -= cap_;
    used_ -= n;
    if (!used_) {
      head_ = 0;
      segs_.Clear();
      charged_ = 0;
    } else {
      size_t freed = segs_.Consume(n);
      if (stream_units_) charged_ -= freed;
    }
  }
  // Where a write takes its bytes from: iovecs, a cursor moving on.
  struct WriteSource {
    const struct iovec* iov;
    size_t cnt;
    size_t valid;  // bytes that may be read (the rest faults)
    size_t i = 0, off = 0, pos = 0;
  };
  // Copies len bytes of src after the queued ones (src moves on): how
  // many before src faulted.
  size_t CopyIn_locked(WriteSource& src, size_t len);
  // WriteV on a stream socket's buffer (UseStreamSocketUnits). lock_ held
  // on entry, released on return.
  SysResult<size_t> WriteStreamUnits_locked(fs::File* end, WriteSource& src, size_t len, int io, Rights* rights);
  // A write with `done` bytes in that finds no room: EAGAIN (or those
  // bytes) if it may not block, else it parks until a reader makes room.
  // True with lock_ held again (look again); false with lock_ released and
  // the call's result in *result. *deadline: 0 until the first wait sets
  // it from the end's send timeout (~0: none).
  bool WaitForRoom_locked(fs::File* end, int io, size_t done, uint64_t* deadline, SysResult<size_t>* result);
  // Makes the ring hold at least `bytes` (a stream socket's grows as its
  // charge allows). lock_ held on entry and return (dropped meanwhile).
  void GrowRing_locked(size_t bytes);
  // The tracked units for a ring of `cap` bytes (two neighbours of a pipe
  // hold over a page between them).
  static size_t SegmentSlots(size_t cap) { return 2 * (cap / kPipeBuf) + 4; }
  // A pipe's capacity is slots, as Linux's (pipe->max_usage): a page each,
  // cap_ / PIPE_BUF of them. A write's bytes that merge into the last
  // slot's page need none; each further page of it, and each O_DIRECT
  // packet, takes one. A socket's buffer (no page units) counts bytes.
  [[gnu::always_inline]] bool CountsSlots() const { return segs_.unit() != 0; }
  // Bytes or a packet (a socket's empty datagram holds no bytes) to read.
  [[gnu::always_inline]] bool Readable_locked() const { return used_ || !packets_.empty(); }
  // Empty datagrams a socket's buffer queues at most (Linux charges each
  // its buffer's overhead against the receive buffer).
  size_t MaxEmptyPackets() const { return std::max<size_t>(16, cap_ / 256); }
  [[gnu::always_inline]] size_t FreeSlots_locked() const {
    size_t used = segs_.count() + packets_.size(), max = cap_ / kPipeBuf;
    return used < max ? max - used : 0;
  }
  // A stream write of `len` (not O_DIRECT) fits whole now.
  [[gnu::always_inline]] bool Fits_locked(size_t len) const {
    if (!CountsSlots()) return cap_ - used_ >= len;
    return segs_.UnitsFor(len, segs_.MergeBytes(len, used_ == 0)) <= FreeSlots_locked();
  }

  sched::SpinLock lock_;
  std::vector<char> ring_;  // guarded by lock_
  size_t cap_ = kPipeDefaultSize;
  size_t head_ = 0, used_ = 0;
  std::deque<size_t> packets_;  // O_DIRECT write lengths, oldest first
  std::deque<std::string> senders_;  // a datagram socket's packets' sender addresses, with packets_
  PipeSegments segs_;           // the other writes' units (page-sized for a pipe)
  // A unix stream socket's buffer (UseStreamSocketUnits): the queued units'
  // charges and the sender's send buffer.
  bool stream_units_ = false;
  size_t charged_ = 0;
  size_t sndbuf_ = 0;
  // A socket's rights in flight, oldest first: each tied to the first
  // byte (`at`, counted in bytes_in_) of a stream send's first unit of
  // `unit` bytes, or to packet number `at` (counted in packets_in_).
  struct RightsMark {
    uint64_t at;
    size_t unit;
    Rights rights;
  };
  std::deque<RightsMark> marks_;
  uint64_t bytes_in_ = 0;    // a stream socket's bytes ever queued (consumed: bytes_in_ - used_)
  uint64_t packets_in_ = 0;  // packets ever queued (consumed: packets_in_ - packets_.size())
  // Ends attached, plus lazy readers blocked in read(2): like the file an
  // in-flight Linux read holds, one keeps the pipe open for reading even if
  // its descriptor is closed meanwhile (pipe_lazy.cc).
  int readers_ = 0, writers_ = 0;
  // Lazy reads waiting (each also counts in readers_), and whether the
  // last reference went meanwhile (the last of them frees the buffer).
  int lazy_pins_ = 0;
  bool orphaned_ = false;
  bool pinnable_ = false;  // made by CreatePinnable
  bool moved_ = false;     // a fork made it a host pipe (written under lock_)
  bool read_shut_ = false; // ShutRead (guarded by lock_)
  std::weak_ptr<fs::File> moved_read_, moved_write_;  // guarded by lock_
  // The ends, for poll notification; guarded by ends_lock_ (taken before
  // lock_, held while notifying so that an end cannot die meanwhile).
  sched::SpinLock ends_lock_;
  fs::File* read_end_ = nullptr;
  fs::File* write_end_ = nullptr;
  sched::WaitQueue readq_, writeq_;
  uint64_t ino_;
};

class PipeEnd : public fs::File {
 public:
  PipeEnd(std::shared_ptr<PipeBuffer> p, bool writer, int flags);
  ~PipeEnd() override;
  SysResult<size_t> Read(void* buf, size_t len) override;
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override;
  SysResult<size_t> Write(const void* buf, size_t len) override;
  SysResult<void> Stat(struct stat* st) override;
  SysResult<int> Available() override;
  uint32_t Poll() override;
  bool host_pollable() const override { return false; }
  SysResult<long> Fcntl(int cmd, long arg) override;
  fs::FilePtr MovedTo() override { return pipe_->moved() ? pipe_->MovedEnd(writer_) : nullptr; }
  void AddForkLocks(std::vector<sched::SpinLock*>& out) override {
    File::AddForkLocks(out);
    pipe_->AddForkLocks(out);
  }
  PipeBuffer& pipe() { return *pipe_; }
  bool writer() const { return writer_; }

 private:
  std::shared_ptr<PipeBuffer> pipe_;
  bool writer_;
};

// Creates both ends (pipe2 flags: O_NONBLOCK, O_DIRECT). [0] reads.
std::pair<fs::FilePtr, fs::FilePtr> MakePipe(int flags);

}  // namespace junction::libos::ipc
