// The per-frame CSV reads back as written, and damage is named by line and column.
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"
#include "needle_csv.hpp"

using namespace sonoflow;
using namespace sonoflow::needle_eval;
using namespace sonoflow::needle_eval::test;

namespace {

std::string csv_of(const std::vector<FrameEval>& frames) {
  std::string s = csv_header() + "\n";
  for (const auto& e : frames) s += csv_line(e) + "\n";
  return s;
}

std::string error_reading(const std::string& text) {
  std::istringstream in(text);
  try {
    read_csv(in, "run.csv");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("CSV round trip keeps every figure the summary needs", "[csv]") {
  const Criteria c;
  auto t = straight_truth(20, 30, 20);
  t.injecting = true;
  t.fluid_radius_mm = 2;
  auto n = report(t, 0.3, -0.4, 1.25);
  n.has_target = true;
  n.predicted_miss_mm = 0.2;
  n.injectate_monitored = true;
  n.injectate_area_mm2 = 10;
  n.header.sequence = 42;
  NeedleTruth none;
  const std::vector<FrameEval> frames = {evaluate(n, &t, c), evaluate(NeedleFrame{}, &none, c),
                                         evaluate(n, nullptr, c)};
  std::istringstream in(csv_of(frames));
  const auto back = read_csv(in, "run.csv");
  REQUIRE(back.size() == 3);
  CHECK(back[0].sequence == 42);
  CHECK(back[0].frame_class == FrameClass::in_plane);
  CHECK(*back[0].tip_error_mm == Approx(0.5));
  CHECK(*back[0].angle_error_deg == Approx(1.25));
  CHECK(*back[0].miss_prediction_error_mm == Approx(0.2));
  CHECK(*back[0].injected_area_error_pct == Approx(*frames[0].injected_area_error_pct).epsilon(1e-5));
  CHECK(back[0].truth_tip_mm[1] == Approx(10));
  CHECK(back[1].frame_class == FrameClass::needle_free);
  CHECK_FALSE(back[1].tip_error_mm);
  CHECK(back[2].frame_class == FrameClass::no_truth);
  CHECK(back[2].detected);

  const auto a = summarize(frames), b = summarize(back);
  CHECK(a.in_plane_frames == b.in_plane_frames);
  CHECK(a.needle_free_frames == b.needle_free_frames);
  CHECK(a.tip_error_mm->median == Approx(b.tip_error_mm->median));
}

TEST_CASE("CSV damage is reported with file, line and column", "[csv]") {
  CHECK(error_reading("a,b\n").find("run.csv:1: not a needle_eval CSV") == 0);
  const std::string good = csv_line(FrameEval{});
  CHECK(error_reading(csv_header() + "\n" + good + "\n1,2\n") ==
        "run.csv:3: 2 columns, expected 19");
  std::string bad = good;
  bad.replace(bad.find("no_truth"), 8, "sideways");
  CHECK(error_reading(csv_header() + "\n" + bad + "\n") ==
        "run.csv:2: column 2 (class) must be in_plane, needle_free, other or no_truth, got "
        "'sideways'");
  bad = good;
  bad.replace(bad.find(",0,"), 3, ",x,");
  CHECK(error_reading(csv_header() + "\n" + bad + "\n").find("run.csv:2: column 3 (detected) must be 0 or 1") == 0);
}
