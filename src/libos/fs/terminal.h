// Terminal requests on a host terminal (a tty or pty the guest inherited or
// opened through devfs): passed to the host with their argument checked,
// and process-group and session ids translated between the container's
// pids and the host's.
#pragma once

namespace junction::libos::fs {

// ioctl(`host_fd`, `req`, `arg`) for the terminal requests whose argument
// layout the LibOS knows; -ENOTTY for others, -EFAULT for a bad pointer.
long TerminalIoctl(int host_fd, unsigned long req, long arg);

}  // namespace junction::libos::fs
