#include <iostream>
#include <stdexcept>

#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

namespace {

// What a plugin might throw: a std::exception, or anything else (an int, its own type).
struct NotAStdException {
  int code;
};

[[noreturn]] void raise(const std::string& kind, const std::string& what) {
  if (kind == "other") throw NotAStdException{42};
  throw std::runtime_error(what);
}

ParamSpec exception_param() {
  return ParamSpec::choice("exception", "std", {"std", "other"})
      .doc("What to throw: a std::runtime_error, or a type that is not a std::exception");
}

ParamSpec every_n_param(const char* what) {
  return ParamSpec::integer("every_n", 1).at_least(1).doc(what);
}

}  // namespace

NodeSpec Thrower::spec() {
  return NodeSpec::processing("test_thrower", "Throws at a chosen stage; forwards frames otherwise")
      .input("in", port_type::any, "Any frame")
      .output("out", port_type::any, "The frames it did not throw on")
      .param(ParamSpec::choice("stage", "none",
                               {"none", "configure", "start", "process", "stop", "results"})
                 .doc("Where to throw"))
      .param(every_n_param("With stage=process: throw on every n-th frame"))
      .param(exception_param())
      .param(ParamSpec::real("start_delay_ms", 0)
                 .range(0, 60000)
                 .in("ms")
                 .doc("Time start() takes, as a device warming up would"));
}

void Thrower::configure(const ParamSet& params) {
  stage_ = params.get_string("stage");
  every_n_ = params.get_int("every_n");
  exception_ = params.get_string("exception");
  start_delay_ms_ = params.get_real("start_delay_ms");
  if (stage_ == "configure") raise(exception_, "test_thrower: asked to throw in configure");
}

void Thrower::start(Context&) {
  seen_ = 0;
  // Said before the wait, so that a test can signal the process while start() runs.
  if (start_delay_ms_ > 0) std::cerr << "test_thrower: start takes " << start_delay_ms_ << " ms\n";
  simulate_work(start_delay_ms_);
  if (stage_ == "start") raise(exception_, "test_thrower: asked to throw in start");
}

void Thrower::process(const Input& input, Context& ctx) {
  if (stage_ == "process" && ++seen_ % every_n_ == 0)
    raise(exception_,
          "test_thrower: asked to throw on frame " + std::to_string(input.frame->header.sequence));
  ctx.emit(0, input.frame);
}

void Thrower::stop() {
  if (stage_ == "stop") raise(exception_, "test_thrower: asked to throw in stop");
}

void Thrower::results(Results&) const {
  if (stage_ == "results") raise(exception_, "test_thrower: asked to throw in results");
}

NodeSpec ThrowingSource::spec() {
  return NodeSpec::device("test_throwing_source",
                          "Emits numbered frames like test_counter; throws at a chosen stage")
      .output("out", port_type::any, "Numbered frames (tag 'counter')")
      .param(ParamSpec::choice(
                 "stage", "none",
                 {"none", "configure", "thread_start", "produce", "thread_stop", "results"})
                 .doc("Where to throw: configure, the device thread's start or end, "
                      "producing a frame, results"))
      .param(every_n_param("With stage=produce: throw instead of every n-th frame"))
      .param(exception_param())
      .param(ParamSpec::integer("count", 100).at_least(0).doc("Frames to emit; 0 = no limit"));
}

void ThrowingSource::configure(const ParamSet& params) {
  stage_ = params.get_string("stage");
  every_n_ = params.get_int("every_n");
  exception_ = params.get_string("exception");
  count_ = params.get_int("count");
  if (stage_ == "configure") raise(exception_, "test_throwing_source: asked to throw in configure");
}

void ThrowingSource::on_start() {
  attempts_ = 0;  // each start emits `count` frames again
  if (stage_ == "thread_start")
    raise(exception_, "test_throwing_source: asked to throw as its thread starts");
}

void ThrowingSource::on_stop() {
  if (stage_ == "thread_stop")
    raise(exception_, "test_throwing_source: asked to throw as its thread ends");
}

bool ThrowingSource::produce(Context& ctx) {
  if (count_ && attempts_ >= count_) return false;
  ++attempts_;
  if (stage_ == "produce" && attempts_ % every_n_ == 0)
    raise(exception_,
          "test_throwing_source: asked to throw on attempt " + std::to_string(attempts_));
  auto frame = std::make_shared<BlobFrame>();
  frame->header = ctx.stamp();
  frame->tag = "counter";
  return ctx.emit(0, std::move(frame));
}

void ThrowingSource::results(Results&) const {
  if (stage_ == "results") raise(exception_, "test_throwing_source: asked to throw in results");
}

}  // namespace sonoflow::test_nodes
