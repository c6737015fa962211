// needle_accuracy_check: judges a set of runs of the needle pipelines against the
// targets of GitHub issue #5. Each argument after the options is a run directory holding
// the run's `report.json` and, for every needle_eval node <id> in it, the per-frame
// `<id>.csv`. It prints one line per run and evaluator (from the report's `results`), then
// pools the CSV frames of each evaluator over all runs — pooled medians and percentiles of
// frames, not averages of per-run figures — and checks them for the chosen mode:
//
//   accuracy     tip error median <= 0.5 mm, p95 <= 1.5 mm; angle error median <= 1 deg;
//                detection rate >= 95 % of in-plane frames (false detections are judged
//                by needle_free runs: an insertion has a single needle-free frame, its first)
//   degraded     graceful, flagged degradation (steep needles that fade): at most 5 % of
//                in-plane frames carry an unflagged ("wild") report, i.e. one the detector
//                did not flag (missed, coasting, low confidence, out-of-plane warning) and
//                that is off by more than needle_eval's wild_tip_error_mm/wild_angle_error_deg
//   needle_free  false detections <= 1 % of needle-free frames
//
// `--judge ID` (repeatable) judges only those evaluators; the others' pooled figures are
// printed beside them, not judged (a comparison). Without it every evaluator is judged.
// Exit 0 when every judged evaluator meets the mode's targets, 1 otherwise (each miss
// named with its figure and target), 2 on bad usage. A check that had too few frames to
// judge fails: a test must not pass because nothing was measured; so does one whose
// --judge names an evaluator none of the runs has.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "needle_csv.hpp"

