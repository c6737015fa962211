// Typed node parameters. A node type declares each parameter once, in code: its type,
// default, range or allowed values, unit, one-line description and whether it may change
// while running. That declaration drives validation of pipeline files and `--set`,
// `sonoflow inspect`, the docs and the viewer's controls.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sonoflow {

enum class ParamType { boolean, integer, real, string, choice, numbers, point2, point3 };

std::string_view to_string(ParamType type);

// A parameter value. Integers and reals are distinct; a real parameter accepts an
// integer literal. Lists and points are vectors of reals (points in mm).
using ParamValue = std::variant<bool, int64_t, double, std::string, std::vector<double>>;

std::string format_value(const ParamValue& value);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::real;
  ParamValue default_value;
  std::optional<double> min, max;         // inclusive; for lists, bounds of each element
  std::vector<std::string> allowed;       // for choice
  std::string unit;                       // e.g. "mm", "Hz", "dB"; empty if none
  std::string description;                // one line
  bool runtime_mutable = false;           // may change while the pipeline runs
  bool required = false;                  // no sensible default: a pipeline must set it
  std::optional<size_t> min_items, max_items;  // for numbers lists

  static ParamSpec boolean(std::string name, bool def);
  static ParamSpec integer(std::string name, int64_t def);
  static ParamSpec real(std::string name, double def);
  static ParamSpec string(std::string name, std::string def);
  static ParamSpec choice(std::string name, std::string def, std::vector<std::string> allowed);
  static ParamSpec numbers(std::string name, std::vector<double> def);
  static ParamSpec point2_mm(std::string name, std::array<double, 2> def);
  static ParamSpec point3_mm(std::string name, std::array<double, 3> def);

  ParamSpec& range(double lo, double hi) { min = lo; max = hi; return *this; }
  ParamSpec& at_least(double lo) { min = lo; return *this; }
  ParamSpec& items(size_t lo, size_t hi) { min_items = lo; max_items = hi; return *this; }
  ParamSpec& in(std::string u) { unit = std::move(u); return *this; }
  ParamSpec& doc(std::string text) { description = std::move(text); return *this; }
  ParamSpec& live() { runtime_mutable = true; return *this; }
  // The parameter must be given (a file to read, say); its default only documents the form.
  ParamSpec& needed() { required = true; return *this; }

  // Empty when value is acceptable for this parameter, else why not ("must be between
  // 0.5 and 4", "must be one of: hann, tukey"). A real parameter accepts an integer.
  std::string check(const ParamValue& value) const;
  // Converts an integer to a real for real-valued parameters; other values unchanged.
  ParamValue normalize(ParamValue value) const;
};

// The validated values a node is configured with, every declared parameter present.
class ParamSet {
 public:
  ParamSet() = default;
  explicit ParamSet(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  bool get_bool(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  double get_real(const std::string& name) const;  // accepts an integer value too
  const std::string& get_string(const std::string& name) const;  // string or choice
  const std::vector<double>& get_numbers(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const ParamValue& get(const std::string& name) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }
  void set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace sonoflow
