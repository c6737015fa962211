#include "sonoflow/framework/conformance.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "sonoflow/clock.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow {
namespace {

using namespace std::chrono_literals;

// A stand-in for the runtime that records what a node does. With `block` set, emit()
// waits until stop, as it does in a pipeline whose outputs are busy.
class CheckContext final : public Context {
 public:
  bool emit(size_t port, FramePtr frame) override {
    std::unique_lock lock(mutex_);
    if (stopping_) return false;
    frames_.push_back({port, std::move(frame), steady_now_ns()});
    cv_.notify_all();
    if (block_) cv_.wait(lock, [&] { return stopping_; });
    return !stopping_;
  }
  FrameHeader stamp() override {
    return {next_sequence_++, 0, steady_now_ns(), utc_now_ns()};
  }
  void end_of_stream() override {
    std::lock_guard lock(mutex_);
    ended_ = true;
    cv_.notify_all();
  }
  void apply_pending_params() override {}
  void error(std::string_view message) override {
    std::lock_guard lock(mutex_);
    errors_.emplace_back(message);
  }
  bool stopping() const override {
    std::lock_guard lock(mutex_);
    return stopping_;
  }
  bool fast() const override { return true; }
  const std::string& node_id() const override { return id_; }
  void warn(std::string_view) override {}

  struct Emitted {
    size_t port;
    FramePtr frame;
    int64_t received_ns;
  };
  void reset(bool block) {
    std::lock_guard lock(mutex_);
    frames_.clear();
    stopping_ = ended_ = false;
    block_ = block;
  }
  // Waits for n frames (or end of stream, or the timeout); returns how many came.
  size_t wait_for_frames(size_t n, double timeout_s) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::duration<double>(timeout_s),
                 [&] { return frames_.size() >= n || ended_; });
    return frames_.size();
  }
  void begin_stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  std::vector<Emitted> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Emitted> frames_;
  std::vector<std::string> errors_;
  bool stopping_ = false, ended_ = false, block_ = false;
  uint64_t next_sequence_ = 0;
  std::string id_ = "check";
};

ParamSet defaults(const NodeSpec& spec) {
  ParamSet set;
  for (auto& p : spec.params) set.set(p.name, p.normalize(p.default_value));
  return set;
}

class Checker {
 public:
  Checker(const NodeTypeInfo& type, const CheckOptions& options)
      : type_(type), spec_(type.spec), options_(options) {}

  std::vector<CheckResult> run() {
    check_declaration();
    check_parameters();
    // A node that needs a value no default can give (a file to read) cannot be run
    // without one; its run-time checks are named as skipped, not passed silently.
    std::string required;
    for (auto& p : spec_.params)
      if (p.required) required += (required.empty() ? "" : ", ") + p.name;
    if (!required.empty()) {
      add("run-time checks", "", "skipped: needs " + required + " (check it in a pipeline)");
      return results_;
    }
    auto node = create_and_configure();
    if (!node) return results_;
    check_live_parameters(*node);
    if (spec_.kind == NodeKind::device) {
      check_emission(*node);
      check_stop_while_emitting(*node);
    }
    check_cycles(*node);
    return results_;
  }

 private:
  void add(std::string check, std::string problem, std::string detail = {}) {
    const bool passed = problem.empty();
    results_.push_back({spec_.type, std::move(check), passed, passed ? detail : problem});
  }

  void check_declaration() {
    static const std::regex name("[a-z][a-z0-9_]*");
    std::string problem;
    auto fail = [&](std::string why) {
      if (problem.empty()) problem = std::move(why);
    };
    if (!std::regex_match(spec_.type, name))
      fail("type name '" + spec_.type + "' should be lower_snake_case");
    if (spec_.description.empty()) fail("the node type has no description");
    switch (spec_.kind) {
      case NodeKind::device:
        if (!spec_.inputs.empty()) fail("a device has no inputs");
        if (spec_.outputs.empty()) fail("a device needs at least one output");
        break;
      case NodeKind::processing:
        if (spec_.inputs.empty() || spec_.outputs.empty())
          fail("a processing node needs inputs and outputs");
        break;
      case NodeKind::output:
        if (spec_.inputs.empty()) fail("an output node needs at least one input");
        break;
    }
    for (auto* ports : {&spec_.inputs, &spec_.outputs}) {
      std::set<std::string> seen;
      for (auto& p : *ports) {
        if (!std::regex_match(p.name, name)) fail("port name '" + p.name + "' is not lower_snake_case");
        if (!seen.insert(p.name).second) fail("port '" + p.name + "' is declared twice");
        if (p.type.empty()) fail("port '" + p.name + "' has no type");
        if (p.description.empty()) fail("port '" + p.name + "' has no description");
      }
    }
    add("declaration", problem,
        std::to_string(spec_.inputs.size()) + " inputs, " + std::to_string(spec_.outputs.size()) +
            " outputs");
  }

