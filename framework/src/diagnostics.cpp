#include "sonoflow/framework/diagnostics.hpp"

#include <algorithm>
#include <numeric>

namespace sonoflow {

std::string format(const Diagnostic& d) {
  std::string where = d.file;
  if (d.mark.line > 0)
    where += ":" + std::to_string(d.mark.line) + ":" + std::to_string(std::max(d.mark.column, 1));
  return where + (d.is_warning ? ": warning: " : ": error: ") + d.message;
}

void Diagnostics::error(std::string file, Mark mark, std::string message) {
  items_.push_back({std::move(file), mark, std::move(message), false});
}
void Diagnostics::warning(std::string file, Mark mark, std::string message) {
  items_.push_back({std::move(file), mark, std::move(message), true});
}
bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(), [](auto& d) { return !d.is_warning; });
}
std::string Diagnostics::to_string() const {
  std::string out;
  for (auto& d : items_) out += format(d) + "\n";
  return out;
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  // Accept up to a third of the name's letters wrong (at least 2): close enough to be a
  // typo, far enough that unrelated names are not offered.
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_distance) best = &c, best_distance = d;
  }
  return best ? "; did you mean '" + *best + "'?" : "";
}

}  // namespace sonoflow
