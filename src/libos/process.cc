#include "libos/process.h"

namespace junction::libos {

Process& CurrentProcess() {
  static Process p;
  return p;
}

}  // namespace junction::libos
