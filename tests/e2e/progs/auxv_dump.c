// Prints what the initial stack told this process: argc, argv, envp, every
// auxv entry (values for non-address entries; facts about address entries,
// since addresses differ between runs) and the layout properties that
// Linux's create_elf_tables guarantees. Output is identical natively and
// under `junction run` when the loader lays the stack out like Linux.
// Run with a fixed environment, e.g. `env -i A=1 B=2 ./auxv_dump x y`.
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN 28
#endif

extern char** environ;

static const char* AuxName(uint64_t type) {
  switch (type) {
    case AT_SYSINFO_EHDR: return "AT_SYSINFO_EHDR";
    case AT_MINSIGSTKSZ: return "AT_MINSIGSTKSZ";
    case AT_HWCAP: return "AT_HWCAP";
    case AT_PAGESZ: return "AT_PAGESZ";
    case AT_CLKTCK: return "AT_CLKTCK";
    case AT_PHDR: return "AT_PHDR";
    case AT_PHENT: return "AT_PHENT";
    case AT_PHNUM: return "AT_PHNUM";
    case AT_BASE: return "AT_BASE";
    case AT_FLAGS: return "AT_FLAGS";
    case AT_ENTRY: return "AT_ENTRY";
    case AT_UID: return "AT_UID";
    case AT_EUID: return "AT_EUID";
    case AT_GID: return "AT_GID";
    case AT_EGID: return "AT_EGID";
    case AT_SECURE: return "AT_SECURE";
    case AT_RANDOM: return "AT_RANDOM";
    case AT_HWCAP2: return "AT_HWCAP2";
    case AT_EXECFN: return "AT_EXECFN";
    case AT_PLATFORM: return "AT_PLATFORM";
    case AT_RSEQ_FEATURE_SIZE: return "AT_RSEQ_FEATURE_SIZE";
    case AT_RSEQ_ALIGN: return "AT_RSEQ_ALIGN";
    default: return NULL;
  }
}

int main(int argc, char** argv) {
  // main's argv is the initial stack's argv array, so %rsp at entry was
  // just below it (pointing at argc).
  uint64_t* initial_sp = (uint64_t*)argv - 1;
  printf("argc=%d (stack says %lu)\n", argc, (unsigned long)*initial_sp);
  printf("initial rsp %% 16 = %lu\n", (unsigned long)((uintptr_t)initial_sp % 16));
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  char** envp = argv + argc + 1;
  int envc = 0;
  for (; envp[envc] != NULL; envc++) printf("envp[%d]=%s\n", envc, envp[envc]);
  printf("environ is envp: %s\n", environ == envp ? "yes" : "no");

  Elf64_auxv_t* auxv = (Elf64_auxv_t*)(envp + envc + 1);
  const char* execfn = NULL;
  const char* platform = NULL;
  const uint8_t* random = NULL;
  for (Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; a++) {
    uint64_t v = a->a_un.a_val;
    const char* name = AuxName(a->a_type);
    if (name == NULL) {
      printf("auxv type %lu = %#lx\n", (unsigned long)a->a_type, (unsigned long)v);
      continue;
    }
    switch (a->a_type) {
      case AT_SYSINFO_EHDR:
        printf("%s: %s\n", name, memcmp((void*)v, ELFMAG, SELFMAG) == 0 ? "ELF image" : "bad");
        break;
      case AT_PHDR: {
        const Elf64_Phdr* ph = (const Elf64_Phdr*)v;
        printf("%s: first entry type %u\n", name, ph[0].p_type);
        break;
      }
      case AT_BASE: printf("%s: %s\n", name, v ? "nonzero" : "0"); break;
      case AT_ENTRY: printf("%s: %s\n", name, v ? "nonzero" : "0"); break;
      case AT_RANDOM:
        random = (const uint8_t*)v;
        printf("%s: %s\n", name, random > (uint8_t*)(auxv) ? "above auxv" : "bad");
        break;
      case AT_EXECFN:
        execfn = (const char*)v;
        printf("%s: %s\n", name, execfn);
        break;
      case AT_PLATFORM:
        platform = (const char*)v;
        printf("%s: %s\n", name, platform);
        break;
      case AT_HWCAP:
      case AT_HWCAP2: printf("%s: %#lx\n", name, (unsigned long)v); break;
      default: printf("%s: %lu\n", name, (unsigned long)v); break;
    }
  }
  // Layout facts: strings are contiguous (argv, then envp), execfn follows
  // the last string, then 8 zero bytes end the stack; the platform string
  // and the random bytes sit below the (16-aligned) start of the strings.
  const char* cursor = argv[0];
  int contiguous = 1;
  for (int i = 0; i < argc; i++) {
    contiguous &= argv[i] == cursor;
    cursor += strlen(cursor) + 1;
  }
  for (int i = 0; i < envc; i++) {
    contiguous &= envp[i] == cursor;
    cursor += strlen(cursor) + 1;
  }
  printf("argv and envp strings contiguous: %s\n", contiguous ? "yes" : "no");
  printf("execfn right after them: %s\n", execfn == cursor ? "yes" : "no");
  if (execfn) {
    uint64_t tail;
    memcpy(&tail, execfn + strlen(execfn) + 1, sizeof(tail));
    printf("8 zero bytes after execfn: %s\n", tail == 0 ? "yes" : "no");
  }
  if (platform && random) {
    printf("random bytes right below platform: %s\n",
           random + 16 == (const uint8_t*)platform ? "yes" : "no");
    // Linux leaves a random gap (arch_align_stack) here, so only the order
    // is fixed.
    uintptr_t platform_end = (uintptr_t)platform + strlen(platform) + 1;
    printf("platform below the strings: %s\n",
           platform_end <= (uintptr_t)argv[0] ? "yes" : "no");
  }
  return 0;
}