namespace {

using namespace sonoflow::needle_eval;
namespace fs = std::filesystem;

// The targets of issue #5.
constexpr double kTipMedianMaxMm = 0.5;
constexpr double kTipP95MaxMm = 1.5;
constexpr double kAngleMedianMaxDeg = 1.0;
constexpr double kDetectionRateMin = 0.95;
constexpr double kFalseDetectionRateMax = 0.01;
// Degradation is graceful when nearly every trusted report is still right.
constexpr double kWildRateMax = 0.05;

struct Options {
  std::string mode;
  uint64_t min_frames = 20;  // in-plane (or needle-free) frames needed to judge at all
  std::vector<fs::path> runs;
  std::set<std::string> judged;  // empty: all
};

int usage(const std::string& why) {
  std::cerr << "needle_accuracy_check: " << why << "\n"
            << "usage: needle_accuracy_check --mode accuracy|degraded|needle_free "
               "[--min-frames N] [--judge EVALUATOR]... RUN_DIR...\n";
  return 2;
}

std::string fmt(double v, const char* format = "%.3f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

Poco::JSON::Object::Ptr read_report(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot read the run report");
  try {
    return Poco::JSON::Parser().parse(in).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(path.string() + ": not a JSON report: " + e.displayText());
  }
}

std::string figure(const Poco::JSON::Object::Ptr& results, const std::string& key,
                   const std::string& sub = "") {
  if (!results->has(key)) return "-";
  if (sub.empty()) return fmt(results->getValue<double>(key));
  auto o = results->getObject(key);
  return o && o->has(sub) ? fmt(o->getValue<double>(sub)) : "-";
}

// One line per evaluator of the run; returns the evaluator ids (node type needle_eval).
std::vector<std::string> print_run(const fs::path& dir) {
  const auto report = read_report(dir / "report.json");
  const auto errors = report->getArray("errors");
  if (errors && errors->size() > 0)
    throw std::runtime_error((dir / "report.json").string() + ": the run failed: " +
                             errors->getElement<std::string>(0));
  const auto nodes = report->getObject("nodes");
  const auto results = report->getObject("results");
  std::vector<std::string> evals;
  for (const auto& id : nodes->getNames())
    if (nodes->getObject(id)->getValue<std::string>("type") == "needle_eval") evals.push_back(id);
  if (evals.empty())
    throw std::runtime_error((dir / "report.json").string() + ": no needle_eval node in the run");
  for (const auto& id : evals) {
    if (!results || !results->has(id))
      throw std::runtime_error((dir / "report.json").string() + ": no results for '" + id + "'");
    const auto r = results->getObject(id);
    std::printf("%-22s %-14s %6s %6s %6s | %6s %6s | %6s %6s | %6s %6s %6s\n",
                dir.filename().c_str(), id.c_str(), figure(r, "in_plane_frames").c_str(),
                figure(r, "needle_free_frames").c_str(), figure(r, "detection_rate").c_str(),
                figure(r, "tip_error_mm", "median").c_str(), figure(r, "tip_error_mm", "p95").c_str(),
                figure(r, "angle_error_deg", "median").c_str(),
                figure(r, "angle_error_deg", "p95").c_str(),
                figure(r, "false_detection_rate").c_str(), figure(r, "flagged_rate").c_str(),
                figure(r, "wild_rate").c_str());
  }
  return evals;
}

class Judge {
 public:
  // A judge that only reports (`enforced` false) prints "miss" where it would fail.
  Judge(std::string who, bool enforced) : who_(std::move(who)), enforced_(enforced) {}
  void at_most(const std::string& what, std::optional<double> value, double limit) {
    check(what, value, value && *value <= limit, "<= " + fmt(limit));
  }
  void at_least(const std::string& what, std::optional<double> value, double limit) {
    check(what, value, value && *value >= limit, ">= " + fmt(limit));
  }
  void enough(const std::string& what, uint64_t count, uint64_t needed) {
    const bool ok = count >= needed;
    std::printf("  %-5s %-14s %-28s %10llu   (need >= %llu)\n", verdict(ok), who_.c_str(),
                what.c_str(), static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(needed));
    failed_ |= !ok && enforced_;
  }
  bool failed() const { return failed_; }

 private:
  void check(const std::string& what, std::optional<double> value, bool ok, const std::string& target) {
    std::printf("  %-5s %-14s %-28s %10s   (target %s)\n", verdict(ok), who_.c_str(), what.c_str(),
                value ? fmt(*value).c_str() : "none", target.c_str());
    failed_ |= !ok && enforced_;
  }
  const char* verdict(bool ok) const { return ok ? "ok" : enforced_ ? "FAIL" : "miss"; }
  std::string who_;
  bool enforced_;
  bool failed_ = false;
};

bool judge(const std::string& id, const Summary& s, const Options& o) {
  Judge j(id, o.judged.empty() || o.judged.count(id) > 0);
  if (o.mode == "needle_free") {
    j.enough("needle-free frames", s.needle_free_frames, o.min_frames);
    j.at_most("false detection rate", s.false_detection_rate, kFalseDetectionRateMax);
    return !j.failed();
  }
  j.enough("in-plane frames", s.in_plane_frames, o.min_frames);
  if (o.mode == "degraded") {
    j.at_most("wild (unflagged, off) rate", s.wild_rate, kWildRateMax);
    // Shown, not judged: how far the detector degraded and how much of it it flagged.
    std::printf("  info  %-14s detection rate %s, flagged rate %s, tip error median %s mm\n",
                id.c_str(), s.detection_rate ? fmt(*s.detection_rate).c_str() : "none",
                s.flagged_rate ? fmt(*s.flagged_rate).c_str() : "none",
                s.tip_error_mm ? fmt(s.tip_error_mm->median).c_str() : "none");
    return !j.failed();
  }
  auto stat = [](const std::optional<Stat>& st, bool p95) -> std::optional<double> {
    if (!st) return std::nullopt;
    return p95 ? st->p95 : st->median;
  };
  j.at_most("tip error median (mm)", stat(s.tip_error_mm, false), kTipMedianMaxMm);
  j.at_most("tip error p95 (mm)", stat(s.tip_error_mm, true), kTipP95MaxMm);
  j.at_most("angle error median (deg)", stat(s.angle_error_deg, false), kAngleMedianMaxDeg);
  j.at_least("detection rate", s.detection_rate, kDetectionRateMin);
  return !j.failed();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mode" && i + 1 < argc) {
      o.mode = argv[++i];
    } else if (a == "--min-frames" && i + 1 < argc) {
      try {
        o.min_frames = std::stoull(argv[++i]);
      } catch (const std::exception&) {
        return usage("--min-frames takes a whole number, got '" + std::string(argv[i]) + "'");
      }
    } else if (a == "--judge" && i + 1 < argc) {
      o.judged.insert(argv[++i]);
    } else if (a.rfind("--", 0) == 0) {
      return usage("unknown option '" + a + "'");
    } else {
      o.runs.emplace_back(a);
    }
  }
  if (o.mode != "accuracy" && o.mode != "degraded" && o.mode != "needle_free")
    return usage("--mode must be accuracy, degraded or needle_free");
  if (o.runs.empty()) return usage("give at least one run directory");

  try {
    std::printf("%-22s %-14s %6s %6s %6s | %6s %6s | %6s %6s | %6s %6s %6s\n", "run", "evaluator",
                "inpl", "free", "det", "tip50", "tip95", "ang50", "ang95", "false", "flag", "wild");
    std::map<std::string, std::vector<FrameEval>> pooled;
    for (const auto& dir : o.runs)
      for (const auto& id : print_run(dir)) {
        const fs::path csv = dir / (id + ".csv");
        std::ifstream in(csv);
        if (!in) throw std::runtime_error(csv.string() + ": cannot read (set " + id + ".csv_path)");
        auto frames = read_csv(in, csv.string());
        pooled[id].insert(pooled[id].end(), frames.begin(), frames.end());
      }
    std::printf(
        "pooled over %zu run(s), mode %s%s:\n", o.runs.size(), o.mode.c_str(),
        o.judged.empty() ? "" : " (\"miss\": an evaluator shown for comparison, not judged)");
    bool ok = true;
    for (const auto& id : o.judged)
      if (!pooled.count(id)) {
        std::printf("  FAIL  %-14s not in any run (--judge)\n", id.c_str());
        ok = false;
      }
    for (const auto& [id, frames] : pooled) ok &= judge(id, summarize(frames), o);
    std::printf("%s\n", ok ? "PASS" : "FAIL: targets missed (see above)");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "needle_accuracy_check: " << e.what() << "\n";
    return 1;
  }
}
