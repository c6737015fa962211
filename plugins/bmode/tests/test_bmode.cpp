// B-mode: the log mapping (a known amplitude gives the expected grey level), gain and depth
// gain, and the geometry an image carries over from its iq grid.
#include <catch2/catch.hpp>

#include <cmath>

#include "bmode_core.hpp"

using namespace sonoflow;
using namespace sonoflow::bmode;

namespace {

IqFrame ramp_frame() {
  IqFrame iq;
  iq.width = 4, iq.height = 2;
  // Amplitudes 1, 0.1, 0.01, 0.001 (0, -20, -40, -60 dB) with arbitrary phases.
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 4; ++c)
      iq.samples.push_back(std::polar(std::pow(10.0f, -float(c)), 0.7f * c));
  iq.origin_mm = {-5, 2};
  iq.spacing_mm = {0.1, 0.05};
  iq.demodulation_hz = 7.6e6;
  iq.header.sequence = 42;
  return iq;
}

}  // namespace

TEST_CASE("log compression maps known amplitudes to the expected grey levels") {
  const IqFrame iq = ramp_frame();
  Settings s;
  s.normalize_to_max = false;
  s.dynamic_range_db = 60;
  auto image = make_image(iq, s);
  // 0 dB -> 255, -20 dB -> 255 * 40/60 = 170, -40 dB -> 85, -60 dB -> 0.
  CHECK(image->pixels[0] == 255);
  CHECK(image->pixels[1] == 170);
  CHECK(image->pixels[2] == 85);
  CHECK(image->pixels[3] == 0);
  s.dynamic_range_db = 40;
  s.gain_db = 10;  // -20 dB + 10 dB = -10 dB in a 40 dB range -> 255 * 30/40 = 191.25
  image = make_image(iq, s);
  CHECK(image->pixels[1] == 191);
  CHECK(image->pixels[3] == 0);
  // Normalised to the frame's maximum: scaling the input changes nothing.
  IqFrame scaled = iq;
  for (auto& v : scaled.samples) v *= 1234.5f;
  s = Settings{};
  CHECK(make_image(scaled, s)->pixels == make_image(iq, s)->pixels);
}

TEST_CASE("depth gain grows with depth") {
  IqFrame iq = ramp_frame();
  iq.spacing_mm = {0.1, 10};  // row 1 is 10 mm (1 cm) deeper
  Settings s;
  s.normalize_to_max = false;
  s.depth_gain_db_per_cm = 20;
  auto image = make_image(iq, s);
  // Row 0 at 2 mm: +4 dB; row 1 at 12 mm: +24 dB. Amplitude 0.01 (-40 dB): 255 * 24/60 = 102
  // and 255 * 44/60 = 187.
  CHECK(image->pixels[2] == 102);
  CHECK(image->pixels[4 + 2] == 187);
}

TEST_CASE("the image carries the iq grid's geometry and header") {
  IqFrame iq = ramp_frame();
  auto image = make_image(iq, Settings{});
  CHECK(image->width == 4);
  CHECK(image->height == 2);
  CHECK(image->channels == 1);
  CHECK(image->origin_mm == iq.origin_mm);
  CHECK(image->spacing_mm == iq.spacing_mm);
  CHECK(image->header.sequence == 42);
  CHECK(image->sector == nullptr);
  CHECK(image->check().empty());
  // Pixel (col 3, row 1) -> x = -5 + 0.3, z = 2 + 0.05.
  const auto& m = image->image_to_probe;
  CHECK(m[0] * 3 + m[1] * 1 + m[3] == Approx(-4.7));
  CHECK(m[8] * 3 + m[9] * 1 + m[11] == Approx(2.05));
  // A polar grid passes its sector through.
  auto sector = std::make_shared<SectorGeometry>();
  sector->apex_z_mm = -49.6f;
  iq.sector = sector;
  CHECK(make_image(iq, Settings{})->sector == sector);
}

TEST_CASE("a malformed iq frame is refused with a message") {
  IqFrame iq = ramp_frame();
  iq.samples.pop_back();
  CHECK_THROWS_WITH(make_image(iq, Settings{}), Catch::Contains("expected width x height"));
}
