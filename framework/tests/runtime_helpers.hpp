// Helpers shared by the tests that run pipelines in-process (framework/tests and
// tests/faults): build a runtime from YAML text, run it to its end, read its results.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "sonoflow/framework/runtime.hpp"

namespace sonoflow::testing {

inline std::unique_ptr<Runtime> make_runtime(const std::string& yaml,
                                             RunOptions options = {true, 0}) {
  auto c = check_yaml(yaml);
  INFO(c.diags.to_string());
  REQUIRE_FALSE(c.diags.has_errors());
  return std::make_unique<Runtime>(std::move(c.pipeline), options);
}

// Runs until the sources end or a stop policy ends the run, then stops; a run still going
// after a minute fails the test (it would have hung).
inline void run_to_end(Runtime& rt) {
  using namespace std::chrono_literals;
  rt.start();
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) done = rt.wait_for(100ms);
  rt.stop();
  REQUIRE(done);
}

// A node's numeric result (Results value int64 or double) as an integer.
inline int64_t result(const Runtime& rt, const std::string& node, const std::string& key) {
  auto all = rt.results();
  REQUIRE(all.count(node));
  REQUIRE(all[node].count(key));
  const auto& v = all[node][key];
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v)
                                            : static_cast<int64_t>(std::get<double>(v));
}

inline const NodeStats& node_stats(const RunStats& s, const std::string& id) {
  for (auto& n : s.nodes)
    if (n.id == id) return n;
  FAIL("no node " << id);
  return s.nodes.front();
}

}  // namespace sonoflow::testing
