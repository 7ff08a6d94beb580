// ELF validation: real binaries parse; every defect has its exact message.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "libos/loader/elf_parser.h"

namespace junction::libos::loader {
namespace {

// A minimal valid static ET_EXEC: header, 3 program headers, text and data.
struct TestElf {
  Elf64_Ehdr ehdr{};
  std::vector<Elf64_Phdr> phdrs;
  std::string interp;        // written after the headers if non-empty
  size_t file_size = 0x3000;

  TestElf() {
    memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = ET_EXEC;
    ehdr.e_machine = EM_X86_64;
    ehdr.e_version = EV_CURRENT;
    ehdr.e_entry = 0x401000;
    ehdr.e_phoff = sizeof(Elf64_Ehdr);
    ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    ehdr.e_phentsize = sizeof(Elf64_Phdr);
    phdrs.push_back(Phdr(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1800, 0x1800));
    phdrs.push_back(Phdr(PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x5000));
    phdrs.push_back(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0));
  }
  static Elf64_Phdr Phdr(uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                         uint64_t filesz, uint64_t memsz) {
    Elf64_Phdr ph{};
    ph.p_type = type;
    ph.p_flags = flags;
    ph.p_offset = off;
    ph.p_vaddr = ph.p_paddr = vaddr;
    ph.p_filesz = filesz;
    ph.p_memsz = memsz;
    ph.p_align = 0x1000;
    return ph;
  }
  void AddInterp(const std::string& path_with_nul) {
    interp = path_with_nul;
    phdrs.insert(phdrs.begin(), Phdr(PT_INTERP, PF_R, 0x400, 0x400400, interp.size(),
                                     interp.size()));
  }
  std::vector<uint8_t> Bytes() {
    ehdr.e_phnum = phdrs.size();
    std::vector<uint8_t> file(file_size);
    memcpy(file.data(), &ehdr, sizeof(ehdr));
    size_t table = phdrs.size() * sizeof(Elf64_Phdr);
    if (ehdr.e_phoff <= file.size() && table <= file.size() - ehdr.e_phoff)
      memcpy(&file[ehdr.e_phoff], phdrs.data(), table);
    if (!interp.empty()) memcpy(&file[0x400], interp.data(), interp.size());
    return file;
  }
  std::string Error() {
    std::vector<uint8_t> file = Bytes();
    ElfImageInfo info;
    std::string error;
    if (ParseElfImage(file, &info, &error)) return "ok";
    return error;
  }
};

std::vector<uint8_t> ReadWholeFile(const char* path) {
  std::vector<uint8_t> data;
  FILE* f = fopen(path, "rb");
  if (f == nullptr) return data;
  uint8_t buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) data.insert(data.end(), buf, buf + n);
  fclose(f);
  return data;
}

TEST_CASE("the test ELF is valid and digested correctly") {
  TestElf elf;
  std::vector<uint8_t> file = elf.Bytes();
  ElfImageInfo info;
  std::string error;
  REQUIRE_MESSAGE(ParseElfImage(file, &info, &error), error);
  CHECK(info.header.type == ET_EXEC);
  CHECK(info.header.entry == 0x401000);
  REQUIRE(info.program.loads.size() == 2);
  CHECK(info.program.min_vaddr == 0x400000);
  CHECK(info.program.max_vaddr == 0x407000);
  CHECK(info.program.phdr_vaddr == 0x400040);
  CHECK_FALSE(info.program.exec_stack);
  CHECK_FALSE(info.program.has_interp);
}

