// --strace line formatting (src/libos/strace_decode.cc and strace/*): the
// test process's own buffers stand in for guest memory once declared to
// the AddressSpace; undeclared pointers must print as hex addresses.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <asm/prctl.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>

#include <doctest/doctest.h>

#include "libos/mm/address_space.h"
#include "libos/strace/format.h"
#include "libos/strace/signature.h"
#include "libos/strace_decode.h"

namespace {

using junction::libos::AddressSpace;
using junction::libos::FormatSyscall;
using junction::libos::kNumSyscalls;
using junction::libos::kSyscallTable;
using junction::libos::SyscallArgs;
using junction::libos::Vma;

// Declares [p, p+n) as readable and writable guest memory.
template <typename T>
long Guest(T* p, size_t n = sizeof(T)) {
  auto start = reinterpret_cast<uintptr_t>(p);
  AddressSpace::Get().Track(Vma{start, start + n, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, 0, 0, ""});
  return static_cast<long>(start);
}

// A pointer no AddressSpace entry covers.
constexpr long kBadPtr = 0x10000;

// The line with strace's result-column padding collapsed to one space.
std::string Line(long nr, std::initializer_list<long> a, long result) {
  SyscallArgs args{nr, {}};
  int i = 0;
  for (long v : a) args.a[i++] = v;
  std::string s = FormatSyscall(args, result);
  return std::regex_replace(s, std::regex("\\) += "), ") = ");
}

std::string Hex(long p) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%#lx", p);
  return buf;
}

}  // namespace

TEST_CASE("strace: result column is padded to 40 like strace") {
  SyscallArgs a{SYS_close, {3}};
  CHECK(FormatSyscall(a, 0) == "close(3)                                = 0");
  CHECK(FormatSyscall(a, -EBADF) == "close(3)                                = -1 EBADF (Bad file descriptor)");
}

TEST_CASE("strace: openat with a path in guest memory") {
  static char path[] = "/etc/passwd";
  long p = Guest(path, sizeof(path));
  CHECK(Line(SYS_openat, {AT_FDCWD, p, O_RDONLY | O_CLOEXEC}, 3) ==
        "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
  CHECK(Line(SYS_openat, {5, p, O_WRONLY | O_CREAT | O_TRUNC, 0644}, -ENOENT) ==
        "openat(5, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 ENOENT (No such file "
        "or directory)");
  CHECK(Line(SYS_open, {p, O_RDWR | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW}, 4) ==
        "open(\"/etc/passwd\", O_RDWR|O_NONBLOCK|O_NOFOLLOW|O_DIRECTORY) = 4");
}

TEST_CASE("strace: an unreadable or NULL pointer prints as an address") {
  CHECK(Line(SYS_openat, {AT_FDCWD, kBadPtr, O_RDONLY}, -EFAULT) ==
        "openat(AT_FDCWD, 0x10000, O_RDONLY) = -1 EFAULT (Bad address)");
  CHECK(Line(SYS_write, {1, kBadPtr, 5}, -EFAULT) ==
        "write(1, 0x10000, 5) = -1 EFAULT (Bad address)");
  CHECK(Line(SYS_stat, {0, kBadPtr}, -EFAULT) == "stat(NULL, 0x10000) = -1 EFAULT (Bad address)");
  // A string running off the end of guest memory is not read past it.
  // Only the first 4 bytes are guest memory; the rest is not, and has no NUL.
  static char unterminated[16] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
                                  'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'};
  long p = Guest(unterminated, 4);
  CHECK(Line(SYS_unlink, {p}, 0) == "unlink(" + Hex(p) + ") = 0");
}

TEST_CASE("strace: read shows the returned bytes, write the given ones") {
  static char buf[64] = "hello world";
  long p = Guest(buf, sizeof(buf));
  CHECK(Line(SYS_read, {0, p, 64}, 5) == "read(0, \"hello\", 64) = 5");
  CHECK(Line(SYS_read, {0, p, 64}, 0) == "read(0, \"\", 64) = 0");
  CHECK(Line(SYS_read, {0, p, 64}, -EAGAIN) ==
        "read(0, " + Hex(p) + ", 64) = -1 EAGAIN (Resource temporarily unavailable)");
  CHECK(Line(SYS_write, {1, p, 11}, 11) == "write(1, \"hello world\", 11) = 11");
  CHECK(Line(SYS_pread64, {3, p, 64, 128}, 2) == "pread64(3, \"he\", 64, 128) = 2");
}

