#include "sonoflow/framework/runtime.hpp"

#include <algorithm>
#include <iostream>
#include <map>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <thread>

#include "runtime_internal.hpp"
#include "sonoflow/clock.hpp"
#include "sonoflow/control.hpp"

// oneTBB (Debian's libtbb) is not built with ThreadSanitizer, so TSan cannot see the
// happens-before edges its scheduler provides, and reported them as races. Under TSan only,
// the runtime states the four it relies on (tsan_release/tsan_acquire are no code in other
// builds):
//  - everything before start() happens before any node body (release on each node's
//    address in start(), acquire on it at each body's entry);
//  - a frame handed to a successor: everything its producer did before emit() happens
//    before the successor's process() of it (release on the frame's address at emit,
//    acquire on it when a body takes the frame);
//  - a serial node runs one body at a time: each body acquires on entry (the same
//    acquire) what the previous one released on exit (concurrent nodes release nothing
//    there: a race between their bodies is real and stays reported);
//  - graph::wait_for_all() returns after every body ended and every finished task was
//    destroyed: each body releases on the runtime's address on exit, each ticket (freed
//    with the task's message) on its source gate, and stop() acquires both after the wait.
//    What a task does after its body -- oneTBB popping the node's input queue, forwarding
//    the output under the successor list's lock, destroying the task's message -- has no
//    runtime code to release it; stop() also acquires the graph's wait count, which every
//    task decrements last (an atomic in oneTBB's inlined, instrumented headers, so TSan
//    sees the decrements; the wait on it is inside libtbb and it does not).
// Anything else -- two nodes touching shared state, a node and the caller's thread -- is
// still reported.
#if defined(__SANITIZE_THREAD__)
#define SONOFLOW_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SONOFLOW_TSAN 1
#endif
#endif
#ifdef SONOFLOW_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace sonoflow {
namespace detail {

namespace {
void tsan_release([[maybe_unused]] const void* address) {
#ifdef SONOFLOW_TSAN
  if (address) __tsan_release(const_cast<void*>(address));
#endif
}
void tsan_acquire([[maybe_unused]] const void* address) {
#ifdef SONOFLOW_TSAN
  if (address) __tsan_acquire(const_cast<void*>(address));
#endif
}

#ifdef SONOFLOW_TSAN
// The address of a graph's wait count (graph::my_wait_context.m_ref_count, both private):
// a graph task's last act is a fetch_sub on it (graph_task::finalize -> release_wait), and
// wait_for_all() returns once it is 0. An explicit instantiation may name private members
// ([temp.spec.general]), the only way to their address short of assuming oneTBB's layout.
template <auto Member, typename Tag>
struct ExposeMember {
  friend constexpr auto member_of(Tag) { return Member; }
};
struct GraphWaitContext {
  friend constexpr auto member_of(GraphWaitContext);
};
struct WaitContextCount {
  friend constexpr auto member_of(WaitContextCount);
};
template struct ExposeMember<&tbb::flow::graph::my_wait_context, GraphWaitContext>;
template struct ExposeMember<&tbb::detail::d1::wait_context::m_ref_count, WaitContextCount>;
const void* wait_count(tbb::flow::graph& graph) {
  return &((graph.*member_of(GraphWaitContext{})).*member_of(WaitContextCount{}));
}
#else
const void* wait_count(tbb::flow::graph&) { return nullptr; }
#endif

// One node body, as TSan should see it (see above).
class BodyScope {
 public:
  // The caller has acquired on `node` already (before reading it).
  BodyScope(const void* node, bool serial, const void* runtime)
      : node_(serial ? node : nullptr), runtime_(runtime) {}
  ~BodyScope() {
    tsan_release(node_);
    tsan_release(runtime_);
  }
  BodyScope(const BodyScope&) = delete;
  BodyScope& operator=(const BodyScope&) = delete;

