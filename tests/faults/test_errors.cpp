// A node throwing at every stage of its life, under both error policies, with a
// std::exception and with something that is not one: the error names the node and the
// stage, the process never dies, and the frames that were not thrown on arrive.
#include <catch2/catch.hpp>

#include <chrono>

#include "runtime_helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kFrames = 60;
constexpr int kEveryN = 10;  // process/produce: throw on every 10th frame
constexpr const char* kNotStd = "an exception that is not a std::exception";

std::string result_text(const Runtime& rt, const std::string& node, const std::string& key) {
  auto all = rt.results();
  REQUIRE(all.count(node));
  REQUIRE(all[node].count(key));
  return std::get<std::string>(all[node][key]);
}

struct Case {
  std::string stage, policy, exception;
  // What the plugin said: its own message, or nothing for a non-std exception.
  std::string said(const std::string& message) const {
    return exception == "std" ? message : kNotStd;
  }
};

}  // namespace

TEST_CASE("a processing node throwing at any stage, under either policy, never ends the process") {
  const Case c{GENERATE(as<std::string>{}, "configure", "start", "process", "stop", "results"),
               GENERATE(as<std::string>{}, "skip", "stop"),
               GENERATE(as<std::string>{}, "std", "other")};
  CAPTURE(c.stage, c.policy, c.exception);
  const std::string yaml = R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: )" +
                           std::to_string(kFrames) + R"( } }
  thr: { type: test_thrower, on_error: )" +
                           c.policy + R"(, params: { every_n: )" + std::to_string(kEveryN) +
                           ", stage: " + c.stage + ", exception: " + c.exception + R"( } }
  sink: { type: test_sink }
edges: [src.out -> thr.in, thr.out -> sink.in]
)";
  const std::string node = "node 'thr' (test_thrower) ";
  auto checked = testing::check_yaml(yaml);
  REQUIRE_FALSE(checked.diags.has_errors());

  if (c.stage == "configure") {  // the run cannot begin, whatever the policy
    CHECK_THROWS_WITH(
        Runtime(std::move(checked.pipeline), {}),
        node + "refused its configuration: " + c.said("test_thrower: asked to throw in configure"));
    return;
  }
  auto rt = make_runtime(yaml);
  if (c.stage == "start") {
    CHECK_THROWS_WITH(rt->start(),
                      node + "failed to start: " + c.said("test_thrower: asked to throw in start"));
    rt.reset();  // the sink had started: stopped again, nothing left running
    return;
  }
  run_to_end(*rt);
  const auto stats = rt->stats();
  const auto fatal = rt->fatal_errors();
  if (c.stage == "process") {
    if (c.policy == "skip") {
      CHECK(node_stats(stats, "thr").errors == kFrames / kEveryN);
      CHECK(result(*rt, "sink", "frames") == kFrames - kFrames / kEveryN);
      CHECK(fatal.empty());
    } else {
      REQUIRE(fatal.size() == 1);
      CHECK(fatal[0] ==
            node + "failed in process: " +
                c.said("test_thrower: asked to throw on frame " + std::to_string(kEveryN - 1)) +
                " (on_error: stop)");
      // Frames still in flight pass the halted node by: only the ones before it arrive.
      CHECK(result(*rt, "sink", "frames") == kEveryN - 1);
    }
    CHECK(result(*rt, "sink", "out_of_order") == 0);
    return;
  }
  // stop and results: every frame went through before the node failed.
  CHECK(result(*rt, "sink", "frames") == kFrames);
  CHECK(result(*rt, "sink", "gaps") == 0);
  if (c.stage == "stop") {
    REQUIRE(fatal.size() == 1);
    CHECK(fatal[0] == node + "failed to stop: " + c.said("test_thrower: asked to throw in stop"));
  } else {
    CHECK(fatal.empty());
    CHECK(result_text(*rt, "thr", "error") == c.said("test_thrower: asked to throw in results"));
  }
}

TEST_CASE("a device throwing at any stage, under either policy, never ends the process") {
  const Case c{
      GENERATE(as<std::string>{}, "configure", "thread_start", "produce", "thread_stop", "results"),
      GENERATE(as<std::string>{}, "skip", "stop"), GENERATE(as<std::string>{}, "std", "other")};
  CAPTURE(c.stage, c.policy, c.exception);
  const std::string yaml = R"(sonoflow: 1
nodes:
  src: { type: test_throwing_source, on_error: )" +
                           c.policy + R"(, params: { count: )" + std::to_string(kFrames) +
                           ", every_n: " + std::to_string(kEveryN) + ", stage: " + c.stage +
                           ", exception: " + c.exception + R"( } }
  sink: { type: test_sink }
edges: [src.out -> sink.in]
)";
  const std::string node = "node 'src' (test_throwing_source) ";
  auto checked = testing::check_yaml(yaml);
  REQUIRE_FALSE(checked.diags.has_errors());
  if (c.stage == "configure") {
    CHECK_THROWS_WITH(Runtime(std::move(checked.pipeline), {}),
                      node + "refused its configuration: " +
                          c.said("test_throwing_source: asked to throw in configure"));
    return;
  }
  auto rt = make_runtime(yaml);
  run_to_end(*rt);  // also when the device thread died at its start: its stream ended
  const auto stats = rt->stats();
  const auto fatal = rt->fatal_errors();
  const auto errors = node_stats(stats, "src").errors;
  auto expect_fatal = [&](const std::string& what) {
    if (c.policy == "stop") {
      REQUIRE(fatal.size() == 1);
      CHECK(fatal[0] == node + "failed in its device thread: " + what + " (on_error: stop)");
    } else {
      CHECK(fatal.empty());
    }
  };
  if (c.stage == "thread_start") {
    CHECK(errors == 1);
    CHECK(result(*rt, "sink", "frames") == 0);
    expect_fatal("start of device thread: " +
                 c.said("test_throwing_source: asked to throw as its thread starts"));
  } else if (c.stage == "produce") {
    const std::string first =
        c.said("test_throwing_source: asked to throw on attempt " + std::to_string(kEveryN));
    expect_fatal(first);
    if (c.policy == "skip") {
      CHECK(errors == kFrames / kEveryN);
      CHECK(result(*rt, "sink", "frames") == kFrames - kFrames / kEveryN);
    } else {
      CHECK(errors >= 1);  // the device may throw again before the stop reaches it
    }
    // Frames that were emitted are never lost or reordered, under either policy.
    CHECK(result(*rt, "sink", "frames") == static_cast<int64_t>(stats.frames));
    CHECK(result(*rt, "sink", "gaps") == 0);
  } else if (c.stage == "thread_stop") {
    CHECK(errors == 1);
    CHECK(result(*rt, "sink", "frames") == kFrames);
    expect_fatal("stop of device thread: " +
                 c.said("test_throwing_source: asked to throw as its thread ends"));
  } else {
    CHECK(result(*rt, "sink", "frames") == kFrames);
    CHECK(fatal.empty());
    CHECK(result_text(*rt, "src", "error") ==
          c.said("test_throwing_source: asked to throw in results"));
  }
}
