#include "needle_csv.hpp"

#include <charconv>
#include <cstdio>
#include <istream>
#include <sstream>
#include <stdexcept>

namespace sonoflow::needle_eval {

namespace {

constexpr size_t kColumns = 19;

std::string cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string cell(const std::optional<double>& v) { return v ? cell(*v) : std::string(); }

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::string c;
  std::istringstream in(line);
  while (std::getline(in, c, ',')) cells.push_back(c);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// Parses the cells of one line; errors name the file, line and column.
class Row {
 public:
  Row(std::vector<std::string> cells, const std::string& where)
      : cells_(std::move(cells)), where_(where) {}
  double number(size_t i) const {
    double v = 0;
    const auto& s = cells_[i];
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) fail(i, "a number");
    return v;
  }
  std::optional<double> optional(size_t i) const {
    if (cells_[i].empty()) return std::nullopt;
    return number(i);
  }
  bool flag(size_t i) const {
    if (cells_[i] != "0" && cells_[i] != "1") fail(i, "0 or 1");
    return cells_[i] == "1";
  }
  const std::string& text(size_t i) const { return cells_[i]; }
  [[noreturn]] void fail(size_t i, const std::string& expected) const {
    throw std::runtime_error(where_ + ": column " + std::to_string(i + 1) + " (" +
                             split(csv_header())[i] + ") must be " + expected + ", got '" +
                             cells_[i] + "'");
  }

 private:
  std::vector<std::string> cells_;
  std::string where_;
};

}  // namespace

const std::string& csv_header() {
  static const std::string header =
      "sequence,class,detected,measured,flagged,wild,confidence,visible_shaft_mm,"
      "tip_error_mm,angle_error_deg,miss_prediction_error_mm,injected_area_error_pct,"
      "truth_tip_x_mm,truth_tip_z_mm,tip_x_mm,tip_z_mm,truth_angle_deg,angle_deg,"
      "in_plane_offset_mm";
  return header;
}

std::string csv_line(const FrameEval& e) {
  std::string s = std::to_string(e.sequence) + "," + to_string(e.frame_class);
  for (bool b : {e.detected, e.measured, e.flagged, e.wild}) s += b ? ",1" : ",0";
  for (const auto& v : {std::optional<double>(e.confidence), std::optional<double>(e.visible_shaft_mm),
                        e.tip_error_mm, e.angle_error_deg, e.miss_prediction_error_mm,
                        e.injected_area_error_pct})
    s += "," + cell(v);
  for (double v : {e.truth_tip_mm[0], e.truth_tip_mm[1], e.tip_mm[0], e.tip_mm[1],
                   e.truth_angle_deg, e.angle_deg, e.in_plane_offset_mm})
    s += "," + cell(v);
  return s;
}

std::vector<FrameEval> read_csv(std::istream& in, const std::string& name) {
  std::string line;
  if (!std::getline(in, line) || line != csv_header())
    throw std::runtime_error(name + ":1: not a needle_eval CSV (expected the header '" +
                             csv_header() + "')");
  std::vector<FrameEval> frames;
  for (size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = name + ":" + std::to_string(number);
    auto cells = split(line);
    if (cells.size() != kColumns)
      throw std::runtime_error(where + ": " + std::to_string(cells.size()) + " columns, expected " +
                               std::to_string(kColumns));
    const Row r(std::move(cells), where);
    FrameEval e;
    const double sequence = r.number(0);
    if (sequence < 0) r.fail(0, "a frame number");
    e.sequence = static_cast<uint64_t>(sequence);
    const auto c = frame_class_named(r.text(1));
    if (!c) r.fail(1, "in_plane, needle_free, other or no_truth");
    e.frame_class = *c;
    e.detected = r.flag(2);
    e.measured = r.flag(3);
    e.flagged = r.flag(4);
    e.wild = r.flag(5);
    e.confidence = r.number(6);
    e.visible_shaft_mm = r.number(7);
    e.tip_error_mm = r.optional(8);
    e.angle_error_deg = r.optional(9);
    e.miss_prediction_error_mm = r.optional(10);
    e.injected_area_error_pct = r.optional(11);
    e.truth_tip_mm = {r.number(12), r.number(13)};
    e.tip_mm = {r.number(14), r.number(15)};
    e.truth_angle_deg = r.number(16);
    e.angle_deg = r.number(17);
    e.in_plane_offset_mm = r.number(18);
    frames.push_back(e);
  }
  return frames;
}

}  // namespace sonoflow::needle_eval
