// `junction ps` output: the stable JSON of docs/cli.md and the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sched/control_message.h"

namespace junction::sched {

// One JSON array on one line (docs/cli.md "ps --json").
std::string FormatStatusJson(const std::vector<ContainerStatus>& rows, uint64_t now_unix_ns);
// A human-readable table with a header line.
std::string FormatStatusTable(const std::vector<ContainerStatus>& rows, uint64_t now_unix_ns);

// Resident memory of a host process (/proc/PID/statm), if readable.
std::optional<uint64_t> ReadRssBytes(int32_t pid);
uint64_t UnixNowNs();
uint64_t MonotonicNowNs();

}  // namespace junction::sched
