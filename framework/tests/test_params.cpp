#include <catch2/catch.hpp>

#include "sonoflow/framework/validate.hpp"
#include "sonoflow/params.hpp"

using namespace sonoflow;

TEST_CASE("parameter ranges, choices and points are checked with the reason") {
  auto gain = ParamSpec::real("gain_db", 10).range(0, 60).in("dB");
  CHECK(gain.check(20.0).empty());
  CHECK(gain.check(int64_t{60}).empty());  // an integer literal is a valid real
  CHECK(gain.check(61.0) == "must be between 0 and 60 dB");
  CHECK(gain.check(std::string("loud")) == "expects a number");

  auto window = ParamSpec::choice("window", "hann", {"boxcar", "hann", "tukey"});
  CHECK(window.check(std::string("tukey")).empty());
  CHECK(window.check(std::string("hamming")) == "must be one of: boxcar, hann, tukey");

  auto target = ParamSpec::point2_mm("target", {0, 20});
  CHECK(target.check(std::vector<double>{1, 2}).empty());
  CHECK(target.check(std::vector<double>{1, 2, 3}) == "expects 2 coordinates, got 3");

  auto angles = ParamSpec::numbers("angles_deg", {0}).range(-30, 30).items(1, 31).in("deg");
  CHECK(angles.check(std::vector<double>{-8, 0, 8}).empty());
  CHECK(angles.check(std::vector<double>{}) == "expects at least 1 numbers");
  CHECK(angles.check(std::vector<double>{0, 45}) == "each value must be between -30 and 30 deg");

  auto count = ParamSpec::integer("count", 0).at_least(0);
  CHECK(count.check(2.5).find("integer") != std::string::npos);
  CHECK(count.check(int64_t{-1}) == "must be at least 0");
}

TEST_CASE("values written in YAML convert to the parameter's type") {
  std::string why;
  Mark where;
  RawValue scalar{RawValue::Kind::scalar, "1.5", {}, {3, 7}};
  auto real = convert_param(scalar, ParamSpec::real("x", 0), why, where);
  REQUIRE(real);
  CHECK(std::get<double>(*real) == 1.5);

  CHECK_FALSE(convert_param(scalar, ParamSpec::integer("n", 0), why, where));
  CHECK(why == "expects an integer, got '1.5'");
  CHECK(where.line == 3);

  RawValue list{RawValue::Kind::sequence, "", {scalar, {RawValue::Kind::scalar, "x", {}, {3, 12}}},
                {3, 5}};
  CHECK_FALSE(convert_param(list, ParamSpec::numbers("l", {}), why, where));
  CHECK(why == "list item 'x' is not a number");
  CHECK(where.column == 12);  // points at the bad item, not the list

  RawValue yes{RawValue::Kind::scalar, "yes", {}, {}};
  auto flag = convert_param(yes, ParamSpec::boolean("b", false), why, where);
  REQUIRE(flag);
  CHECK(std::get<bool>(*flag));
}

TEST_CASE("a parameter set hands out typed values and refuses wrong types") {
  ParamSet set({{"rate_hz", 25.0}, {"count", int64_t{3}}, {"mode", std::string("fast")}});
  CHECK(set.get_real("rate_hz") == 25.0);
  CHECK(set.get_real("count") == 3.0);  // integers read as reals
  CHECK(set.get_int("count") == 3);
  CHECK(set.get_string("mode") == "fast");
  CHECK_THROWS_WITH(set.get_int("rate_hz"), "parameter 'rate_hz' is not an integer");
  CHECK_THROWS_WITH(set.get("nope"), "no parameter named 'nope'");
}