 private:
  const void* node_;
  const void* runtime_;
};
}  // namespace

bool SourceGate::acquire() {
  uint32_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if (s & kClosed) return false;
    if (s < limit_) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return true;
      continue;
    }
    state_.wait(s, std::memory_order_relaxed);
    s = state_.load(std::memory_order_relaxed);
  }
}

void SourceGate::release() {
  // Only a release from a full gate can unblock a waiting source.
  if ((state_.fetch_sub(1, std::memory_order_release) & ~kClosed) == limit_) state_.notify_all();
  // The last tickets go when oneTBB destroys a finished task, after the body: stop()
  // acquires this before the gate's node can be destroyed (see BodyScope).
  tsan_release(this);
}

void SourceGate::close() {
  state_.fetch_or(kClosed);
  state_.notify_all();
}

// A node is timed on every frame unless its process() is so short that reading the
// clock twice would be a noticeable part of it; then one frame in kSampleEvery is timed.
constexpr int64_t kCheapProcessNs = 2000;
constexpr uint64_t kSampleEvery = 16;
// Errors and warnings of one node shown on stderr before the rest are only counted.
constexpr uint64_t kShownMessages = 3;
// Plugins may throw anything; what is not a std::exception has no message to show.
constexpr const char* kNotStdException = "an exception that is not a std::exception";

// Inside a catch (...): the current exception's message.
std::string exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return kNotStdException;
  }
}

// The thread-local state of one process() call, so that emit() knows which input frame
// (and so which source ticket) an output derives from, also for concurrent nodes.
struct EmitScope {
  RtNode* node;
  const std::shared_ptr<Ticket>* ticket;
  std::optional<Msg> pending;  // the last output, handed on through the graph's bypass
};
// initial-exec: libsonoflow is linked, not dlopen'ed, so the variable sits in static TLS
// and an access is one instruction instead of a __tls_get_addr call per hop.
thread_local EmitScope* tls_scope __attribute__((tls_model("initial-exec"))) = nullptr;

using FlowNode = tbb::flow::function_node<Msg, Msg>;

class RtNode final : public Context {
 public:
  RtNode(Runtime::Impl& rt, size_t index, const ResolvedNode& decl, int max_in_flight);

  // Context
  bool emit(size_t port, FramePtr frame) override;
  FrameHeader stamp() override;
  void end_of_stream() override;
  void apply_pending_params() override;
  void error(std::string_view message) override;
  bool stopping() const override;
  bool fast() const override;
  const std::string& node_id() const override { return id; }
  void warn(std::string_view message) override;
  bool input_connected(size_t port) const override;
  PipelineControl* control() override;

  Msg body(const Msg& in);
  void handle(const Msg& in, EmitScope& scope);
  void run_process(size_t port, const FramePtr& frame);
  void flush(Msg msg);
  Msg finish(EmitScope& scope);
  Msg outgoing(FramePtr frame, std::shared_ptr<Ticket> ticket, size_t port) const {
    Msg msg;
    msg.frame = std::move(frame);
    msg.ticket = std::move(ticket);
    msg.producer = static_cast<uint32_t>(index);
    msg.port = static_cast<uint32_t>(port);
    return msg;
  }
  void fail(const std::string& stage, const std::string& what);
  std::string describe() const { return "node '" + id + "' (" + spec().type + ")"; }
  const NodeSpec& spec() const { return type->spec; }
  bool is_device() const { return spec().kind == NodeKind::device; }

  Runtime::Impl& rt;
  const size_t index;
  const std::string id;
  const NodeTypeInfo* type;
  const ErrorPolicy policy;
  ParamSet params;
  std::unique_ptr<Node> node;
  std::unique_ptr<FlowNode> flow;  // null for devices

  struct Route {
    bool lossless = false;
    std::vector<LatestSlot*> latest;
  };
  std::vector<Route> routes;                 // per output port
  std::vector<RtNode*> lossless_successors;  // distinct nodes fed over lossless edges
  // in_ports[producer][producer's output port] -> this node's input ports (lossless)
  std::vector<std::vector<std::vector<uint32_t>>> in_ports;
  // Order restoration (serial nodes): per producer, the next message number expected and
  // the messages that overtook it.
  std::vector<uint64_t> next_in_order;
  std::vector<std::map<uint64_t, Msg>> overtaken;
  std::atomic<uint64_t> next_out_order{1};  // atomic: devices may emit from several threads