TEST_CASE("header defects") {
  TestElf elf;
  SUBCASE("bad magic") { elf.ehdr.e_ident[1] = 'X'; CHECK(elf.Error() == "not an ELF file"); }
  SUBCASE("32-bit") {
    elf.ehdr.e_ident[EI_CLASS] = ELFCLASS32;
    CHECK(elf.Error() == "32-bit ELF not supported");
  }
  SUBCASE("bad class") { elf.ehdr.e_ident[EI_CLASS] = 7; CHECK(elf.Error() == "invalid ELF class 7"); }
  SUBCASE("big endian") {
    elf.ehdr.e_ident[EI_DATA] = ELFDATA2MSB;
    CHECK(elf.Error() == "big-endian ELF not supported");
  }
  SUBCASE("bad data") { elf.ehdr.e_ident[EI_DATA] = 0; CHECK(elf.Error() == "invalid ELF data encoding 0"); }
  SUBCASE("ident version") {
    elf.ehdr.e_ident[EI_VERSION] = 2;
    CHECK(elf.Error() == "unsupported ELF version 2");
  }
  SUBCASE("e_version") { elf.ehdr.e_version = 0; CHECK(elf.Error() == "unsupported ELF version 0"); }
  SUBCASE("aarch64") {
    elf.ehdr.e_machine = EM_AARCH64;
    CHECK(elf.Error() == "ELF for aarch64, this machine is x86-64");
  }
  SUBCASE("riscv") {
    elf.ehdr.e_machine = EM_RISCV;
    CHECK(elf.Error() == "ELF for riscv, this machine is x86-64");
  }
  SUBCASE("i386 in a 64-bit container") {
    elf.ehdr.e_machine = EM_386;
    CHECK(elf.Error() == "ELF for i386, this machine is x86-64");
  }
  SUBCASE("unknown machine") {
    elf.ehdr.e_machine = 4242;
    CHECK(elf.Error() == "ELF for machine 4242, this machine is x86-64");
  }
  SUBCASE("relocatable") {
    elf.ehdr.e_type = ET_REL;
    CHECK(elf.Error() == "relocatable object (ET_REL) is not executable");
  }
  SUBCASE("core") { elf.ehdr.e_type = ET_CORE; CHECK(elf.Error() == "core dump (ET_CORE) is not executable"); }
  SUBCASE("odd type") { elf.ehdr.e_type = 0xfe00; CHECK(elf.Error() == "ELF type 65024 is not executable"); }
  SUBCASE("phentsize") {
    elf.ehdr.e_phentsize = 32;
    CHECK(elf.Error() == "bad program header entry size 32 (expected 56)");
  }
  SUBCASE("no program headers") {
    elf.phdrs.clear();
    CHECK(elf.Error() == "no program headers");
  }
  SUBCASE("too many program headers") {
    elf.phdrs.resize(129, TestElf::Phdr(PT_NOTE, PF_R, 0, 0, 0, 0));
    elf.file_size = 0x4000;
    CHECK(elf.Error() == "too many program headers (129, at most 128)");
  }
  SUBCASE("table beyond end of file") {
    elf.ehdr.e_phoff = elf.file_size - 100;
    CHECK(elf.Error() == "truncated program header table");
  }
  SUBCASE("table offset overflows") {
    elf.ehdr.e_phoff = UINT64_MAX - 10;
    CHECK(elf.Error() == "truncated program header table");
  }
}

TEST_CASE("short files") {
  TestElf elf;
  std::vector<uint8_t> file = elf.Bytes();
  std::string error;
  ElfHeader header;
  CHECK_FALSE(ParseElfHeader(std::span(file).first(0), 0, &header, &error));
  CHECK(error == "not an ELF file");
  CHECK_FALSE(ParseElfHeader(std::span(file).first(3), 3, &header, &error));
  CHECK(error == "not an ELF file");
  CHECK_FALSE(ParseElfHeader(std::span(file).first(10), 10, &header, &error));
  CHECK(error == "truncated ELF header");
  CHECK_FALSE(ParseElfHeader(std::span(file).first(63), 63, &header, &error));
  CHECK(error == "truncated ELF header");
  // Header fine, program header table cut off.
  CHECK_FALSE(ParseElfHeader(std::span(file).first(100), 100, &header, &error));
  CHECK(error == "truncated program header table");
  ElfProgramInfo program;
  REQUIRE(ParseElfHeader(file, file.size(), &header, &error));
  CHECK_FALSE(ParseProgramHeaders(header, std::span(file).subspan(64, 60), file.size(), &program,
                                  &error));
  CHECK(error == "truncated program header table");
}

