// Diagnostics: errors found in pipeline files, `--set` overrides and plugins, each with
// the place it refers to, printed as `file:line:col: error: message` like a compiler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sonoflow {

struct Mark {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
};

struct Diagnostic {
  std::string file;
  Mark mark;
  std::string message;
  bool is_warning = false;
};

std::string format(const Diagnostic& d);

class Diagnostics {
 public:
  void error(std::string file, Mark mark, std::string message);
  void warning(std::string file, Mark mark, std::string message);
  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  // In file order (as first seen), then by line and column: the order a reader fixes them.
  std::vector<Diagnostic> sorted() const;
  std::string to_string() const;  // one formatted line per diagnostic, sorted

 private:
  std::vector<Diagnostic> items_;
};

// "; did you mean 'x'?" for the closest candidate within a small edit distance, or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace sonoflow