TEST_CASE("strace: strings are escaped and cut at 32 bytes like strace -s 32") {
  static unsigned char buf[] = "tab\there \"q\" back\\slash \001\177\0012 \xff long tail";
  long p = Guest(buf, sizeof(buf));
  CHECK(Line(SYS_write, {2, p, 25}, 25) ==
        "write(2, \"tab\\there \\\"q\\\" back\\\\slash \\1\", 25) = 25");
  CHECK(Line(SYS_write, {2, p, sizeof(buf) - 1}, 40) ==
        "write(2, \"tab\\there \\\"q\\\" back\\\\slash \\1\\177\\0012 \\377 l\"..., 40) = 40");
  static char exact[33] = "0123456789abcdef0123456789abcdef";
  long e = Guest(exact, sizeof(exact));
  CHECK(Line(SYS_write, {1, e, 32}, 32) == "write(1, \"0123456789abcdef0123456789abcdef\", 32) = 32");
  CHECK(Line(SYS_write, {1, e, 33}, 33) ==
        "write(1, \"0123456789abcdef0123456789abcdef\"..., 33) = 33");
  // Paths are not cut.
  static char longpath[] = "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache";
  long lp = Guest(longpath, sizeof(longpath));
  CHECK(Line(SYS_access, {lp, R_OK}, 0) ==
        "access(\"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\", R_OK) = 0");
  // NUL-terminated non-path strings are cut.
  static char name[] = "a-thread-name-that-is-longer-than-32";
  long np = Guest(name, sizeof(name));
  CHECK(Line(SYS_prctl, {PR_SET_NAME, np}, 0) ==
        "prctl(PR_SET_NAME, \"a-thread-name-that-is-longer-tha\"...) = 0");
}

TEST_CASE("strace: getrandom's buffer is shown in hex") {
  static unsigned char buf[4] = {0xa5, 0x14, 0x48, 0x00};
  long p = Guest(buf, sizeof(buf));
  CHECK(Line(SYS_getrandom, {p, 4, 1}, 4) == "getrandom(\"\\xa5\\x14\\x48\\x00\", 4, GRND_NONBLOCK) = 4");
}

TEST_CASE("strace: mmap family: flags, fd and hex results") {
  CHECK(Line(SYS_mmap, {0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0},
             0x7f0000001000) ==
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000");
  CHECK(Line(SYS_mmap, {0x7f0000000000, 4096, PROT_READ | PROT_EXEC,
                        MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x26000},
             0x7f0000000000) ==
        "mmap(0x7f0000000000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, "
        "0x26000) = 0x7f0000000000");
  CHECK(Line(SYS_mmap, {0, 4096, PROT_NONE, MAP_SHARED, 3, 0}, -ENOMEM) ==
        "mmap(NULL, 4096, PROT_NONE, MAP_SHARED, 3, 0) = -1 ENOMEM (Cannot allocate memory)");
  CHECK(Line(SYS_mprotect, {0x1000, 4096, PROT_READ}, 0) == "mprotect(0x1000, 4096, PROT_READ) = 0");
  CHECK(Line(SYS_brk, {0}, 0x555555560000) == "brk(NULL) = 0x555555560000");
  CHECK(Line(SYS_madvise, {0x1000, 4096, MADV_DONTNEED}, 0) ==
        "madvise(0x1000, 4096, MADV_DONTNEED) = 0");
  CHECK(Line(SYS_mremap, {0x1000, 4096, 8192, MREMAP_MAYMOVE}, 0x2000) ==
        "mremap(0x1000, 4096, 8192, MREMAP_MAYMOVE) = 0x2000");
  CHECK(Line(SYS_mmap, {0, 4096, PROT_READ, 0x2 | 0x80000000L, -1, 0}, -EINVAL).find(
            "MAP_PRIVATE|0x80000000") != std::string::npos);
}

TEST_CASE("strace: struct stat and timespec summaries") {
  static struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_mode = S_IFREG | 0644;
  st.st_size = 123;
  long p = Guest(&st);
  CHECK(Line(SYS_fstat, {3, p}, 0) == "fstat(3, {st_mode=S_IFREG|0644, st_size=123, ...}) = 0");
  CHECK(Line(SYS_fstat, {3, p}, -EBADF) ==
        "fstat(3, " + Hex(p) + ") = -1 EBADF (Bad file descriptor)");
  static char empty[] = "";
  long e = Guest(empty, 1);
  CHECK(Line(SYS_newfstatat, {3, e, p, AT_EMPTY_PATH}, 0) ==
        "newfstatat(3, \"\", {st_mode=S_IFREG|0644, st_size=123, ...}, AT_EMPTY_PATH) = 0");
  st.st_mode = S_IFCHR | 0620;
  st.st_rdev = makedev(0x88, 1);
  CHECK(Line(SYS_fstat, {1, p}, 0) ==
        "fstat(1, {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0x1), ...}) = 0");

  static struct timespec ts = {1, 0};
  long t = Guest(&ts);
  CHECK(Line(SYS_nanosleep, {t, 0}, 0) == "nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0");
  CHECK(Line(SYS_clock_gettime, {CLOCK_MONOTONIC, t}, 0) ==
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=0}) = 0");
  CHECK(Line(SYS_clock_nanosleep, {CLOCK_REALTIME, TIMER_ABSTIME, t, 0}, 0) ==
        "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0");
}