  void check_parameters() {
    static const std::regex name("[a-z][a-z0-9_]*");
    std::string problem;
    std::set<std::string> seen;
    for (auto& p : spec_.params) {
      std::string why;
      if (!std::regex_match(p.name, name)) why = "name is not lower_snake_case";
      else if (!seen.insert(p.name).second) why = "declared twice";
      else if (p.description.empty()) why = "has no description";
      else if (p.type == ParamType::choice && p.allowed.empty()) why = "enum without allowed values";
      else if (p.min && p.max && *p.min > *p.max) why = "min is above max";
      else if (auto bad = p.check(p.default_value); !bad.empty()) why = "default " + bad;
      if (!why.empty() && problem.empty()) problem = "parameter '" + p.name + "': " + why;
    }
    add("parameters documented, defaults valid", problem,
        std::to_string(spec_.params.size()) + " parameters");
  }

  std::unique_ptr<Node> create_and_configure() {
    std::unique_ptr<Node> node;
    try {
      node = type_.entry.create();
      if (!node) throw std::runtime_error("the factory returned null");
      node->configure(defaults(spec_));
    } catch (const std::exception& e) {
      add("configures with defaults", e.what());
      return nullptr;
    }
    add("configures with defaults", "");
    return node;
  }

  void check_live_parameters(Node& node) {
    std::string problem;
    int live = 0;
    for (auto& p : spec_.params) {
      if (!p.runtime_mutable) continue;
      ++live;
      try {
        node.update(p.name, p.normalize(p.default_value));
      } catch (const std::exception& e) {
        if (problem.empty()) problem = "update('" + p.name + "') threw: " + e.what();
      }
    }
    add("live parameters accept updates", problem, std::to_string(live) + " live parameters");
  }

  // Runs `stop` with a time limit. A node whose stop() hangs cannot be recovered in this
  // process: the checker reports it and exits, as the pipeline would hang at shutdown.
  bool bounded_stop(Node& node, const std::string& check) {
    auto done = std::async(std::launch::async, [&] {
      try {
        node.stop();
        return std::string();
      } catch (const std::exception& e) {
        return std::string("stop() threw: ") + e.what();
      }
    });
    if (done.wait_for(std::chrono::duration<double>(options_.timeout_s)) ==
        std::future_status::timeout) {
      std::printf("FAIL  %s: %s: stop() did not return within %.0f s\n", spec_.type.c_str(),
                  check.c_str(), options_.timeout_s);
      std::fflush(stdout);
      std::_Exit(1);
    }
    auto problem = done.get();
    if (!problem.empty()) add(check, problem);
    return problem.empty();
  }

  std::string check_frame(const CheckContext::Emitted& e, int64_t started_ns) {
    if (e.port >= spec_.outputs.size()) return "emitted on undeclared port " + std::to_string(e.port);
    const PortSpec& port = spec_.outputs[e.port];
    const Frame& f = *e.frame;
    if (port.type != port_type::any && !ports_compatible(f.port_type(), port.type))
      return "port '" + port.name + "' is declared '" + port.type + "' but carried a '" +
             std::string(f.port_type()) + "' frame";
    if (f.header.acquisition_ns < started_ns || f.header.acquisition_ns > e.received_ns)
      return "acquisition times lie outside start..emit (use ctx.stamp())";
    constexpr int64_t kDayNs = 86'400'000'000'000;
    if (std::llabs(f.header.utc_ns - utc_now_ns()) > kDayNs)
      return "UTC times are not now (use ctx.stamp())";
    if (auto* rf = dynamic_cast<const RfFrame*>(&f)) return rf->check();
    if (auto* im = dynamic_cast<const ImageFrame*>(&f)) return im->check();
    return {};
  }

