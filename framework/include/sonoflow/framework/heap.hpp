// The runtime's heap policy, one call for every program that runs pipelines the way
// `sonoflow run` does (the CLI and the benchmark programs measuring it).
#pragma once

namespace sonoflow::framework {

// Frames of megabytes (rf channel data, serialized frames on a DDS edge, recordings,
// filter outputs) are allocated and freed at frame rate. glibc hands blocks above its
// mmap threshold back to the kernel, and every page then faults again on the next frame:
// 6-15 ms per 1.5 MB frame under KVM, measured, against 0.1 ms from a warm heap. Keeps
// freed memory in the heap instead (mmap threshold 64 MB, trim threshold 256 MB).
// Process-wide: call it once at start-up, before the pipeline is built.
void keep_large_blocks_in_heap();

}  // namespace sonoflow::framework
