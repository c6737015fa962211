// The needle_eval node through its real plugin library: a fake detector (reports built
// from known offsets) feeds it needle frames carrying truth, and the run's results, CSV
// and refusals are checked exactly.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "helpers.hpp"
#include "needle_csv.hpp"
#include "sonoflow/testing.hpp"
#include "sonoflow/framework/plugin_registry.hpp"

using namespace sonoflow;
using namespace sonoflow::needle_eval::test;
namespace fs = std::filesystem;

namespace {

const NodeTypeInfo& eval_type() {
  static PluginRegistry registry;
  static const NodeTypeInfo* type = [] {
    registry.load_library(NEEDLE_EVAL_PLUGIN);
    return registry.find("needle_eval");
  }();
  REQUIRE(type);
  return *type;
}

ParamSet params(std::map<std::string, ParamValue> overrides = {}) {
  ParamSet set;
  for (const auto& p : eval_type().spec.params) set.set(p.name, p.normalize(p.default_value));
  for (auto& [k, v] : overrides) {
    const auto* spec = eval_type().spec.find_param(k);
    REQUIRE(spec);
    REQUIRE(spec->check(v).empty());
    set.set(k, spec->normalize(v));
  }
  return set;
}

FramePtr with_truth(NeedleFrame n, uint64_t sequence, std::shared_ptr<const NeedleTruth> truth) {
  n.header.sequence = sequence;
  n.truth = std::move(truth);
  return std::make_shared<const NeedleFrame>(std::move(n));
}

fs::path work_dir(const std::string& name) {
  const fs::path dir = fs::path(NEEDLE_EVAL_TEST_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

template <class T>
T result(const Results& r, const std::string& key) {
  auto it = r.find(key);
  REQUIRE(it != r.end());
  REQUIRE(std::holds_alternative<T>(it->second));
  return std::get<T>(it->second);
}

}  // namespace

TEST_CASE("needle_eval scores a fake detector's run exactly", "[node]") {
  const fs::path csv = work_dir("run") / "frames.csv";
  auto node = eval_type().entry.create();
  node->configure(params({{"csv_path", csv.string()}}));
  testing::NullContext ctx("eval");
  node->start(ctx);
  uint64_t seq = 0;
  auto process = [&](FramePtr f) { node->process(Input{0, f}, ctx); };

  // Needle-free frames: the fake detector reports a needle in one of 4.
  auto none = std::make_shared<const NeedleTruth>();
  for (int i = 0; i < 4; ++i)
    process(with_truth(i == 2 ? report(straight_truth(20, 30, 20), 0, 0, 0) : NeedleFrame{}, seq++, none));
  // In plane: tip errors 0.2, 0.4, ... 2.0 mm along x, angle errors 0.1 .. 1.0 deg.
  for (int i = 1; i <= 10; ++i) {
    auto t = std::make_shared<const NeedleTruth>(straight_truth(20, 30, 10 + i));
    process(with_truth(report(*t, 0.2 * i, 0, -0.1 * i), seq++, t));
  }
  // One in-plane frame missed.
  process(with_truth(NeedleFrame{}, seq++, std::make_shared<const NeedleTruth>(straight_truth(20, 30, 25))));
  node->stop();

  Results r;
  node->results(r);
  CHECK(result<int64_t>(r, "frames") == 15);
  CHECK(result<int64_t>(r, "in_plane_frames") == 11);
  CHECK(result<int64_t>(r, "needle_free_frames") == 4);
  CHECK(result<double>(r, "detection_rate") == Approx(10.0 / 11));
  CHECK(result<double>(r, "false_detection_rate") == Approx(0.25));
  CHECK(result<double>(r, "tip_error_mm.median") == Approx(1.1));
  CHECK(result<double>(r, "tip_error_mm.p95") == Approx(1.91));  // h = 8.55: 1.8 + 0.55 * 0.2
  CHECK(result<double>(r, "angle_error_deg.median") == Approx(0.55));
  CHECK(result<double>(r, "wild_rate") == 0);
  CHECK(r.count("miss_prediction_error_mm.median") == 0);  // no target reported: absent
  CHECK(r.count("injected_area_error_pct.median") == 0);
  CHECK(ctx.warnings.empty());

  std::ifstream in(csv);
  const auto rows = needle_eval::read_csv(in, csv.string());
  REQUIRE(rows.size() == 15);
  CHECK(rows[4].frame_class == needle_eval::FrameClass::in_plane);
  CHECK(*rows[4].tip_error_mm == Approx(0.2));
}

TEST_CASE("needle_eval counts frames without truth and warns once", "[node]") {
  auto node = eval_type().entry.create();
  node->configure(params());
  testing::NullContext ctx("eval");
  node->start(ctx);
  for (uint64_t i = 0; i < 3; ++i) node->process(Input{0, with_truth(NeedleFrame{}, i, nullptr)}, ctx);
  node->stop();
  Results r;
  node->results(r);
  CHECK(result<int64_t>(r, "frames_without_truth") == 3);
  CHECK(r.count("detection_rate") == 0);
  REQUIRE(ctx.warnings.size() == 1);
  CHECK(ctx.warnings[0].find("carries no simulator truth") != std::string::npos);
}

TEST_CASE("needle_eval refuses a bad field of view and an unwritable CSV", "[node]") {
  auto node = eval_type().entry.create();
  try {
    node->configure(params({{"field_of_view_mm", std::vector<double>{-20, 20, 0}}}));
    FAIL("three values accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("field_of_view_mm must be [] or [x_min, x_max, z_min, z_max]") == 0);
  }
  CHECK_THROWS_WITH(node->configure(params({{"field_of_view_mm", std::vector<double>{20, -20, 0, 40}}})),
                    Catch::Contains("x_min < x_max"));

  const fs::path missing = work_dir("bad") / "no_such_dir" / "frames.csv";
  node->configure(params({{"csv_path", missing.string()}}));
  testing::NullContext ctx("eval");
  CHECK_THROWS_WITH(node->start(ctx), Catch::Contains("csv_path: cannot write '" + missing.string()));
}