  SourceGate gate;
  std::atomic<uint64_t> next_sequence{0};
  std::atomic<uint64_t> emitted{0};
  std::atomic<bool> ended{false};
  bool started = false;

  Counter frames_in, frames_out, dropped, errors, warnings;
  DurationHistogram process_time, latency;
  TraceRing trace;
  std::atomic<bool> cheap{false};
  // Set by an error under on_error: stop. The pipeline is stopping; frames still in
  // flight pass this node by instead of failing again.
  std::atomic<bool> halted{false};

  std::mutex param_mutex;
  std::vector<std::pair<std::string, ParamValue>> pending_params;
  std::atomic<bool> has_pending_params{false};
};

}  // namespace detail

using namespace detail;

struct Runtime::Impl {
  Impl(ValidatedPipeline p, RunOptions o)
      : pipeline(std::move(p)),
        options(o),
        threads(pipeline.settings.threads > 0
                    ? pipeline.settings.threads
                    : std::max(2, static_cast<int>(std::thread::hardware_concurrency()))),
        // TBB keeps one thread of its pool for a "master" that joins the arena; ours never
        // does (sources are their own threads and the caller waits elsewhere), so the pool
        // may hold one thread more and the arena reserves no slot for a master.
        control(tbb::global_control::max_allowed_parallelism,
                std::max<size_t>(threads + 1, tbb::global_control::active_value(
                                                  tbb::global_control::max_allowed_parallelism))),
        arena(threads, 0) {
    // A graph attaches to the arena it is created in: the one sized above.
    arena.execute([&] { graph = std::make_unique<tbb::flow::graph>(); });
  }

  void notify() {
    { std::lock_guard lock(mutex); }
    cv.notify_all();
  }
  // Recorded, not printed: whoever runs the pipeline reports fatal errors once, at the end.
  void fatal(const std::string& message) {
    {
      std::lock_guard lock(mutex);
      fatal_errors.push_back(message);
      stop_requested = true;
    }
    cv.notify_all();
  }
  bool sources_done() const {
    return std::all_of(nodes.begin(), nodes.end(),
                       [](auto& n) { return !n->is_device() || n->ended.load(); });
  }
  RtNode* find(const std::string& id) {
    for (auto& n : nodes)
      if (n->id == id) return n.get();
    return nullptr;
  }

  ValidatedPipeline pipeline;
  RunOptions options;
  const int threads;
  tbb::global_control control;
  tbb::task_arena arena;
  std::unique_ptr<tbb::flow::graph> graph;  // declared before the nodes: destroyed after them
  // What control() hands to nodes; declared before them, so it outlives a node's server.
  std::unique_ptr<PipelineControl> remote;
  std::vector<std::unique_ptr<RtNode>> nodes;
  std::vector<std::unique_ptr<LatestSlot>> slots;
  DurationHistogram latency;  // every output together

  mutable std::mutex mutex;
  std::condition_variable cv;
  bool stop_requested = false;
  std::vector<std::string> fatal_errors;
  std::atomic<bool> stopping{false};
  bool started = false, stopped = false, waiting_reserved = false;
  int64_t start_ns = 0, stop_ns = 0;
  int64_t utc_offset_ns = utc_now_ns() - steady_now_ns();
  std::map<std::string, Results> results;
};

namespace detail {

void LatestSlot::push(const Msg& msg) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (msg_) consumer_->dropped.add();
    msg_ = msg;
    wake = !wake_pending_;
    wake_pending_ = true;
  }
  if (wake) {
    Msg alarm;
    alarm.wake = this;
    consumer_->flow->try_put(alarm);
  }
}

std::optional<Msg> LatestSlot::take() {
  std::lock_guard lock(mutex_);
  wake_pending_ = false;
  std::optional<Msg> out;
  out.swap(msg_);
  return out;
}