TEST_CASE("strace: signals, sets and sigaction") {
  CHECK(Line(SYS_kill, {1234, SIGTERM}, 0) == "kill(1234, SIGTERM) = 0");
  CHECK(Line(SYS_tgkill, {1, 2, 34}, 0) == "tgkill(1, 2, SIGRT_2) = 0");
  static uint64_t set = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGTERM - 1));
  long s = Guest(&set);
  CHECK(Line(SYS_rt_sigprocmask, {SIG_BLOCK, s, 0, 8}, 0) ==
        "rt_sigprocmask(SIG_BLOCK, [USR1 TERM], NULL, 8) = 0");
  static uint64_t most = ~((1ull << 31) | (1ull << 32));
  long m = Guest(&most);
  CHECK(Line(SYS_rt_sigprocmask, {SIG_SETMASK, m, 0, 8}, 0) ==
        "rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], NULL, 8) = 0");
  static uint64_t sa[4] = {0x401000, 0x04000000 | SA_RESTART, 0x402000, 0};
  long a = Guest(&sa);
  CHECK(Line(SYS_rt_sigaction, {SIGINT, a, 0, 8}, 0) ==
        "rt_sigaction(SIGINT, {sa_handler=0x401000, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, "
        "sa_restorer=0x402000}, NULL, 8) = 0");
  static uint64_t old[4] = {0, 0, 0, 0};
  long o = Guest(&old);
  CHECK(Line(SYS_rt_sigaction, {SIGQUIT, 0, o, 8}, 0) ==
        "rt_sigaction(SIGQUIT, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0");
}

