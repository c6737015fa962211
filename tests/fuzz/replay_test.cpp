// Runs every fuzz harness on its committed seed corpus and on every input that once crashed
// it (regressions/<harness>/), in every build: a fixed crash stays fixed without clang.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

using Harness = int (*)(const uint8_t*, size_t);

std::vector<fs::path> inputs(const std::string& harness) {
  std::vector<fs::path> files;
  for (const char* folder : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(SONOFLOW_FUZZ_DIR) / folder / harness;
    if (fs::is_directory(dir))
      for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

// Returns how many inputs ran; a crash or escaping exception fails the test case.
size_t replay(const std::string& harness, Harness run) {
  const auto files = inputs(harness);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    INFO(file.string());
    CHECK(run(bytes.data(), bytes.size()) == 0);
  }
  return files.size();
}

}  // namespace

TEST_CASE("pipeline files of the corpus and regressions read and validate without crashing") {
  CHECK(replay("pipeline_file", &sonoflow::fuzz::pipeline_file) >= 5);
}

TEST_CASE("recordings of the corpus and regressions are read or refused without crashing") {
  CHECK(replay("recording_reader", &sonoflow::fuzz::recording_reader) >= 5);
}

TEST_CASE("command-line overrides (--set) of the corpus and regressions apply or are refused") {
  CHECK(replay("set_option", &sonoflow::fuzz::set_option) >= 3);
}

TEST_CASE("control requests of the corpus and regressions are applied or refused") {
  CHECK(replay("control_request", &sonoflow::fuzz::control_request) >= 3);
}