RtNode::RtNode(Runtime::Impl& runtime, size_t i, const ResolvedNode& decl, int max_in_flight)
    : rt(runtime),
      index(i),
      id(decl.id),
      type(decl.type),
      policy(decl.on_error),
      params(decl.params),
      gate(max_in_flight) {
  routes.resize(spec().outputs.size());
  try {
    node = type->entry.create();
  } catch (const std::exception& e) {
    throw RuntimeError(describe() + " could not be created: " + e.what());
  } catch (...) {
    throw RuntimeError(describe() + " could not be created: " + kNotStdException);
  }
  if (!node) throw RuntimeError(describe() + " could not be created: the factory returned null");
  if (!is_device()) {
    const auto concurrency = spec().concurrent ? tbb::flow::unlimited : tbb::flow::serial;
    flow = std::make_unique<FlowNode>(*rt.graph, concurrency,
                                      [this](const Msg& msg) { return body(msg); });
  }
}

Msg RtNode::body(const Msg& in) {
  tsan_acquire(this);  // the node as start() (and, if serial, its previous body) left it
  tsan_acquire(in.frame.get());
  const BodyScope body_scope(this, !spec().concurrent, &rt);
  if (has_pending_params.load(std::memory_order_relaxed)) apply_pending_params();
  EmitScope scope{this, nullptr, std::nullopt};
  tls_scope = &scope;
  if (in.wake) {
    if (auto taken = in.wake->take()) {
      tsan_acquire(taken->frame.get());
      scope.ticket = &taken->ticket;
      run_process(in.wake->in_port(), taken->frame);
    }
  } else if (in.order == 0 || spec().concurrent) {
    handle(in, scope);
  } else {
    // Put a serial producer's messages back in order: handle the expected one and any that
    // overtook it; park one that came early.
    uint64_t& expected = next_in_order[in.producer];
    if (in.order != expected) {
      overtaken[in.producer].emplace(in.order, in);
    } else {
      handle(in, scope);
      ++expected;
      auto& parked = overtaken[in.producer];
      for (auto it = parked.begin(); it != parked.end() && it->first == expected;
           it = parked.erase(it), ++expected)
        handle(it->second, scope);
    }
  }
  tls_scope = nullptr;
  return finish(scope);
}

// Messages from a producer's other ports (or empty ones) pass by: a producer's successors
// all see its output, and each takes what is connected to it.
void RtNode::handle(const Msg& in, EmitScope& scope) {
  if (!in.frame) return;
  const auto& ports = in_ports[in.producer][in.port];
  scope.ticket = &in.ticket;
  for (uint32_t port : ports) run_process(port, in.frame);
}

// The message this body hands to its successors through the graph: the last output, or an
// empty one (every call yields exactly one, numbered, so successors can keep the order).
Msg RtNode::finish(EmitScope& scope) {
  Msg out = scope.pending ? std::move(*scope.pending) : Msg{};
  out.producer = static_cast<uint32_t>(index);
  if (!spec().concurrent && !lossless_successors.empty())
    out.order = next_out_order.fetch_add(1, std::memory_order_relaxed);
  return out;
}

void RtNode::run_process(size_t port, const FramePtr& frame) {
  if (halted.load(std::memory_order_relaxed)) return;
  frames_in.add();
  const bool is_output = spec().kind == NodeKind::output;
  const bool timed =
      !cheap.load(std::memory_order_relaxed) || frame->header.sequence % kSampleEvery == 0;
  const int64_t t0 = timed ? steady_now_ns() : 0;
  try {
    node->process(Input{port, frame}, *this);
  } catch (const std::exception& e) {
    fail("process", e.what());
  } catch (...) {
    fail("process", kNotStdException);
  }
  if (!timed) return;
  const int64_t t1 = steady_now_ns();
  process_time.record(t1 - t0);
  cheap.store(t1 - t0 < kCheapProcessNs, std::memory_order_relaxed);
  const auto& h = frame->header;
  trace.add({h.source_id, h.sequence, t0, t1});
  if (h.acquisition_ns > 0) {
    latency.record(t1 - h.acquisition_ns);
    if (is_output) rt.latency.record(t1 - h.acquisition_ns);
  }
}

