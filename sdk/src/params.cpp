#include "sonoflow/params.hpp"

#include <boost/locale/utf.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sonoflow {

namespace {

// YAML text is Unicode, and parameter values end up in JSON (reports, the viewer's API),
// which cannot hold bytes that are not UTF-8.
bool is_utf8(const std::string& text) {
  using utf = boost::locale::utf::utf_traits<char>;
  for (auto it = text.begin(); it != text.end();) {
    const auto code_point = utf::decode(it, text.end());
    if (code_point == boost::locale::utf::illegal || code_point == boost::locale::utf::incomplete)
      return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(ParamType type) {
  switch (type) {
    case ParamType::boolean: return "bool";
    case ParamType::integer: return "int";
    case ParamType::real: return "float";
    case ParamType::string: return "string";
    case ParamType::choice: return "enum";
    case ParamType::numbers: return "list of numbers";
    case ParamType::point2: return "2-D point";
    case ParamType::point3: return "3-D point";
  }
  return "?";
}

static std::string format_number(double v) {
  std::ostringstream out;
  out.precision(12);
  out << v;
  return out.str();
}

std::string format_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_number(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<double>& list) const {
      std::string out = "[";
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + format_number(list[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

static ParamSpec make(std::string name, ParamType type, ParamValue def) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.default_value = std::move(def);
  return spec;
}

ParamSpec ParamSpec::boolean(std::string name, bool def) {
  return make(std::move(name), ParamType::boolean, def);
}
ParamSpec ParamSpec::integer(std::string name, int64_t def) {
  return make(std::move(name), ParamType::integer, def);
}
ParamSpec ParamSpec::real(std::string name, double def) {
  return make(std::move(name), ParamType::real, def);
}
ParamSpec ParamSpec::string(std::string name, std::string def) {
  return make(std::move(name), ParamType::string, std::move(def));
}
ParamSpec ParamSpec::choice(std::string name, std::string def, std::vector<std::string> allowed) {
  auto spec = make(std::move(name), ParamType::choice, std::move(def));
  spec.allowed = std::move(allowed);
  return spec;
}
ParamSpec ParamSpec::numbers(std::string name, std::vector<double> def) {
  return make(std::move(name), ParamType::numbers, std::move(def));
}
ParamSpec ParamSpec::point2_mm(std::string name, std::array<double, 2> def) {
  auto spec = make(std::move(name), ParamType::point2, std::vector<double>(def.begin(), def.end()));
  spec.unit = "mm";
  return spec;
}
ParamSpec ParamSpec::point3_mm(std::string name, std::array<double, 3> def) {
  auto spec = make(std::move(name), ParamType::point3, std::vector<double>(def.begin(), def.end()));
  spec.unit = "mm";
  return spec;
}

std::string ParamSpec::check(const ParamValue& value) const {
  const std::string in_unit = unit.empty() ? "" : " " + unit;
  auto in_range = [&](double v) -> std::string {
    if (!std::isfinite(v)) return "must be a finite number";
    if (min && max && (v < *min || v > *max))
      return "must be between " + format_number(*min) + " and " + format_number(*max) + in_unit;
    if (min && v < *min) return "must be at least " + format_number(*min) + in_unit;
    if (max && v > *max) return "must be at most " + format_number(*max) + in_unit;
    return {};
  };
  switch (type) {
    case ParamType::boolean:
      return std::holds_alternative<bool>(value) ? "" : "expects true or false";
    case ParamType::integer:
      if (!std::holds_alternative<int64_t>(value)) return "expects an integer";
      return in_range(static_cast<double>(std::get<int64_t>(value)));
    case ParamType::real:
      if (auto* i = std::get_if<int64_t>(&value)) return in_range(double(*i));
      if (auto* d = std::get_if<double>(&value)) return in_range(*d);
      return "expects a number";
    case ParamType::string:
      if (!std::holds_alternative<std::string>(value)) return "expects a string";
      return is_utf8(std::get<std::string>(value)) ? "" : "must be UTF-8 text";
    case ParamType::choice: {
      auto* s = std::get_if<std::string>(&value);
      std::string options;
      for (auto& a : allowed) options += (options.empty() ? "" : ", ") + a;
      if (!s) return "expects one of: " + options;
      for (auto& a : allowed)
        if (a == *s) return {};
      return "must be one of: " + options;
    }
    case ParamType::numbers:
    case ParamType::point2:
    case ParamType::point3: {
      auto* list = std::get_if<std::vector<double>>(&value);
      size_t fixed = type == ParamType::point2 ? 2 : type == ParamType::point3 ? 3 : 0;
      if (!list)
        return fixed ? "expects a point [x, z] in mm" + std::string(fixed == 3 ? " ([x, y, z])" : "")
                     : "expects a list of numbers";
      if (fixed && list->size() != fixed)
        return "expects " + std::to_string(fixed) + " coordinates, got " +
               std::to_string(list->size());
      if (min_items && list->size() < *min_items)
        return "expects at least " + std::to_string(*min_items) + " numbers";
      if (max_items && list->size() > *max_items)
        return "expects at most " + std::to_string(*max_items) + " numbers";
      for (double v : *list)
        if (auto why = in_range(v); !why.empty()) return "each value " + why;
      return {};
    }
  }
  return "unknown parameter type";
}

ParamValue ParamSpec::normalize(ParamValue value) const {
  if (type == ParamType::real)
    if (auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  return value;
}

const ParamValue& ParamSet::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::out_of_range("no parameter named '" + name + "'");
  return it->second;
}

template <class T>
static const T& typed(const ParamValue& v, const std::string& name, const char* what) {
  if (auto* p = std::get_if<T>(&v)) return *p;
  throw std::invalid_argument("parameter '" + name + "' is not " + what);
}

bool ParamSet::get_bool(const std::string& name) const {
  return typed<bool>(get(name), name, "a bool");
}
int64_t ParamSet::get_int(const std::string& name) const {
  return typed<int64_t>(get(name), name, "an integer");
}
double ParamSet::get_real(const std::string& name) const {
  const auto& v = get(name);
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return typed<double>(v, name, "a number");
}
const std::string& ParamSet::get_string(const std::string& name) const {
  return typed<std::string>(get(name), name, "a string");
}
const std::vector<double>& ParamSet::get_numbers(const std::string& name) const {
  return typed<std::vector<double>>(get(name), name, "a list of numbers");
}

}  // namespace sonoflow