TEST_CASE("strace: value-dependent argument lists") {
  CHECK(Line(SYS_fcntl, {3, F_GETFD}, 1) == "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
  CHECK(Line(SYS_fcntl, {3, F_GETFL}, 0x8002) == "fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)");
  CHECK(Line(SYS_fcntl, {3, F_SETFD, FD_CLOEXEC}, 0) == "fcntl(3, F_SETFD, FD_CLOEXEC) = 0");
  CHECK(Line(SYS_fcntl, {1, F_DUPFD, 10}, 11) == "fcntl(1, F_DUPFD, 10) = 11");
  CHECK(Line(SYS_fcntl, {1, F_SETFL, O_RDWR | O_NONBLOCK}, 0) == "fcntl(1, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
  CHECK(Line(SYS_ioctl, {1, TCGETS, 0x7ffc0000}, -ENOTTY) ==
        "ioctl(1, TCGETS, 0x7ffc0000) = -1 ENOTTY (Inappropriate ioctl for device)");
  CHECK(Line(SYS_ioctl, {1, 0x1234, 0}, -ENOTTY).rfind("ioctl(1, 0x1234 /* _IOC??? */, NULL)", 0) == 0);
  CHECK(Line(SYS_futex, {0x1000, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1}, 0) ==
        "futex(0x1000, FUTEX_WAKE_PRIVATE, 1) = 0");
  CHECK(Line(SYS_futex, {0x1000, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0,
                         0, 0, -1},
             0) ==
        "futex(0x1000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, "
        "FUTEX_BITSET_MATCH_ANY) = 0");
  CHECK(Line(SYS_prctl, {PR_GET_DUMPABLE}, 1) == "prctl(PR_GET_DUMPABLE) = 1");
  CHECK(Line(SYS_prctl, {PR_SET_PDEATHSIG, SIGKILL}, 0) == "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0");
  CHECK(Line(SYS_arch_prctl, {ARCH_SET_FS, 0x7f0000000740}, 0) ==
        "arch_prctl(ARCH_SET_FS, 0x7f0000000740) = 0");
  CHECK(Line(SYS_clone, {CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0x7f00a10, 0},
             -ENOSYS) ==
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
        "child_tidptr=0x7f00a10) = -1 ENOSYS (Function not implemented)");
}

TEST_CASE("strace: small constant sets") {
  static char path[] = "/x";
  long p = Guest(path, sizeof(path));
  CHECK(Line(SYS_access, {p, R_OK | X_OK}, 0) == "access(\"/x\", R_OK|X_OK) = 0");
  CHECK(Line(SYS_access, {p, F_OK}, 0) == "access(\"/x\", F_OK) = 0");
  CHECK(Line(SYS_lseek, {3, -10, SEEK_END}, 90) == "lseek(3, -10, SEEK_END) = 90");
  CHECK(Line(SYS_umask, {022}, 077) == "umask(022) = 077");
  CHECK(Line(SYS_unlinkat, {AT_FDCWD, p, AT_REMOVEDIR}, 0) ==
        "unlinkat(AT_FDCWD, \"/x\", AT_REMOVEDIR) = 0");
  CHECK(Line(SYS_clock_getres, {99, 0}, -EINVAL) ==
        "clock_getres(0x63 /* CLOCK_??? */, NULL) = -1 EINVAL (Invalid argument)");
  static uint64_t rl[2] = {8192 * 1024, ~0ull};
  long r = Guest(&rl);
  CHECK(Line(SYS_prlimit64, {0, RLIMIT_STACK, 0, r}, 0) ==
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0");
  static int fds[2] = {3, 4};
  long f = Guest(&fds);
  CHECK(Line(SYS_pipe2, {f, O_CLOEXEC}, 0) == "pipe2([3, 4], O_CLOEXEC) = 0");
}

TEST_CASE("strace: exact argument counts, calls that never return, unknown numbers") {
  CHECK(Line(SYS_getpid, {1, 2, 3, 4, 5, 6}, 42) == "getpid() = 42");
  CHECK(Line(SYS_exit_group, {0}, 0) == "exit_group(0) = ?");
  CHECK(Line(SYS_exit, {3}, 0) == "exit(3) = ?");
  CHECK(Line(1000, {1, 2, 3, 4, 5, 6}, -ENOSYS) ==
        "syscall_0x3e8(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)");
  // Every named system call has a signature of its own.
  for (long nr = 0; nr < kNumSyscalls; nr++) {
    if (!kSyscallTable[static_cast<size_t>(nr)].name) continue;
    CAPTURE(kSyscallTable[static_cast<size_t>(nr)].name);
    const auto& sig = junction::libos::strace::LookupSignature(nr);
    CHECK(sig.known);
    CHECK(sig.count <= 6);
  }
}

TEST_CASE("strace: iovecs") {
  static char a[] = "hi";
  static char b[] = "\n";
  static struct iovec iov[2] = {{a, 2}, {b, 1}};
  long p = Guest(&iov);
  Guest(a, 2);
  Guest(b, 1);
  CHECK(Line(SYS_writev, {1, p, 2}, 3) ==
        "writev(1, [{iov_base=\"hi\", iov_len=2}, {iov_base=\"\\n\", iov_len=1}], 2) = 3");
  CHECK(Line(SYS_readv, {0, p, 2}, 1) ==
        "readv(0, [{iov_base=\"h\", iov_len=2}, {iov_base=\"\", iov_len=1}], 2) = 1");
}
