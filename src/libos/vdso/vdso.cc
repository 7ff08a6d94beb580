// The embedded vDSO image, mapping it for the guest, and a minimal
// dynamic-symbol lookup for vDSO-like images.
#include "libos/vdso/vdso.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

// vdso_image.S: the linked linux-vdso.so.1, page-aligned and padded.
extern "C" const uint8_t junction_vdso_image_start[];
extern "C" const uint8_t junction_vdso_image_end[];

namespace junction::libos::vdso {

std::span<const uint8_t> Image() {
  return {junction_vdso_image_start,
          static_cast<size_t>(junction_vdso_image_end -
                              junction_vdso_image_start)};
}

GuestMapOps HostMapOps() { return {::mmap, ::mprotect}; }

void PrefetchGuestView(const GuestVdso& v) {
  if (!v.image_base) return;
  auto* data = reinterpret_cast<const uint8_t*>(v.image_base - DataSize());
  for (size_t off = 0; off < sizeof(VdsoData); off += 64) __builtin_prefetch(data + off);
  auto* text = reinterpret_cast<const uint8_t*>(v.image_base);
  for (size_t off = 0; off < Image().size(); off += 64) __builtin_prefetch(text + off);
}

SysResult<GuestVdso> MapForGuest(const GuestMapOps& ops) {
  const size_t data_len = DataSize();
  const std::span<const uint8_t> image = Image();

  int fd = memfd_create("junction-vdso-data", MFD_CLOEXEC);
  if (fd < 0) return Errno{errno};
  if (ftruncate(fd, static_cast<off_t>(data_len)) != 0) {
    int e = errno;
    close(fd);
    return Errno{e};
  }
  // The LibOS's writable view (host memory, not part of the guest's VMAs).
  void* rw = ::mmap(nullptr, data_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                    0);
  if (rw == MAP_FAILED) {
    int e = errno;
    close(fd);
    return Errno{e};
  }

  // The guest's view: [data r-- | image r-x], one reservation.
  auto fail = [&](int e) -> SysResult<GuestVdso> {
    ::munmap(rw, data_len);
    close(fd);
    return Errno{e};
  };
  void* region = ops.mmap(nullptr, data_len + image.size(),
                          PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
  if (region == MAP_FAILED) return fail(errno);
  auto* base = static_cast<uint8_t*>(region);
  if (ops.mmap(base, data_len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) ==
      MAP_FAILED)
    return fail(errno);
  std::memcpy(base + data_len, image.data(), image.size());
  if (ops.mprotect(base + data_len, image.size(), PROT_READ | PROT_EXEC) != 0)
    return fail(errno);
  close(fd);

  GuestVdso g;
  g.image_base = reinterpret_cast<uintptr_t>(base + data_len);
  g.data = static_cast<VdsoData*>(rw);
  InitData(g.data);
  return g;
}

namespace {

// Number of dynamic symbols from a GNU hash table (highest chained index+1).
size_t GnuHashSymbolCount(const uint32_t* gh) {
  uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2];
  const uint32_t* buckets =
      gh + 4 + bloom_size * (sizeof(uintptr_t) / sizeof(uint32_t));
  const uint32_t* chains = buckets + nbuckets;
  uint32_t max = 0;
  for (uint32_t b = 0; b < nbuckets; b++) max = buckets[b] > max ? buckets[b] : max;
  if (max < symoffset) return symoffset;
  while (!(chains[max - symoffset] & 1)) max++;
  return max + 1;
}

}  // namespace

uintptr_t FindSymbol(uintptr_t base, const char* name, const char* version) {
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
      eh->e_ident[EI_CLASS] != ELFCLASS64)
    return 0;
  const auto* ph = reinterpret_cast<const Elf64_Phdr*>(base + eh->e_phoff);
  uintptr_t bias = 0;
  bool have_load = false;
  const Elf64_Dyn* dyn = nullptr;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && !have_load) {
      bias = base + ph[i].p_offset - ph[i].p_vaddr;
      have_load = true;
    }
  }
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_DYNAMIC)
      dyn = reinterpret_cast<const Elf64_Dyn*>(bias + ph[i].p_vaddr);
  if (!have_load || !dyn) return 0;

  const Elf64_Sym* symtab = nullptr;
  const char* strtab = nullptr;
  const Elf64_Versym* versym = nullptr;
  const Elf64_Verdef* verdef = nullptr;
  size_t nsyms = 0;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    uintptr_t p = bias + dyn->d_un.d_ptr;
    switch (dyn->d_tag) {
      case DT_SYMTAB: symtab = reinterpret_cast<const Elf64_Sym*>(p); break;
      case DT_STRTAB: strtab = reinterpret_cast<const char*>(p); break;
      case DT_VERSYM: versym = reinterpret_cast<const Elf64_Versym*>(p); break;
      case DT_VERDEF: verdef = reinterpret_cast<const Elf64_Verdef*>(p); break;
      case DT_HASH: nsyms = reinterpret_cast<const uint32_t*>(p)[1]; break;
      case DT_GNU_HASH:
        if (nsyms == 0)
          nsyms = GnuHashSymbolCount(reinterpret_cast<const uint32_t*>(p));
        break;
      default: break;
    }
  }
  if (!symtab || !strtab || nsyms == 0) return 0;

  for (size_t i = 1; i < nsyms; i++) {
    const Elf64_Sym& s = symtab[i];
    if (s.st_shndx == SHN_UNDEF || std::strcmp(strtab + s.st_name, name) != 0)
      continue;
    if (version != nullptr) {
      if (!versym || !verdef) continue;
      uint16_t want = versym[i] & 0x7fff;
      const Elf64_Verdef* vd = verdef;
      bool match = false;
      for (;;) {
        if (!(vd->vd_flags & VER_FLG_BASE) && vd->vd_ndx == want) {
          const auto* aux = reinterpret_cast<const Elf64_Verdaux*>(
              reinterpret_cast<const char*>(vd) + vd->vd_aux);
          match = std::strcmp(strtab + aux->vda_name, version) == 0;
          break;
        }
        if (vd->vd_next == 0) break;
        vd = reinterpret_cast<const Elf64_Verdef*>(
            reinterpret_cast<const char*>(vd) + vd->vd_next);
      }
      if (!match) continue;
    }
    return bias + s.st_value;
  }
  return 0;
}

}  // namespace junction::libos::vdso
