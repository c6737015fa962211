#include "phantom.hpp"

#include <cmath>
#include <numbers>
#include <random>

namespace sonoflow::sim {

Texture texture_of(Tissue tissue, double fiber_angle_deg) {
  Texture t;
  t.fiber_angle_deg = fiber_angle_deg;
  switch (tissue) {
    case Tissue::none:
    case Tissue::effusion:   // fluid: anechoic
    case Tissue::cartilage:  // hyaline cartilage: a thin anechoic band on bone
      t.density = 0;
      break;
    case Tissue::skin: t.density = 1.5, t.reflectivity = 1.6; break;
    case Tissue::fat:  // hypoechoic lobules between bright septa
      t.density = 0.6, t.reflectivity = 0.45, t.stripe_depth = 0.9, t.stripe_period_mm = 2.5;
      break;
    case Tissue::muscle:  // hypoechoic with bright perimysium striations
      t.density = 0.9, t.reflectivity = 0.55, t.stripe_depth = 0.7, t.stripe_period_mm = 1.4;
      break;
    case Tissue::tendon:  // fibrillar: tightly packed bright parallel fibres
      t.density = 1.3, t.reflectivity = 1.3, t.stripe_depth = 0.8, t.stripe_period_mm = 0.45;
      break;
    case Tissue::capsule: t.density = 1.4, t.reflectivity = 1.8; break;
    case Tissue::bone:  // strong specular cortex, acoustic shadow beneath
      t.density = 6, t.reflectivity = 6, t.bright_surface_mm = 0.35;
      break;
    case Tissue::speckle: break;
  }
  return t;
}

Region layer(Tissue tissue, Curve top, Curve bottom, double fiber_angle_deg) {
  return {tissue, [=](double x, double z) { return z >= top.z(x) && z < bottom.z(x); },
          fiber_angle_deg, top, std::nullopt};
}

Region below(Tissue tissue, Curve top) {
  return {tissue, [=](double x, double z) { return z >= top.z(x); }, 0, top, std::nullopt};
}

Region ellipse(Tissue tissue, double cx, double cz, double ax, double az) {
  return {tissue,
          [=](double x, double z) {
            const double u = (x - cx) / ax, v = (z - cz) / az;
            return u * u + v * v <= 1;
          },
          0, {}, EllipseShape{cx, cz, ax, az}};
}

Tissue Phantom::tissue_at(double x, double z, const Region** region) const {
  for (auto it = regions.rbegin(); it != regions.rend(); ++it)
    if (it->contains(x, z)) {
      if (region) *region = &*it;
      return it->tissue;
    }
  return Tissue::none;
}

std::vector<Scatterer> generate_scatterers(const Phantom& phantom, size_t count,
                                           double elevation_sigma_mm, uint64_t seed) {
  std::vector<Scatterer> out = phantom.points;
  if (!phantom.tissue || count == 0) return out;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(phantom.x_min_mm, phantom.x_max_mm);
  std::uniform_real_distribution<double> uz(0, phantom.depth_mm);
  std::uniform_real_distribution<double> uy(-3 * elevation_sigma_mm, 3 * elevation_sigma_mm);
  std::uniform_real_distribution<double> keep(0, 1);
  std::normal_distribution<double> gauss(0, 1);
  // Densities above 1 are drawn as extra candidates in the same region; normalising by
  // the largest keeps every draw meaningful.
  constexpr double kMaxDensity = 6;
  out.reserve(out.size() + count);
  for (size_t i = 0; i < count * static_cast<size_t>(kMaxDensity); ++i) {
    const double x = ux(rng), z = uz(rng), y = uy(rng);
    const double amplitude_draw = gauss(rng), keep_draw = keep(rng);
    if (phantom.field_of_view && !phantom.field_of_view(x, z)) continue;
    const Region* region = nullptr;
    const Tissue tissue = phantom.tissue_at(x, z, &region);
    if (tissue == Tissue::none) continue;
    const Texture tex = texture_of(tissue, region ? region->fiber_angle_deg : 0);
    if (keep_draw * kMaxDensity >= tex.density) continue;
    double amplitude = tex.reflectivity * amplitude_draw;
    if (tex.bright_surface_mm > 0 && z - region->surface.z(x) > tex.bright_surface_mm)
      continue;  // inside bone: nothing comes back from under the cortex
    if (tex.stripe_depth > 0) {
      const double a = tex.fiber_angle_deg * std::numbers::pi / 180;
      const double across = -x * std::sin(a) + z * std::cos(a);  // distance across fibres
      const double stripe = 0.5 + 0.5 * std::cos(2 * std::numbers::pi * across / tex.stripe_period_mm);
      amplitude *= 1 - tex.stripe_depth + tex.stripe_depth * 2 * stripe * stripe;
    }
    out.push_back({static_cast<float>(x), static_cast<float>(y), static_cast<float>(z),
                   static_cast<float>(amplitude)});
  }
  return out;
}

}  // namespace sonoflow::sim