  void check_emission(Node& node) {
    context_.reset(false);
    const int64_t started_ns = steady_now_ns();
    try {
      node.start(context_);
    } catch (const std::exception& e) {
      add("starts with defaults", e.what());
      return;
    }
    add("starts with defaults", "");
    const size_t want = static_cast<size_t>(options_.frames_to_collect);
    const size_t got = context_.wait_for_frames(want, options_.timeout_s);
    context_.begin_stop();
    if (!bounded_stop(node, "stops after emitting")) return;
    auto frames = context_.frames();
    // Every distinct problem is named, not just the first: a plugin author fixes them all
    // in one go.
    std::vector<std::string> problems;
    auto note = [&](const std::string& p) {
      if (!p.empty() && std::find(problems.begin(), problems.end(), p) == problems.end())
        problems.push_back(p);
    };
    if (got < want)
      note("emitted " + std::to_string(got) + " of " + std::to_string(want) + " frames within " +
           std::to_string(int(options_.timeout_s)) + " s");
    std::vector<uint64_t> last_seq(spec_.outputs.size(), UINT64_MAX);
    std::vector<int64_t> last_time(spec_.outputs.size(), 0);
    for (auto& e : frames) {
      note(check_frame(e, started_ns));
      if (e.port >= last_seq.size()) continue;
      const auto& h = e.frame->header;
      if (last_seq[e.port] != UINT64_MAX && h.sequence <= last_seq[e.port])
        note("sequence numbers do not increase on port '" + spec_.outputs[e.port].name + "'");
      else if (h.acquisition_ns < last_time[e.port])
        note("acquisition times go backwards on port '" + spec_.outputs[e.port].name + "'");
      last_seq[e.port] = h.sequence;
      last_time[e.port] = h.acquisition_ns;
    }
    if (!context_.errors().empty()) note("reported an error: " + context_.errors().front());
    std::string problem;
    for (auto& p : problems) problem += (problem.empty() ? "" : "; ") + p;
    add("emits valid frames", problem,
        std::to_string(frames.size()) + " frames, increasing sequence numbers and times");
  }

  void check_stop_while_emitting(Node& node) {
    context_.reset(true);  // emit() blocks, as behind a full pipeline
    try {
      node.start(context_);
    } catch (const std::exception& e) {
      add("stops while blocked in emit", std::string("start() threw: ") + e.what());
      return;
    }
    const bool emitting = context_.wait_for_frames(1, options_.timeout_s) >= 1;
    context_.begin_stop();
    if (bounded_stop(node, "stops while blocked in emit"))
      add("stops while blocked in emit", emitting ? "" : "no frame came to block on");
  }

  void check_cycles(Node& node) {
    for (int cycle = 1; cycle <= options_.start_stop_cycles; ++cycle) {
      context_.reset(false);
      try {
        node.start(context_);
      } catch (const std::exception& e) {
        add("start/stop cycles", "cycle " + std::to_string(cycle) + ": start() threw: " + e.what());
        return;
      }
      if (spec_.kind == NodeKind::device && context_.wait_for_frames(1, options_.timeout_s) < 1) {
        context_.begin_stop();
        bounded_stop(node, "start/stop cycles");
        add("start/stop cycles", "cycle " + std::to_string(cycle) + ": no frame after restart");
        return;
      }
      context_.begin_stop();
      if (!bounded_stop(node, "start/stop cycles")) return;
    }
    add("start/stop cycles", "", std::to_string(options_.start_stop_cycles) + " cycles");
  }

  const NodeTypeInfo& type_;
  const NodeSpec& spec_;
  const CheckOptions& options_;
  CheckContext context_;
  std::vector<CheckResult> results_;
};

}  // namespace

std::vector<CheckResult> check_plugin(const PluginInfo& p) {
  std::vector<CheckResult> out;
  std::string problem;
  if (p.version.empty()) problem = "the descriptor has no version";
  else if (p.license.empty()) problem = "the descriptor has no license";
  else if (p.description.empty()) problem = "the descriptor has no description";
  else if (p.node_types.empty()) problem = "the plugin provides no node types";
  out.push_back({p.name, "descriptor complete", problem.empty(), problem.empty()
                     ? "ABI " + std::to_string(p.abi_version) + ", SDK " + p.sdk_version + ", " +
                           std::to_string(p.node_types.size()) + " node types"
                     : problem});
  return out;
}

std::vector<CheckResult> check_node_type(const NodeTypeInfo& type, const CheckOptions& options) {
  return Checker(type, options).run();
}

}  // namespace sonoflow
