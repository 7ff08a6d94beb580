// Load(): command lookup, #! scripts, the executable and its PT_INTERP, and
// the initial stack. Error messages name the file they are about:
// "/tmp/x: truncated program header table".
#include "libos/loader/loader.h"

#include <elf.h>

#include <cerrno>
#include <cstring>

#include "libos/loader/command_lookup.h"
#include "libos/loader/elf_mapper.h"
#include "libos/loader/elf_parser.h"
#include "libos/loader/initial_stack.h"
#include "libos/loader/shebang.h"

namespace junction::libos::loader {
namespace {

bool Fail(LoadError* err, LoadErrorKind kind, int errno_value, std::string message) {
  *err = LoadError{kind, errno_value, std::move(message)};
  return false;
}

// An open file, closed when this goes out of scope.
class OpenFile {
 public:
  explicit OpenFile(LoaderEnv& env) : env_(env) {}
  ~OpenFile() {
    if (fd_ >= 0) env_.Close(fd_);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  // Opens `path` for execution and reads its first kBinprmBufSize bytes.
  // `role` prefixes messages ("bad interpreter /x" for a #! interpreter).
  bool Open(const std::string& path, const std::string& role, LoadError* err) {
    if (fd_ >= 0) env_.Close(fd_);
    fd_ = -1;
    auto fd = env_.Open(path, /*for_exec=*/true);
    if (!fd.ok()) {
      int e = fd.error();
      LoadErrorKind kind = e == ENOENT || e == ENOTDIR ? LoadErrorKind::kNotFound
                           : e == EACCES || e == EISDIR || e == EPERM
                               ? LoadErrorKind::kNotExecutable
                               : LoadErrorKind::kIo;
      return Fail(err, kind, e, role + path + ": " + strerror(e));
    }
    fd_ = *fd;
    auto size = env_.FileSize(fd_);
    if (!size.ok()) return Fail(err, LoadErrorKind::kIo, size.error(), path + ": cannot stat");
    size_ = *size;
    head_.resize(size_ < kBinprmBufSize ? size_ : kBinprmBufSize);
    return Read(0, head_.data(), head_.size(), path, err);
  }

  bool Read(uint64_t offset, void* buf, size_t len, const std::string& path, LoadError* err) {
    auto n = env_.Pread(fd_, buf, len, offset);
    if (!n.ok()) return Fail(err, LoadErrorKind::kIo, n.error(), path + ": " + strerror(n.error()));
    if (*n != len) return Fail(err, LoadErrorKind::kIo, EIO, path + ": short read");
    return true;
  }

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  std::span<const uint8_t> head() const { return head_; }

 private:
  LoaderEnv& env_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::vector<uint8_t> head_;
};

struct ParsedElf {
  ElfHeader header;
  ElfProgramInfo program;
  std::string interp;
};

// Validates the ELF open in `file`, reading the program header table and the
// PT_INTERP string from it.
bool ReadElf(OpenFile& file, const std::string& path, ParsedElf* out, LoadError* err) {
  std::string problem;
  auto bad_format = [&] { return Fail(err, LoadErrorKind::kBadFormat, ENOEXEC, path + ": " + problem); };
  if (!ParseElfHeader(file.head(), file.size(), &out->header, &problem)) return bad_format();
  std::vector<uint8_t> table(size_t{out->header.phnum} * kProgramHeaderSize);
  if (!file.Read(out->header.phoff, table.data(), table.size(), path, err)) return false;
  if (!ParseProgramHeaders(out->header, table, file.size(), &out->program, &problem))
    return bad_format();
  if (!out->program.has_interp) return true;
  std::vector<uint8_t> interp(out->program.interp_size);
  if (!file.Read(out->program.interp_offset, interp.data(), interp.size(), path, err)) return false;
  if (!ParseInterpPath(interp, &out->interp, &problem)) return bad_format();
  return true;
}

// Opens `path`, following #! lines; leaves `file` open on the ELF at the end
// of the chain, `path` naming it and `argv` rewritten.
bool OpenFollowingScripts(OpenFile& file, std::string* path, std::vector<std::string>* argv,
                          LoadError* err) {
  std::string role;
  for (int depth = 0;; depth++) {
    if (!file.Open(*path, role, err)) return false;
    if (!IsShebang(file.head())) return true;
    if (depth == kMaxScriptDepth)
      return Fail(err, LoadErrorKind::kBadFormat, ELOOP,
                  *path + ": too many levels of #! interpreters");
    Shebang shebang;
    std::string problem;
    if (!ParseShebang(file.head(), &shebang, &problem))
      return Fail(err, LoadErrorKind::kBadFormat, ENOEXEC, *path + ": " + problem);
    *argv = ShebangArgv(shebang, *path, *argv);
    role = *path + ": bad interpreter ";
    *path = shebang.interpreter;
  }
}

}  // namespace

bool Probe(LoaderEnv& env, const std::string& filename, LoadError* err) {
  std::vector<std::string> argv{filename};
  std::string exe_path = filename;
  OpenFile exe_file(env);
  if (!OpenFollowingScripts(exe_file, &exe_path, &argv, err)) return false;
  ParsedElf exe;
  return ReadElf(exe_file, exe_path, &exe, err);
}

bool Load(LoaderEnv& env, const std::vector<std::string>& argv,
          const std::vector<std::string>& envp, const std::string& path_env,
          const AuxValues& aux, LoadedImage* out, LoadError* err) {
  if (argv.empty()) return Fail(err, LoadErrorKind::kNotFound, ENOENT, "empty command line");
  std::string execfn;
  if (!LookupCommand(env, argv[0], path_env, &execfn, err)) return false;
  return LoadFile(env, execfn, argv, envp, aux, out, err);
}

bool LoadFile(LoaderEnv& env, const std::string& execfn, const std::vector<std::string>& argv,
              const std::vector<std::string>& envp, const AuxValues& aux, LoadedImage* out,
              LoadError* err) {
  LoadedImage image;
  image.argv = argv;
  std::string exe_path = execfn;
  OpenFile exe_file(env);
  if (!OpenFollowingScripts(exe_file, &exe_path, &image.argv, err)) return false;
  ParsedElf exe;
  if (!ReadElf(exe_file, exe_path, &exe, err)) return false;

  MappedElf exe_map;
  if (!MapElf(env, exe_file.fd(), exe_path, exe.header, exe.program, ElfRole::kExecutable,
              &exe_map, err)) {
    err->message = exe_path + ": " + err->message;
    return false;
  }
  image.exe_path = exe_path;
  image.exe_base = exe_map.bias;
  image.exe_entry = exe_map.bias + exe.header.entry;
  image.entry = image.exe_entry;
  image.phdr = exe_map.bias + exe.program.phdr_vaddr;
  image.phent = kProgramHeaderSize;
  image.phnum = exe.header.phnum;
  image.brk_start = exe_map.end;

  uintptr_t interp_start = 0, interp_span = 0;  // to unmap if the stack fails
  if (!exe.interp.empty()) {
    OpenFile interp_file(env);
    const std::string role = exe_path + ": interpreter ";
    ParsedElf interp;
    MappedElf interp_map;
    bool ok = interp_file.Open(exe.interp, role, err) &&
              ReadElf(interp_file, exe.interp, &interp, err);
    if (ok && !MapElf(env, interp_file.fd(), exe.interp, interp.header, interp.program,
                      ElfRole::kInterpreter, &interp_map, err)) {
      err->message = exe.interp + ": " + err->message;
      ok = false;
    }
    if (!ok) {
      (void)env.Unmap(exe_map.start, exe_map.end - exe_map.start);
      if (err->message.rfind(role, 0) != 0) err->message = role + err->message;
      return false;
    }
    interp_start = interp_map.start;
    interp_span = interp_map.end - interp_map.start;
    image.interp_path = exe.interp;
    image.interp_base = interp_map.bias;
    image.entry = interp_map.bias + interp.header.entry;
  }

  StackContents contents{.argv = &image.argv,
                         .envp = &envp,
                         .execfn = execfn,
                         .aux = &aux,
                         .image = {.phdr = image.phdr,
                                   .phent = image.phent,
                                   .phnum = image.phnum,
                                   .interp_base = image.interp_base,
                                   .entry = image.exe_entry}};
  if (!BuildInitialStack(env, contents, exe.program.exec_stack, &image, err)) {
    (void)env.Unmap(exe_map.start, exe_map.end - exe_map.start);
    if (interp_span != 0) (void)env.Unmap(interp_start, interp_span);
    return false;
  }
  *out = std::move(image);
  return true;
}

}  // namespace junction::libos::loader
