// The daemon's network port as the switch sees it: a DPDK ethdev
// (dpdk_nic.h) in the daemon, an in-memory double in tests.
#pragma once

#include <cstdint>
#include <span>

#include "net/switch_frame.h"

namespace junction::net {

class NicPort {
 public:
  virtual ~NicPort() = default;
  virtual Mac mac() const = 0;
  // Hands up to `max` received frames to fn(ctx, frame), one at a time;
  // each frame is valid only during the call. Returns how many.
  using FrameFn = void (*)(void* ctx, std::span<const uint8_t> frame);
  virtual int Receive(FrameFn fn, void* ctx, int max) = 0;
  // Queues a frame (copied) for transmission; false if the port's queue is
  // full. Sent at the latest by the next Flush().
  virtual bool Send(std::span<const uint8_t> frame) = 0;
  virtual void Flush() = 0;
  // A descriptor that becomes readable when frames arrive while armed
  // (rx interrupt), or -1: the daemon then polls the port at least every
  // millisecond while it sleeps.
  virtual int wake_fd() const { return -1; }
  // Arm before sleeping; true if frames may already be waiting (do not
  // sleep). Disarm after waking (drains the descriptor).
  virtual bool ArmWake() { return false; }
  virtual void DisarmWake() {}
};

}  // namespace junction::net