TEST_CASE("segment defects") {
  TestElf elf;
  Elf64_Phdr& data = elf.phdrs[1];
  SUBCASE("filesz > memsz") {
    data.p_memsz = 0x10;
    CHECK(elf.Error() == "segment file size exceeds memory size (program header 1)");
  }
  SUBCASE("beyond end of file") {
    data.p_filesz = 0x1001;
    CHECK(elf.Error() == "truncated segment (program header 1)");
  }
  SUBCASE("offset overflow") {
    data.p_offset = UINT64_MAX - 0xfff;
    data.p_vaddr = 0x402000;
    CHECK(elf.Error() == "truncated segment (program header 1)");
  }
  SUBCASE("address overflow") {
    data.p_vaddr = UINT64_MAX - 0xfff;
    CHECK(elf.Error() == "segment address overflow (program header 1)");
  }
  SUBCASE("beyond user address space") {
    data.p_vaddr = 0x7ffffffff000;
    CHECK(elf.Error() == "segment address overflow (program header 1)");
  }
  SUBCASE("offset and address not congruent") {
    data.p_vaddr = 0x402010;
    CHECK(elf.Error() ==
          "segment offset and address not congruent modulo page size (program header 1)");
  }
  SUBCASE("overlapping") {
    data.p_vaddr = 0x401000;
    data.p_offset = 0x1000;
    CHECK(elf.Error() == "overlapping or unsorted PT_LOAD segments (program header 1)");
  }
  SUBCASE("unsorted") {
    std::swap(elf.phdrs[0], elf.phdrs[1]);
    CHECK(elf.Error() == "overlapping or unsorted PT_LOAD segments (program header 1)");
  }
  SUBCASE("no PT_LOAD") {
    elf.phdrs[0].p_type = PT_NOTE;
    elf.phdrs[1].p_type = PT_NOTE;
    CHECK(elf.Error() == "no PT_LOAD segment");
  }
  SUBCASE("zero-size loads are ignored, not errors") {
    elf.phdrs.push_back(TestElf::Phdr(PT_LOAD, PF_R, 0, 0x400000, 0, 0));
    CHECK(elf.Error() == "ok");
  }
}

TEST_CASE("PT_INTERP") {
  TestElf elf;
  SUBCASE("valid") {
    elf.AddInterp(std::string("/lib64/ld-linux-x86-64.so.2\0", 28));
    std::vector<uint8_t> file = elf.Bytes();
    ElfImageInfo info;
    std::string error;
    REQUIRE_MESSAGE(ParseElfImage(file, &info, &error), error);
    CHECK(info.interp == "/lib64/ld-linux-x86-64.so.2");
  }
  SUBCASE("not NUL-terminated") {
    elf.AddInterp("/lib/ld.so");
    CHECK(elf.Error() == "PT_INTERP not NUL-terminated");
  }
  SUBCASE("empty path") {
    elf.AddInterp(std::string("\0", 1));
    CHECK(elf.Error() == "empty PT_INTERP path");
  }
  SUBCASE("two") {
    elf.AddInterp(std::string("/a\0", 3));
    elf.phdrs.push_back(elf.phdrs[0]);
    CHECK(elf.Error() == "multiple PT_INTERP (program header 4)");
  }
  SUBCASE("too long") {
    elf.AddInterp(std::string("/a\0", 3));
    elf.phdrs[0].p_filesz = 5000;
    elf.file_size = 0x3000;
    CHECK(elf.Error() == "PT_INTERP too long");
  }
  SUBCASE("zero size") {
    elf.AddInterp(std::string("/a\0", 3));
    elf.phdrs[0].p_filesz = 0;
    CHECK(elf.Error() == "empty PT_INTERP");
  }
  SUBCASE("truncated") {
    elf.AddInterp(std::string("/a\0", 3));
    elf.phdrs[0].p_offset = elf.file_size - 1;
    CHECK(elf.Error() == "truncated PT_INTERP");
  }
}

