// What the EAL logs, captured into a string while an EalLogCapture lives
// (DPDK's log goes to stderr otherwise). Include only where DPDK is.
#pragma once

#include <rte_log.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace junction::net {

// Collects what the EAL logs while it is installed, and restores the default
// log stream when it goes away.
class EalLogCapture {
 public:
  EalLogCapture() : stream_(open_memstream(&buf_, &len_)) {
    if (stream_ != nullptr) rte_openlog_stream(stream_);
  }
  ~EalLogCapture() {
    if (stream_ != nullptr) {
      rte_openlog_stream(nullptr);
      std::fclose(stream_);
    }
    std::free(buf_);
  }
  EalLogCapture(const EalLogCapture&) = delete;
  EalLogCapture& operator=(const EalLogCapture&) = delete;

  std::string Text() {
    if (stream_ == nullptr) return "(EAL log not captured: open_memstream failed)\n";
    std::fflush(stream_);
    return std::string(buf_, len_);
  }

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
  FILE* stream_;
};

}  // namespace junction::net