void RtNode::flush(Msg msg) {
  if (!spec().concurrent) msg.order = next_out_order.fetch_add(1, std::memory_order_relaxed);
  for (RtNode* successor : lossless_successors) successor->flow->try_put(msg);
}

bool RtNode::emit(size_t port, FramePtr frame) {
  if (port >= routes.size())
    throw std::out_of_range(describe() + " emitted on output port " + std::to_string(port) +
                            " but declares " + std::to_string(routes.size()));
  if (!frame) throw std::invalid_argument(describe() + " emitted a null frame");
  const Route& route = routes[port];
  EmitScope* scope = tls_scope;
  if (scope && scope->node == this) {  // inside process(): derived from the input frame
    frames_out.add();
    Msg msg = outgoing(std::move(frame), *scope->ticket, port);
    tsan_release(msg.frame.get());
    for (LatestSlot* slot : route.latest) slot->push(msg);
    if (route.lossless) {
      if (scope->pending) flush(std::move(*scope->pending));
      scope->pending = std::move(msg);
    }
    return true;
  }
  // A new frame entering the graph: from a device thread, a vendor callback, a timer.
  if (stopping()) return false;
  if (!gate.acquire()) return false;
  auto ticket = std::make_shared<Ticket>(&gate);
  frames_out.add();
  Msg msg = outgoing(std::move(frame), std::move(ticket), port);
  tsan_release(msg.frame.get());
  for (LatestSlot* slot : route.latest) slot->push(msg);
  if (route.lossless) flush(msg);
  const uint64_t count = emitted.fetch_add(1) + 1;
  if (rt.options.max_frames && count >= rt.options.max_frames) end_of_stream();
  return true;
}

FrameHeader RtNode::stamp() {
  FrameHeader h;
  h.sequence = next_sequence.fetch_add(1);
  h.source_id = static_cast<uint32_t>(index);
  h.acquisition_ns = steady_now_ns();
  // UTC from the steady clock and an offset taken at start: one clock read per frame,
  // and UTC times in a recording never step backwards when the wall clock is adjusted.
  h.utc_ns = h.acquisition_ns + rt.utc_offset_ns;
  return h;
}

void RtNode::end_of_stream() {
  ended = true;
  rt.notify();
}

bool RtNode::stopping() const { return ended.load() || rt.stopping.load(); }
bool RtNode::fast() const { return rt.options.fast; }

void RtNode::apply_pending_params() {
  if (!has_pending_params.load()) return;
  std::vector<std::pair<std::string, ParamValue>> changes;
  {
    std::lock_guard lock(param_mutex);
    changes.swap(pending_params);
    has_pending_params = false;
  }
  for (auto& [name, value] : changes) {
    try {
      node->update(name, value);
    } catch (const std::exception& e) {
      warn("refused the live change of '" + name + "': " + e.what());
    } catch (...) {
      warn("refused the live change of '" + name + "': " + kNotStdException);
    }
  }
}

void RtNode::fail(const std::string& stage, const std::string& what) {
  const uint64_t count = errors.get() + 1;
  errors.add();
  const std::string message = describe() + " failed in " + stage + ": " + what;
  if (policy == ErrorPolicy::stop) {
    if (!halted.exchange(true)) rt.fatal(message + " (on_error: stop)");
    return;
  }
  if (count <= kShownMessages)
    std::cerr << "error: " << message << " (on_error: skip"
              << (count == kShownMessages ? "; further errors are counted, not shown" : "")
              << ")\n";
}

void RtNode::error(std::string_view message) { fail("its device thread", std::string(message)); }

bool RtNode::input_connected(size_t port) const {
  for (const auto& e : rt.pipeline.edges)
    if (e.to_node == index && e.to_port == port) return true;
  return false;
}

