// RunGuest: turns this process into the LibOS host for one guest program.
#include "libos/libos.h"

#include <asm/hwcap2.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "libos/entry/seccomp.h"
#include "libos/entry/sigsys.h"
#include "libos/entry/thread_state.h"
#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/loader_env.h"
#include "libos/mm/address_space.h"
#include "libos/process.h"
#include "libos/strace.h"
#include "libos/syscalls/syscall_table.h"
#include "libos/vdso/vdso.h"

extern "C" [[noreturn]] void junction_enter_guest(uintptr_t entry, uintptr_t rsp);
extern char** environ;

namespace junction::libos {

namespace {

std::vector<std::string> BuildEnvironment(const config::AppConfig& cfg) {
  std::vector<std::string> env;
  if (cfg.env.inherit) {
    for (char** e = environ; e && *e; e++) {
      std::string kv(*e);
      std::string key = kv.substr(0, kv.find('='));
      if (!cfg.env.vars.count(key)) env.push_back(kv);
    }
  }
  for (const auto& [k, v] : cfg.env.vars) env.push_back(k + "=" + v);
  return env;
}

std::string FindPath(const std::vector<std::string>& env) {
  for (const std::string& kv : env)
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

void InitProcess(const config::AppConfig& cfg) {
  Process& p = CurrentProcess();
  p.config = &cfg;
  p.host_pid = static_cast<int>(host::Syscall(SYS_getpid));
  p.host_ppid = static_cast<int>(host::Syscall(SYS_getppid));
  p.uid = static_cast<uint32_t>(getuid());
  p.euid = static_cast<uint32_t>(geteuid());
  p.gid = static_cast<uint32_t>(getgid());
  p.egid = static_cast<uint32_t>(getegid());
  mode_t old = umask(022);
  umask(old);
  p.umask = old;
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  p.cores = std::max(1, std::min(cfg.cpu.max_cores, static_cast<int>(online > 0 ? online : 1)));
}

loader::AuxValues MakeAuxValues() {
  loader::AuxValues aux;
  aux.hwcap = getauxval(AT_HWCAP);
  aux.hwcap2 = getauxval(AT_HWCAP2);
  aux.minsigstksz = getauxval(AT_MINSIGSTKSZ);
  const Process& p = CurrentProcess();
  aux.uid = p.uid;
  aux.euid = p.euid;
  aux.gid = p.gid;
  aux.egid = p.egid;
  aux.secure = false;
  if (host::Syscall(SYS_getrandom, host::L(aux.random), sizeof(aux.random), 0) != sizeof(aux.random))
    std::memset(aux.random, 0x5a, sizeof(aux.random));
  return aux;
}

vdso::GuestVdso g_vdso;

// Maps [vvar | vdso] as guest memory (tracked VMAs, visible in maps).
vdso::GuestVdso MapVdso() {
  vdso::GuestMapOps ops;
  ops.mmap = [](void* addr, size_t len, int prot, int flags, int fd, off_t off) -> void* {
    auto r = AddressSpace::Get().Mmap(reinterpret_cast<uintptr_t>(addr), len, prot, flags, fd,
                                      static_cast<uint64_t>(off), "[vdso]");
    return r.ok() ? reinterpret_cast<void*>(*r) : MAP_FAILED;
  };
  ops.mprotect = [](void* addr, size_t len, int prot) -> int {
    return AddressSpace::Get().Mprotect(reinterpret_cast<uintptr_t>(addr), len, prot).ok() ? 0 : -1;
  };
  auto r = vdso::MapForGuest(ops);
  if (!r.ok()) return {};
  g_vdso = *r;
  uintptr_t data = g_vdso.image_base - vdso::DataSize();
  if (const Vma* v = AddressSpace::Get().Find(data)) {
    Vma vvar = *v;
    vvar.start = data;
    vvar.end = g_vdso.image_base;
    vvar.name = "[vvar]";
    AddressSpace::Get().Track(vvar);
  }
  return g_vdso;
}

}  // namespace

junction_vdso_data* GuestVdsoData() { return g_vdso.data; }

int RunGuest(const config::AppConfig& cfg, const std::vector<std::string>& argv,
             const RunOptions& opts) {
  if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE)) {
    std::fprintf(stderr, "junction run: this CPU or kernel lacks FSGSBASE, which the LibOS needs\n");
    return 1;
  }
  InitProcess(cfg);
  fs::SetRoot(cfg.fs.root);
  fs::AdoptInheritedFds();
  if (!cfg.workdir.empty() && chdir(fs::HostPath(cfg.workdir).c_str()) != 0) {
    std::fprintf(stderr, "junction run: cannot change to working directory %s: %s\n",
                 cfg.workdir.c_str(), std::strerror(errno));
    return 1;
  }
  if (opts.strace) {
    if (!StraceOpen(opts.strace_file)) {
      std::fprintf(stderr, "junction run: cannot open strace file %s: %s\n",
                   opts.strace_file.c_str(), std::strerror(errno));
      return 1;
    }
    g_strace_enabled = true;
  }

  ThreadState* ts = SetupThreadState();
  if (!ts) {
    std::fprintf(stderr, "junction run: out of memory setting up the LibOS\n");
    return 1;
  }

  loader::AuxValues aux = MakeAuxValues();
  if (auto vd = MapVdso(); vd.image_base) aux.vdso_base = vd.image_base;

  std::vector<std::string> env = BuildEnvironment(cfg);
  GuestLoaderEnv lenv;
  loader::LoadedImage image;
  loader::LoadError err;
  if (!loader::Load(lenv, argv, env, FindPath(env), aux, &image, &err)) {
    std::fprintf(stderr, "junction run: %s: %s\n", argv[0].c_str(), err.message.c_str());
    return err.ShellExitCode();
  }
  CurrentProcess().exe_path = image.exe_path;
  AddressSpace::Get().InitBrk(image.brk_start);

  if (!InstallTrapHandlers()) {
    std::fprintf(stderr, "junction run: cannot install the LibOS's signal handlers\n");
    return 1;
  }
  if (!InstallSeccompFilter()) return 1;
  std::fflush(stdout);
  std::fflush(stderr);
  if (!EnableSyscallDispatch()) {
    std::fprintf(stderr, "junction run: Syscall User Dispatch is unavailable (Linux >= 5.11 needed)\n");
    return 1;
  }
  // From here on, %fs is the guest's; no TLS-using code until entry.
  ts->libos_fs = ReadFsBase();
  ts->guest_fs = 0;
  WriteFsBase(0);
  junction_enter_guest(image.entry, image.stack_pointer);
}

}  // namespace junction::libos
