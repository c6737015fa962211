#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "runtime_helpers.hpp"
#include "runtime_internal.hpp"

using namespace sonoflow;
using namespace sonoflow::testing;
using namespace std::chrono_literals;

TEST_CASE("a lossless chain delivers every frame in order") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 2000 } }
  a: { type: test_passthrough }
  b: { type: test_passthrough }
  sink: { type: test_sink }
edges: [src.out -> a.in, a.out -> b.in, b.out -> sink.in]
)");
  run_to_end(*rt);
  CHECK(result(*rt, "sink", "frames") == 2000);
  CHECK(result(*rt, "sink", "gaps") == 0);
  CHECK(result(*rt, "sink", "out_of_order") == 0);
  auto s = rt->stats();
  CHECK(s.frames == 2000);
  CHECK(node_stats(s, "a").frames_in == 2000);
  CHECK(node_stats(s, "b").frames_out == 2000);
  CHECK(s.latency.max >= s.latency.p99);
  CHECK(s.latency.p99 >= s.latency.p50);
  CHECK(rt->fatal_errors().empty());
}

TEST_CASE("a slow lossless output slows the source: frames in flight stay bounded") {
  auto rt = make_runtime(R"(sonoflow: 1
settings: { max_in_flight: 3 }
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 150 } }
  sink: { type: test_sink, params: { delay_ms: 1 } }
edges: [src.out -> sink.in]
)");
  rt->start();
  uint64_t most_in_flight = 0;
  while (!rt->wait_for(2ms)) {
    auto s = rt->stats();
    // Read the sink first: the source can only have moved on since.
    const uint64_t taken = node_stats(s, "sink").frames_in;
    const uint64_t sent = node_stats(s, "src").frames_out;
    most_in_flight = std::max(most_in_flight, sent > taken ? sent - taken : 0);
  }
  rt->stop();
  // Queued plus the one being processed; stats are read in two steps, so allow one more.
  CHECK(most_in_flight <= 3 + 1);
  CHECK(result(*rt, "sink", "frames") == 150);
  CHECK(result(*rt, "sink", "missing") == 0);
}

TEST_CASE("a slow output on a latest edge drops and counts; the lossless branch loses nothing") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 400 } }
  record: { type: test_sink }
  view: { type: test_latest_sink, params: { delay_ms: 2 } }
edges: [src.out -> record.in, src.out -> view.in]
)");
  run_to_end(*rt);
  auto s = rt->stats();
  const auto& view = node_stats(s, "view");
  CHECK(view.dropped > 0);
  CHECK(view.frames_in + view.dropped == 400);
  // Drops before the first frame it saw and after the last are invisible to the sink.
  CHECK(result(*rt, "view", "missing") <= static_cast<int64_t>(view.dropped));
  CHECK(result(*rt, "record", "frames") == 400);
  CHECK(result(*rt, "record", "gaps") == 0);
}

TEST_CASE("a frame limit (--frames N) stops each source after exactly N frames") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0 } }
  sink: { type: test_sink }
edges: [src.out -> sink.in]
)",
                         {true, 250});
  run_to_end(*rt);
  CHECK(rt->stats().frames == 250);
  CHECK(result(*rt, "sink", "frames") == 250);
}

TEST_CASE("on_error: skip counts the failures and goes on") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 100 } }
  thr: { type: test_thrower, params: { stage: process, every_n: 10 } }
  sink: { type: test_sink }
edges: [src.out -> thr.in, thr.out -> sink.in]
)");
  run_to_end(*rt);
  CHECK(node_stats(rt->stats(), "thr").errors == 10);
  CHECK(result(*rt, "sink", "frames") == 90);
  // The 10th failure is on the last frame: no later frame reveals that gap to the sink.
  CHECK(result(*rt, "sink", "missing") == 9);
  CHECK(rt->fatal_errors().empty());
}

TEST_CASE("on_error: stop ends the run cleanly and names the node") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0 } }
  thr: { type: test_thrower, params: { stage: process, every_n: 50 }, on_error: stop }
  sink: { type: test_sink }
edges: [src.out -> thr.in, thr.out -> sink.in]
)");
  run_to_end(*rt);  // the source never ends by itself: only the stop policy ends this run
  auto errors = rt->fatal_errors();
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0] == "node 'thr' (test_thrower) failed in process: test_thrower: asked to "
                     "throw on frame 49 (on_error: stop)");
  CHECK(result(*rt, "sink", "out_of_order") == 0);
}

TEST_CASE("exceptions in configure, start and stop name the node and never escape") {
  auto pipeline = [](const std::string& stage) {
    return R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 1000 } }
  thr: { type: test_thrower, params: { stage: )" +
           stage + R"( } }
  sink: { type: test_sink }
edges: [src.out -> thr.in, thr.out -> sink.in]
)";
  };
  auto c = testing::check_yaml(pipeline("configure"));
  REQUIRE_FALSE(c.diags.has_errors());
  CHECK_THROWS_WITH(Runtime(std::move(c.pipeline), {}),
                    "node 'thr' (test_thrower) refused its configuration: test_thrower: asked to "
                    "throw in configure");

  auto starting = make_runtime(pipeline("start"));
  CHECK_THROWS_WITH(starting->start(),
                    "node 'thr' (test_thrower) failed to start: test_thrower: asked to throw in "
                    "start");
  starting.reset();  // nothing left running: the destructor returns

  auto stopping = make_runtime(pipeline("stop"));
  stopping->start();
  stopping->wait_for(20ms);
  stopping->stop();
  REQUIRE(stopping->fatal_errors().size() == 1);
  CHECK(stopping->fatal_errors()[0] ==
        "node 'thr' (test_thrower) failed to stop: test_thrower: asked to throw in stop");
}