PipelineControl* RtNode::control() { return rt.remote.get(); }

void RtNode::warn(std::string_view message) {
  warnings.add();
  if (warnings.get() <= kShownMessages)
    std::cerr << "warning: " << describe() << ": " << message << "\n";
}

}  // namespace detail

Runtime::Runtime(ValidatedPipeline pipeline, RunOptions options)
    : impl_(std::make_unique<Impl>(std::move(pipeline), options)) {
  impl_->remote = make_pipeline_control(*this);
  auto& p = impl_->pipeline;
  for (size_t i = 0; i < p.nodes.size(); ++i)
    impl_->nodes.push_back(
        std::make_unique<RtNode>(*impl_, i, p.nodes[i], p.settings.max_in_flight));
  for (auto& n : impl_->nodes) {
    n->in_ports.resize(p.nodes.size());
    for (size_t producer = 0; producer < p.nodes.size(); ++producer)
      n->in_ports[producer].resize(impl_->nodes[producer]->routes.size());
    n->next_in_order.assign(p.nodes.size(), 1);
    n->overtaken.resize(p.nodes.size());
  }

  for (const auto& e : p.edges) {
    RtNode& from = *impl_->nodes[e.from_node];
    RtNode& to = *impl_->nodes[e.to_node];
    if (e.policy == EdgePolicy::latest) {
      impl_->slots.push_back(std::make_unique<LatestSlot>(&to, e.to_port));
      from.routes[e.from_port].latest.push_back(impl_->slots.back().get());
      continue;
    }
    from.routes[e.from_port].lossless = true;
    to.in_ports[e.from_node][e.from_port].push_back(static_cast<uint32_t>(e.to_port));
    auto& successors = from.lossless_successors;
    if (std::find(successors.begin(), successors.end(), &to) == successors.end()) {
      successors.push_back(&to);
      // Graph edges carry the bypass: the successor runs right after the producer on
      // the same thread, which is what keeps a hop close to raw oneTBB cost.
      if (from.flow) tbb::flow::make_edge(*from.flow, *to.flow);
    }
  }
  for (auto& n : impl_->nodes) {
    try {
      n->node->configure(n->params);
    } catch (const std::exception& e) {
      throw RuntimeError(n->describe() + " refused its configuration: " + e.what());
    } catch (...) {
      throw RuntimeError(n->describe() + " refused its configuration: " + kNotStdException);
    }
  }
}

Runtime::~Runtime() {
  try {
    stop();
  } catch (...) {
  }
}

const ValidatedPipeline& Runtime::pipeline() const { return impl_->pipeline; }

void Runtime::start() {
  auto& im = *impl_;
  if (im.started) return;
  im.started = true;
  for (auto& n : im.nodes) tsan_release(n.get());  // before any body runs (see BodyScope)
  im.graph->reserve_wait();  // devices put from their own threads: keep wait_for_all honest
  im.waiting_reserved = true;
  im.start_ns = steady_now_ns();
  const auto& order = im.pipeline.topological_order;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    RtNode& n = *im.nodes[*it];
    try {
      n.node->start(n);
      n.started = true;
    } catch (...) {
      const std::string message = n.describe() + " failed to start: " + exception_text();
      stop();
      throw RuntimeError(message);
    }
  }
  if (!std::any_of(im.nodes.begin(), im.nodes.end(), [](auto& n) { return n->is_device(); }))
    im.notify();
}

bool Runtime::wait_for(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  std::unique_lock lock(im.mutex);
  return im.cv.wait_for(lock, timeout, [&] { return im.stop_requested || im.sources_done(); });
}

void Runtime::request_stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_requested = true;
  }
  impl_->cv.notify_all();
}

