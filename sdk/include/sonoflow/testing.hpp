// Helpers for a plugin's unit tests, so that each plugin does not write its own: a Context
// that stands in for the runtime when a test drives a node directly, and a scratch folder.
// Header-only; installed with the SDK for out-of-tree plugins too.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sonoflow/node.hpp"

namespace sonoflow::testing {

// A Context for calling a node's start/process/stop by hand: emit() accepts and drops
// frames (devices and outputs rarely need them back), warnings and errors are kept so a
// test can check them. Not thread-safe: for nodes driven from the test's own thread.
class NullContext : public Context {
 public:
  explicit NullContext(std::string node_id = "node", bool fast = true)
      : id_(std::move(node_id)), fast_(fast) {}
  bool emit(size_t, FramePtr) override { return true; }
  FrameHeader stamp() override { return {}; }
  void end_of_stream() override {}
  void apply_pending_params() override {}
  void error(std::string_view message) override { errors.emplace_back(message); }
  bool stopping() const override { return false; }
  bool fast() const override { return fast_; }
  const std::string& node_id() const override { return id_; }
  void warn(std::string_view message) override { warnings.emplace_back(message); }

  std::vector<std::string> warnings, errors;

 private:
  std::string id_;
  bool fast_;
};

// A folder of this process's own below `base`, emptied at the start and removed at the
// end. ctest runs each test case in a process of its own, possibly in parallel: the
// process id keeps them apart.
class ScratchDir {
 public:
  explicit ScratchDir(const std::filesystem::path& base)
      : path_(base / ("p" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace sonoflow::testing
