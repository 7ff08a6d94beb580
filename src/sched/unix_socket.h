// Unix stream sockets for the control protocol: listening (with stale
// socket replacement), connecting, and framed messages with descriptors
// (SCM_RIGHTS). No exceptions; failures say why.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::sched {

// Creates the socket's directory (0755) if missing, replaces a stale
// socket left by a crashed daemon (one nobody accepts on), binds, sets the
// socket file to 0660 and listens. Non-blocking, close-on-exec. -1 if
// another daemon is listening there or on any error.
int ListenControlSocket(const std::string& path, std::string* why);

// Connects (blocking, close-on-exec); -1 with `why` on failure.
int ConnectControlSocket(const std::string& path, std::string* why);

// Sends one frame (as encoded, length prefix included) and `fds` with its
// first byte. Waits up to `timeout_ms` for room. False on error or timeout.
bool SendFrame(int sock, std::span<const uint8_t> frame, std::span<const int> fds,
               int timeout_ms = 1000);

// A connection's input: bytes and descriptors received, not yet consumed.
struct InputBuffer {
  std::vector<uint8_t> bytes;
  std::vector<int> fds;  // owned; closed by the destructor if not taken
  InputBuffer() = default;
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;
  ~InputBuffer();
  // Closes and forgets every descriptor not taken.
  void CloseFds();
};

enum class ReadStatus { kData, kWouldBlock, kClosed, kError };
// Reads whatever is available (one recvmsg) into `in`.
ReadStatus ReadAvailable(int sock, InputBuffer* in);

enum class FrameStatus { kComplete, kIncomplete, kTooLarge };
// Moves the first complete frame's payload out of `in`.
FrameStatus TakeFrame(InputBuffer* in, std::vector<uint8_t>* payload);

// Blocking: reads until one frame is complete or `timeout_ms` passes.
// Descriptors received stay in `in->fds`.
bool ReadFrameBlocking(int sock, InputBuffer* in, std::vector<uint8_t>* payload, int timeout_ms);

}  // namespace junction::sched
