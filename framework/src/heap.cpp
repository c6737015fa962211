#include "sonoflow/framework/heap.hpp"

#include <malloc.h>

namespace sonoflow::framework {

void keep_large_blocks_in_heap() {
  constexpr int kMmapThresholdBytes = 64 << 20, kTrimThresholdBytes = 256 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

}  // namespace sonoflow::framework
