// Junction's own host sockets, which a guest's connect to a host program's
// socket file (net/unix_socket.cc) must not reach: the daemon's control
// socket and other containers' shared sockets (docs/security.md).
#pragma once

namespace junction::libos::net {

// True if host descriptor `fd` (an O_PATH descriptor of a socket file)
// is the daemon's control socket (the configured path or the default)
// or lies on the host's /dev/shm under a junction-shm-* directory. By
// device and inode for the control socket and by device for /dev/shm, so
// that no symlink or bind mount of either reaches it.
bool IsJunctionOwnSocket(int fd);

}  // namespace junction::libos::net
