// Test nodes: small, real nodes that exercise the framework through the same plugin path
// every other plugin uses (loading, validation, graph, lifecycle, errors, statistics).
#pragma once

#include <map>

#include "sonoflow/sonoflow.hpp"

namespace sonoflow::test_nodes {

// Emits numbered `any` frames at a set rate, optionally a fixed number of them.
class CounterSource final : public ThreadedDevice {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;
  void update(const std::string& name, const ParamValue& value) override;

 protected:
  bool produce(Context& ctx) override;
  double frame_rate_hz() const override { return rate_hz_; }

 private:
  std::atomic<double> rate_hz_{0};
  int64_t count_ = 0;
  int64_t payload_bytes_ = 0;
  int64_t produced_ = 0;
};

// Emits small but complete `rf` frames (a point echo on every channel), for the checks
// that need typed, validated metadata.
class RfSource final : public ThreadedDevice {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;

 protected:
  bool produce(Context& ctx) override;
  double frame_rate_hz() const override { return rate_hz_; }

 private:
  double rate_hz_ = 0;
  std::shared_ptr<const ProbeGeometry> probe_;
  uint32_t channels_ = 0, samples_ = 0;
};

// Forwards every frame unchanged (the same shared frame: no copy), after an optional delay.
// The concurrent variant declares itself thread-safe, so the runtime may run it on several
// frames at once; it reports the most calls it saw overlap.
template <bool Concurrent>
class Passthrough final : public Node {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;
  void update(const std::string& name, const ParamValue& value) override;
  void process(const Input& input, Context& ctx) override;
  void results(Results& out) const override;

 private:
  std::atomic<double> delay_ms_{0};
  std::atomic<int64_t> running_{0}, most_running_{0};
};

// Consumes frames and checks that each source's sequence numbers arrive contiguous and in
// order; reports what it saw. The edge policy into it differs by variant.
template <EdgePolicy Policy>
class SequenceSink final : public Node {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;
  void update(const std::string& name, const ParamValue& value) override;
  void process(const Input& input, Context& ctx) override;
  void results(Results& out) const override;

 private:
  double delay_ms_ = 0;
  bool stall_ = false;
  int64_t frames_ = 0, gaps_ = 0, missing_ = 0, out_of_order_ = 0;
  std::map<uint32_t, uint64_t> next_;  // per source id
};

// Throws at the stage it is told to (configure, start, process, stop, results), every n-th
// frame for process, a std::exception or another type; otherwise forwards frames. Its
// start() may also take a while (start_delay_ms). For testing error policies and signals.
class Thrower final : public Node {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;
  void start(Context& ctx) override;
  void process(const Input& input, Context& ctx) override;
  void stop() override;
  void results(Results& out) const override;

 private:
  std::string stage_, exception_;
  int64_t every_n_ = 1, seen_ = 0;
  double start_delay_ms_ = 0;
};

// A device that throws at the stage it is told to (configure, its thread's start or end,
// producing every n-th frame, results); otherwise emits `count` numbered frames.
class ThrowingSource final : public ThreadedDevice {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& params) override;
  void results(Results& out) const override;

 protected:
  bool produce(Context& ctx) override;
  double frame_rate_hz() const override { return 0; }
  void on_start() override;
  void on_stop() override;

 private:
  std::string stage_, exception_;
  int64_t every_n_ = 1, count_ = 0, attempts_ = 0;
};

// Sleeps for `delay_ms`, as a slow node would; shared by the nodes that take a delay.
void simulate_work(double delay_ms);

}  // namespace sonoflow::test_nodes
