#include "sonoflow/framework/diagnostics.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

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
std::vector<Diagnostic> Diagnostics::sorted() const {
  // Files in the order they first appear (the pipeline before --set), then by position.
  std::vector<std::string> files;
  for (auto& d : items_)
    if (std::find(files.begin(), files.end(), d.file) == files.end()) files.push_back(d.file);
  auto rank = [&](const Diagnostic& d) {
    return std::make_tuple(std::find(files.begin(), files.end(), d.file) - files.begin(),
                           d.mark.line, d.mark.column);
  };
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  return out;
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (auto& d : sorted()) out += format(d) + "\n";
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
  // A name typed short ('rate' for 'rate_hz') is as likely as a typo.
  if (name.size() >= 3) {
    const std::string* shortest = nullptr;
    for (auto& c : candidates)
      if (c.size() > name.size() && c.compare(0, name.size(), name) == 0 &&
          (!shortest || c.size() < shortest->size()))
        shortest = &c;
    if (shortest) return "; did you mean '" + *shortest + "'?";
  }
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
