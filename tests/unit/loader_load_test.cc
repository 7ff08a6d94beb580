// Load() against the real machine (HostLoaderEnv maps into this process):
// command lookup, #! scripts, errors and exit codes, and real programs
// loaded in a forked child and started at their entry point.
#include <doctest/doctest.h>
#include <elf.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libos/loader/command_lookup.h"
#include "libos/loader/elf_mapper.h"
#include "libos/loader/host_loader_env.h"
#include "libos/loader/loader.h"

namespace junction::libos::loader {
namespace {

constexpr const char* kBusybox = "/usr/bin/busybox";

bool Exists(const char* path) { return access(path, X_OK) == 0; }

// A scratch directory with files of chosen contents and modes.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/loader_test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { (void)!system(("rm -rf " + path).c_str()); }
  std::string Write(const std::string& name, const std::string& contents, mode_t mode) {
    std::string file = path + "/" + name;
    FILE* f = fopen(file.c_str(), "wb");
    fwrite(contents.data(), 1, contents.size(), f);
    fclose(f);
    chmod(file.c_str(), mode);
    return file;
  }
};

AuxValues HostAux() {
  AuxValues aux;
  aux.vdso_base = getauxval(AT_SYSINFO_EHDR);
  // glibc's getauxval(AT_HWCAP) on x86 is its own value: read the kernel's.
  FILE* f = fopen("/proc/self/auxv", "rb");
  REQUIRE(f != nullptr);
  uint64_t entry[2];
  while (fread(entry, sizeof(entry), 1, f) == 1) {
    if (entry[0] == AT_HWCAP) aux.hwcap = entry[1];
    if (entry[0] == AT_HWCAP2) aux.hwcap2 = entry[1];
  }
  fclose(f);
  aux.minsigstksz = getauxval(51);
  aux.uid = getuid();
  aux.euid = geteuid();
  aux.gid = getgid();
  aux.egid = getegid();
  for (int i = 0; i < 16; i++) aux.random[i] = static_cast<uint8_t>(i * 7);
  return aux;
}

// Loads argv in a forked child and jumps to the entry point with its stdout
// on a pipe. Returns the output; *status gets the exit status (or 1000+signal).
std::string RunLoaded(const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                      int* status) {
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  fflush(nullptr);  // the child must not inherit (and re-emit) buffered test output
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    HostLoaderEnv env;
    LoadedImage image;
    LoadError err;
    if (!Load(env, argv, envp, "/usr/bin:/bin", HostAux(), &image, &err)) {
      fprintf(stderr, "load failed: %s\n", err.message.c_str());
      _exit(99);
    }
    // The ELF entry contract: %rsp at argc, %rdx = 0 (no atexit hook).
    asm volatile("mov %0, %%rsp\n\txor %%edx, %%edx\n\tjmp *%1"
                 :
                 : "r"(image.stack_pointer), "r"(image.entry)
                 : "rdx", "memory");
    __builtin_unreachable();
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  close(pipefd[0]);
  int wstatus;
  waitpid(pid, &wstatus, 0);
  *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1000 + WTERMSIG(wstatus);
  return out;
}

std::string RunNative(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST_CASE("PATH lookup like execvp") {
  TempDir dir;
  dir.Write("tool", "#!/bin/sh\n", 0755);
  dir.Write("plain", "data", 0644);
  mkdir((dir.path + "/adir").c_str(), 0755);
  HostLoaderEnv env;
  std::string resolved;
  LoadError err;
  std::string path = "/nonexistent:" + dir.path + ":/bin";
  REQUIRE(LookupCommand(env, "tool", path, &resolved, &err));
  CHECK(resolved == dir.path + "/tool");
  REQUIRE(LookupCommand(env, "sh", "", &resolved, &err));  // default PATH
  CHECK((resolved == "/usr/bin/sh" || resolved == "/bin/sh"));
  CHECK(LookupCommand(env, "./relative/x", path, &resolved, &err));
  CHECK(resolved == "./relative/x");

  CHECK_FALSE(LookupCommand(env, "nope-not-here", path, &resolved, &err));
  CHECK(err.kind == LoadErrorKind::kNotFound);
  CHECK(err.err == ENOENT);
  CHECK(err.ShellExitCode() == 127);
  CHECK(err.message == "nope-not-here: command not found");

  CHECK_FALSE(LookupCommand(env, "plain", path, &resolved, &err));
  CHECK(err.kind == LoadErrorKind::kNotExecutable);
  CHECK(err.err == EACCES);
  CHECK(err.ShellExitCode() == 126);

  CHECK_FALSE(LookupCommand(env, "adir", path, &resolved, &err));
  CHECK(err.kind == LoadErrorKind::kNotExecutable);
}

TEST_CASE("load errors and their exit codes") {
  TempDir dir;
  HostLoaderEnv env;
  LoadedImage image;
  LoadError err;
  AuxValues aux = HostAux();
  auto load = [&](const std::string& cmd) { return Load(env, {cmd}, {}, "", aux, &image, &err); };

  CHECK_FALSE(load(dir.path + "/missing"));
  CHECK(err.kind == LoadErrorKind::kNotFound);
  CHECK(err.ShellExitCode() == 127);

  CHECK_FALSE(load(dir.Write("noexec", "\x7f" "ELF", 0644)));
  CHECK(err.kind == LoadErrorKind::kNotExecutable);
  CHECK(err.ShellExitCode() == 126);

  CHECK_FALSE(load(dir.path));
  CHECK(err.kind == LoadErrorKind::kNotExecutable);

  std::string text = dir.Write("text", "hello\n", 0755);
  CHECK_FALSE(load(text));
  CHECK(err.kind == LoadErrorKind::kBadFormat);
  CHECK(err.err == ENOEXEC);
  CHECK(err.ShellExitCode() == 126);
  CHECK(err.message == text + ": not an ELF file");

  std::string cut = dir.Write("cut", RunNative("head -c 100 /bin/true"), 0755);
  CHECK_FALSE(load(cut));
  CHECK(err.message == cut + ": truncated program header table");

  std::string bad_interp = dir.Write("bad_interp", "#!/nonexistent/interp -x\n", 0755);
  CHECK_FALSE(load(bad_interp));
  CHECK(err.kind == LoadErrorKind::kNotFound);
  CHECK(err.ShellExitCode() == 127);
  CHECK(err.message == bad_interp + ": bad interpreter /nonexistent/interp: No such file or directory");

  std::string loop = dir.path + "/loop";
  dir.Write("loop", "#!" + loop + "\n", 0755);
  CHECK_FALSE(load(loop));
  CHECK(err.err == ELOOP);
  CHECK(err.ShellExitCode() == 126);

  CHECK_FALSE(Load(env, {}, {}, "", aux, &image, &err));
  CHECK(err.kind == LoadErrorKind::kNotFound);
}

TEST_CASE("static non-PIE busybox maps at its link address, and only once") {
  if (!Exists(kBusybox)) return;
  HostLoaderEnv env;
  LoadedImage image;
  LoadError err;
  AuxValues aux = HostAux();
  REQUIRE_MESSAGE(Load(env, {"busybox", "true"}, {"A=1"}, "/usr/bin", aux, &image, &err),
                  err.message);
  CHECK(image.exe_path == kBusybox);
  CHECK(image.exe_base == 0);
  CHECK(image.interp_path.empty());
  CHECK(image.interp_base == 0);
  CHECK(image.entry == image.exe_entry);
  CHECK(image.entry >= 0x400000);
  CHECK(image.phent == 56);
  CHECK(image.brk_start % 4096 == 0);
  CHECK(image.brk_start > image.entry);
  CHECK(image.stack_pointer % 16 == 0);
  CHECK(image.stack_pointer > image.stack_base);
  CHECK(image.stack_pointer < image.stack_base + image.stack_size);
  CHECK(*reinterpret_cast<const uint32_t*>(image.phdr) == PT_LOAD);  // busybox has no PT_PHDR

  // The range is now taken: a second load fails cleanly.
  HostLoaderEnv env2;
  CHECK_FALSE(Load(env2, {kBusybox}, {}, "", aux, &image, &err));
  CHECK(err.kind == LoadErrorKind::kNoMemory);
  CHECK(err.message.find("cannot map at its fixed address 0x400000") != std::string::npos);
  for (auto it = env.mappings.rbegin(); it != env.mappings.rend(); ++it)
    (void)env.Unmap(it->addr, it->len);
}

TEST_CASE("PIE with PT_INTERP: executable near 0x555555554000, ld.so anywhere") {
  HostLoaderEnv env;
  LoadedImage image;
  LoadError err;
  REQUIRE_MESSAGE(Load(env, {"true"}, {}, "/bin", HostAux(), &image, &err), err.message);
  CHECK(image.exe_base % 4096 == 0);
  if (image.exe_base != kPieLoadBase) MESSAGE("PIE base taken in this process, got fallback");
  CHECK(image.interp_path == "/lib64/ld-linux-x86-64.so.2");
  CHECK(image.interp_base != 0);
  CHECK(image.entry != image.exe_entry);
  CHECK(image.phdr == image.exe_base + 0x40);
  CHECK(*reinterpret_cast<const uint32_t*>(image.phdr) == PT_PHDR);
  CHECK(image.brk_start > image.exe_base);
  // ld.so's first page really holds an ELF header.
  CHECK(memcmp(reinterpret_cast<const void*>(image.interp_base), ELFMAG, SELFMAG) == 0);
  for (auto it = env.mappings.rbegin(); it != env.mappings.rend(); ++it)
    (void)env.Unmap(it->addr, it->len);
}

TEST_CASE("#! script: argv rewritten, /proc/self/exe is the interpreter") {
  if (!Exists(kBusybox)) return;
  TempDir dir;
  std::string inner = dir.Write("inner", std::string("#!") + kBusybox + " sh\necho hi\n", 0755);
  std::string outer = dir.Write("outer", "#!" + inner + " -e\n", 0755);
  HostLoaderEnv env;
  LoadedImage image;
  LoadError err;
  REQUIRE_MESSAGE(Load(env, {outer, "a1"}, {}, "", HostAux(), &image, &err), err.message);
  CHECK(image.exe_path == kBusybox);
  CHECK(image.argv == std::vector<std::string>{kBusybox, "sh", inner, "-e", outer, "a1"});
  for (auto it = env.mappings.rbegin(); it != env.mappings.rend(); ++it)
    (void)env.Unmap(it->addr, it->len);
}

TEST_CASE("loaded programs run: static busybox, dynamic PIE, #! script") {
  int status = -1;
  if (Exists(kBusybox)) {
    CHECK(RunLoaded({"busybox", "echo", "hello", "world"}, {}, &status) == "hello world\n");
    CHECK(status == 0);
    CHECK(RunLoaded({"busybox", "sh", "-c", "echo $X; exit 3"}, {"X=from env"}, &status) ==
          "from env\n");
    CHECK(status == 3);
    TempDir dir;
    std::string script =
        dir.Write("s", std::string("#!") + kBusybox + " sh\necho \"$0 $1\"\n", 0755);
    CHECK(RunLoaded({script, "arg"}, {}, &status) == script + " arg\n");
    CHECK(status == 0);
  }
  CHECK(RunLoaded({"echo", "dynamic", "echo"}, {}, &status) == "dynamic echo\n");
  CHECK(status == 0);
  RunLoaded({"false"}, {}, &status);
  CHECK(status == 1);
}

TEST_CASE("auxv_dump: same output natively and when loaded") {
  const char* source = JUNCTION_SOURCE_DIR "/tests/e2e/progs/auxv_dump.c";
  if (access(source, R_OK) != 0 || system("command -v cc >/dev/null") != 0) return;
  TempDir dir;
  for (const char* mode : {"-static", "-static-pie", "-pie", "-no-pie"}) {
    CAPTURE(mode);
    std::string bin = dir.path + "/auxv_dump" + mode;
    REQUIRE(system(("cc -O2 " + std::string(mode) + " -o " + bin + " " + source).c_str()) == 0);
    std::string native = RunNative("env -i A=1 BB=22 " + bin + " x yy 2>&1");
    int status = -1;
    std::string loaded = RunLoaded({bin, "x", "yy"}, {"A=1", "BB=22"}, &status);
    CHECK(status == 0);
    // The kernel adds the rseq entries; the loader omits them by default.
    std::string filtered;
    for (size_t pos = 0; pos < native.size();) {
      size_t end = native.find('\n', pos) + 1;
      std::string line = native.substr(pos, end - pos);
      if (line.rfind("AT_RSEQ", 0) != 0) filtered += line;
      pos = end;
    }
    CHECK(loaded == filtered);
  }
}

}  // namespace
}  // namespace junction::libos::loader