TEST_CASE("live parameter changes are validated, then applied between frames") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 2000 } }
  mid: { type: test_passthrough }
  sink: { type: test_sink }
edges: [src.out -> mid.in, mid.out -> sink.in]
)");
  rt->start();
  CHECK(rt->set_param("mid", "delay_ms", 0.5).empty());
  CHECK(rt->set_param("src", "count", int64_t{5}) ==
        "parameter 'src.count' cannot change while the pipeline runs");
  CHECK(rt->set_param("mid", "delay_ms", -2.0) == "parameter 'mid.delay_ms' must be between 0 and "
                                                  "10000 ms");
  CHECK(rt->set_param("mid", "delai_ms", 1.0) == "node 'mid' (test_passthrough) has no parameter "
                                                 "'delai_ms'");
  CHECK(rt->set_param("nobody", "x", 1.0) == "no node 'nobody'");
  // Wait until frames have passed after the change, then stop.
  const auto before = node_stats(rt->stats(), "mid").frames_in;
  while (node_stats(rt->stats(), "mid").frames_in < before + 5) rt->wait_for(5ms);
  rt->stop();
  auto all = rt->results();
  CHECK(std::get<double>(all["mid"]["delay_ms"]) == 0.5);
  CHECK(result(*rt, "sink", "gaps") == 0);
}

TEST_CASE("stop while the source is blocked by backpressure drains what entered") {
  auto rt = make_runtime(R"(sonoflow: 1
settings: { max_in_flight: 2 }
nodes:
  src: { type: test_counter, params: { rate_hz: 0 } }
  sink: { type: test_sink, params: { delay_ms: 20 } }
edges: [src.out -> sink.in]
)");
  rt->start();
  rt->wait_for(60ms);
  rt->stop();
  auto s = rt->stats();
  CHECK(node_stats(s, "src").frames_out == node_stats(s, "sink").frames_in);
  CHECK(result(*rt, "sink", "gaps") == 0);
}

TEST_CASE("a source gate admits up to its limit and blocks until a release") {
  detail::SourceGate gate(2);
  REQUIRE(gate.acquire());
  REQUIRE(gate.acquire());
  std::atomic<bool> third{false};
  std::thread waiter([&] { third = gate.acquire(); });
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(third.load());  // still blocked: the limit holds
  gate.release();
  waiter.join();
  CHECK(third.load());
  gate.close();
  CHECK_FALSE(gate.acquire());  // closed: a blocked or new source gets false at once
}

TEST_CASE("a node declared thread-safe runs on several frames at once; a serial one never") {
  auto rt = make_runtime(R"(sonoflow: 1
settings: { threads: 4, max_in_flight: 16 }
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 40 } }
  par: { type: test_parallel_passthrough, params: { delay_ms: 5 } }
  ser: { type: test_passthrough, params: { delay_ms: 1 } }
  sink: { type: test_sink }
edges: [src.out -> par.in, par.out -> ser.in, ser.out -> sink.in]
)");
  run_to_end(*rt);
  CHECK(result(*rt, "par", "most_concurrent_calls") >= 2);
  CHECK(result(*rt, "ser", "most_concurrent_calls") == 1);
  CHECK(result(*rt, "sink", "frames") == 40);  // nothing lost; order is not promised
}

TEST_CASE("a sampled frame's trace lists every node in order, with times that add up") {
  auto rt = make_runtime(R"(sonoflow: 1
nodes:
  src: { type: test_counter, params: { rate_hz: 0, count: 64 } }
  a: { type: test_passthrough }
  b: { type: test_passthrough, params: { delay_ms: 0.1 } }
  sink: { type: test_sink }
edges: [src.out -> a.in, a.out -> b.in, b.out -> sink.in]
)");
  run_to_end(*rt);
  const auto source = static_cast<uint32_t>(0);  // the source's index in the file
  auto steps = rt->trace(source, 32);             // a multiple of 16: timed everywhere
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].node == "a");
  CHECK(steps[1].node == "b");
  CHECK(steps[2].node == "sink");
  for (size_t i = 0; i < steps.size(); ++i) {
    CHECK(steps[i].entry_ns <= steps[i].exit_ns);
    if (i) CHECK(steps[i - 1].exit_ns <= steps[i].entry_ns);  // a hop starts after the last
  }
  CHECK(steps[1].exit_ns - steps[1].entry_ns >= 100'000);  // b's delay is inside its step
  // b is slow enough to be timed on every frame. a and the sink are timed on every frame
  // only while they are slow themselves (a loaded machine, a sanitizer build: seen under
  // ASan), so off the sampled frames they may or may not appear; b always does.
  auto unsampled = rt->trace(source, 33);
  REQUIRE(!unsampled.empty());
  CHECK(unsampled.size() <= 3);
  CHECK(std::any_of(unsampled.begin(), unsampled.end(), [](const auto& s) { return s.node == "b"; }));
  CHECK(rt->trace(source, 1000).empty());
}
