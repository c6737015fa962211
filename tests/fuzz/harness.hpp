// Fuzz harnesses for SonoFlow's parsers of outside input (GitHub issue #7). Each harness
// takes arbitrary bytes and drives one parser the way the product does; it returns 0 and
// must neither crash nor let an unexpected exception escape: the errors a parser promises
// (diagnostics, RecordingError, deserialize's message) are the expected outcome of garbage.
//
// The same functions serve two hosts: libFuzzer (fuzz_entry.cpp, clang builds only) and
// the Catch2 replay test (replay_test.cpp, every build), which runs the committed seed
// corpora and every crash ever found (regressions/) as ordinary unit tests.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sonoflow::fuzz {

// Pipeline file text: read, then validated against test_nodes and fuzz_nodes.
int pipeline_file(const uint8_t* data, size_t size);
// Recording bytes: opened with RecordingReader (raw, or with valid checksums filled in so
// the fuzzer reaches the FlatBuffers payloads), or one frame through deserialize().
int recording_reader(const uint8_t* data, size_t size);
// `--set` assignments, one per line, applied to a fixed valid pipeline, then validated.
int set_option(const uint8_t* data, size_t size);
// A control request: node id, parameter name and value text, set on a configured pipeline.
int control_request(const uint8_t* data, size_t size);

}  // namespace sonoflow::fuzz