TEST_CASE("PT_GNU_STACK with PF_X asks for an executable stack") {
  TestElf elf;
  elf.phdrs[2].p_flags = PF_R | PF_W | PF_X;
  std::vector<uint8_t> file = elf.Bytes();
  ElfImageInfo info;
  std::string error;
  REQUIRE(ParseElfImage(file, &info, &error));
  CHECK(info.program.exec_stack);
}

TEST_CASE("headers of other classes and machines written to disk are rejected") {
  // A 32-bit i386 header, as the kernel would see it.
  Elf32_Ehdr e32{};
  memcpy(e32.e_ident, ELFMAG, SELFMAG);
  e32.e_ident[EI_CLASS] = ELFCLASS32;
  e32.e_ident[EI_DATA] = ELFDATA2LSB;
  e32.e_ident[EI_VERSION] = EV_CURRENT;
  e32.e_type = ET_EXEC;
  e32.e_machine = EM_386;
  std::vector<uint8_t> bytes(sizeof(e32));
  memcpy(bytes.data(), &e32, sizeof(e32));
  bytes.resize(4096);
  ElfImageInfo info;
  std::string error;
  CHECK_FALSE(ParseElfImage(bytes, &info, &error));
  CHECK(error == "32-bit ELF not supported");
  // A big-endian ppc64 header.
  TestElf elf;
  elf.ehdr.e_ident[EI_DATA] = ELFDATA2MSB;
  elf.ehdr.e_machine = __builtin_bswap16(EM_PPC64);
  CHECK(elf.Error() == "big-endian ELF not supported");
}

TEST_CASE("real binaries on this machine parse") {
  struct Case {
    const char* path;
    uint16_t type;
    bool interp;
  };
  for (Case c : {Case{"/bin/true", ET_DYN, true}, Case{"/lib64/ld-linux-x86-64.so.2", ET_DYN, false},
                 Case{"/usr/bin/busybox", ET_EXEC, false}}) {
    std::vector<uint8_t> file = ReadWholeFile(c.path);
    if (file.empty()) {
      MESSAGE("skipping " << c.path << " (not present)");
      continue;
    }
    CAPTURE(c.path);
    ElfImageInfo info;
    std::string error;
    REQUIRE_MESSAGE(ParseElfImage(file, &info, &error), error);
    CHECK(info.header.type == c.type);
    CHECK(info.program.has_interp == c.interp);
    if (c.interp) CHECK(info.interp == "/lib64/ld-linux-x86-64.so.2");
    CHECK(info.program.loads.size() >= 2);
    CHECK(info.program.phdr_vaddr != 0);
    // Every truncation of a real binary fails cleanly or parses.
    for (size_t len : {size_t{0}, size_t{1}, size_t{4}, size_t{16}, size_t{63}, size_t{64},
                       size_t{200}, size_t{1000}, size_t{4096}}) {
      ElfImageInfo cut;
      CHECK_FALSE(ParseElfImage(std::span(file).first(len), &cut, &error));
    }
  }
}

TEST_CASE("machine names") {
  CHECK(ElfMachineName(EM_AARCH64) == "aarch64");
  CHECK(ElfMachineName(EM_X86_64) == "x86-64");
  CHECK(ElfMachineName(EM_PPC64) == "powerpc64");
  CHECK(ElfMachineName(EM_S390) == "s390");
  CHECK(ElfMachineName(258) == "loongarch");
}

}  // namespace
}  // namespace junction::libos::loader