void Runtime::stop() {
  auto& im = *impl_;
  if (im.stopped || !im.started) return;
  im.stopped = true;
  im.stopping = true;
  auto stop_node = [&](RtNode& n) {
    if (!n.started) return;
    n.started = false;
    try {
      n.node->stop();
    } catch (...) {
      const std::string why = exception_text();
      std::lock_guard lock(im.mutex);
      im.fatal_errors.push_back(n.describe() + " failed to stop: " + why);
    }
  };
  // Sources first: close their gates (a device blocked in emit() returns false), then
  // join their threads.
  for (auto& n : im.nodes) n->gate.close();
  for (auto& n : im.nodes)
    if (n->is_device()) stop_node(*n);
  // Drain: every frame that entered a lossless edge is processed before anything stops.
  if (im.waiting_reserved) {
    im.graph->release_wait();
    im.waiting_reserved = false;
  }
  im.graph->wait_for_all();
  // Every node body has ended, every ticket is gone and every task has finished (see
  // BodyScope and wait_count).
  tsan_acquire(&im);
  for (auto& n : im.nodes) tsan_acquire(&n->gate);
  tsan_acquire(wait_count(*im.graph));
  im.stop_ns = steady_now_ns();
  for (size_t i : im.pipeline.topological_order) stop_node(*im.nodes[i]);
  for (auto& n : im.nodes) {
    try {
      n->node->results(im.results[n->id]);
    } catch (...) {
      im.results[n->id]["error"] = exception_text();
    }
    if (im.results[n->id].empty()) im.results.erase(n->id);
  }
}

std::string Runtime::set_param(const std::string& node_id, const std::string& name,
                               ParamValue value) {
  RtNode* n = impl_->find(node_id);
  if (!n) return "no node '" + node_id + "'";
  const ParamSpec* spec = n->spec().find_param(name);
  if (!spec) return n->describe() + " has no parameter '" + name + "'";
  if (!spec->runtime_mutable)
    return "parameter '" + node_id + "." + name + "' cannot change while the pipeline runs";
  if (auto why = spec->check(value); !why.empty())
    return "parameter '" + node_id + "." + name + "' " + why;
  value = spec->normalize(std::move(value));
  std::lock_guard lock(n->param_mutex);
  n->params.set(name, value);
  n->pending_params.emplace_back(name, std::move(value));
  n->has_pending_params = true;
  return {};
}

static LatencyMs to_ms(const DurationHistogram& h) {
  return {h.percentile_ns(50) / 1e6, h.percentile_ns(99) / 1e6, h.max_ns() / 1e6};
}

RunStats Runtime::stats() const {
  const auto& im = *impl_;
  RunStats s;
  const int64_t end = im.stop_ns ? im.stop_ns : steady_now_ns();
  s.duration_s = im.start_ns ? (end - im.start_ns) / 1e9 : 0;
  for (auto& n : im.nodes) {
    NodeStats ns;
    ns.id = n->id;
    ns.type = n->spec().type;
    ns.kind = n->spec().kind;
    ns.frames_in = n->frames_in.get();
    ns.frames_out = n->frames_out.get();
    ns.dropped = n->dropped.get();
    ns.errors = n->errors.get();
    ns.process_p50_ms = n->process_time.percentile_ns(50) / 1e6;
    ns.process_p99_ms = n->process_time.percentile_ns(99) / 1e6;
    ns.latency = to_ms(n->latency);
    if (n->is_device()) s.frames += n->emitted.load();
    s.nodes.push_back(std::move(ns));
  }
  s.fps = s.duration_s > 0 ? s.frames / s.duration_s : 0;
  s.latency = to_ms(im.latency);
  return s;
}

std::vector<TraceStep> Runtime::trace(uint32_t source_id, uint64_t sequence) const {
  std::vector<TraceStep> steps;
  for (size_t i : impl_->pipeline.topological_order) {
    const RtNode& n = *impl_->nodes[i];
    if (auto e = n.trace.find(source_id, sequence))
      steps.push_back({n.id, e->entry_ns, e->exit_ns});
  }
  return steps;
}

std::map<std::string, Results> Runtime::results() const { return impl_->results; }

std::vector<std::string> Runtime::fatal_errors() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->fatal_errors;
}

}  // namespace sonoflow
