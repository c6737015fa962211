// Unit tests for what the fuzzers found, each on the input that found it (regressions/),
// stated as the behaviour the SDK promises rather than "does not crash".
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "sonoflow/frames.hpp"
#include "sonoflow/params.hpp"
#include "sonoflow/serialize.hpp"

namespace {

std::vector<uint8_t> regression(const std::string& name) {
  std::ifstream in(std::filesystem::path(SONOFLOW_FUZZ_DIR) / "regressions" / name,
                   std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("deserialize refuses a frame whose payload type is set but whose payload is absent") {
  // Found by fuzz_recording_reader: the FlatBuffers verifier accepts such a union, and
  // deserialize() then called through a null table.
  const auto input = regression("recording_reader/payload_type_without_payload.bin");
  REQUIRE(input.size() > 1);
  // The harness's first byte picks the mode (1: one frame for deserialize).
  const std::vector<uint8_t> frame(input.begin() + 1, input.end());
  std::string error;
  CHECK(sonoflow::deserialize(frame, &error) == nullptr);
  CHECK(error == "frame has no payload");
}

TEST_CASE("deserialize reads a frame stored at an odd address like an aligned one") {
  // Found by fuzz_recording_reader: FlatBuffers loaded scalars misaligned (undefined
  // behaviour) from a span that did not start on an aligned address.
  sonoflow::BlobFrame blob;
  blob.header.sequence = 7;
  blob.tag = "odd";
  blob.bytes = {1, 2, 3};
  const auto bytes = sonoflow::serialize(blob);
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  std::string error;
  const auto frame = sonoflow::deserialize({shifted.data() + 1, bytes.size()}, &error);
  INFO(error);
  REQUIRE(frame);
  const auto* read = dynamic_cast<const sonoflow::BlobFrame*>(frame.get());
  REQUIRE(read);
  CHECK(read->header.sequence == 7);
  CHECK(read->tag == "odd");
  CHECK(read->bytes == std::vector<uint8_t>{1, 2, 3});
}

TEST_CASE("a string parameter that is not UTF-8 is refused") {
  // Found by fuzz_control_request: the control API accepted "label" = bytes that are not
  // UTF-8, after which pipeline_json() threw on its own output (JSON holds Unicode only).
  const auto input = regression("control_request/label_not_utf8.bin");
  const std::string text(input.begin(), input.end());
  const std::string value = text.substr(text.find('\n', text.find('\n') + 1) + 1);
  const auto spec = sonoflow::ParamSpec::string("label", "x");
  CHECK(spec.check(value) == "must be UTF-8 text");
  CHECK(spec.check(std::string("caf\xc3\xa9 \xe2\x86\x92 ok")).empty());
  CHECK(spec.check(std::string("cut \xe2\x86")) == "must be UTF-8 text");
}
