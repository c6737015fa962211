// The delay-and-sum kernel. Restructured as CALIBRATION.md found worthwhile: the receive
// delay, phase and apodization of each (pixel, element) are computed once and reused for
// every transmit, and kept across frames while grid, probe and settings stay (receive
// tables); depth is the inner loop (contiguous, vectorised); tiles of a few columns by a
// band of rows keep each element's baseband window in L1, and the bands run one after the
// other so that a band's slice of the baseband stays in L3. The depth loop is the AVX-512
// or AVX2 permute kernel (das_avx512.cpp, das_avx2.cpp) or, without either, the portable
// one here, compiled for AVX-512, AVX2 and a baseline (target_clones): the binary stays
// portable.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "coherence.hpp"
#include "das_core.hpp"
#include "das_kernels.hpp"
#include "fast_math.hpp"

namespace sonoflow::das {

namespace {

constexpr uint32_t kColumnTile = 16;  // columns that share an element's rows in L1/L2
constexpr uint32_t kRowBand = 128;    // rows per tile: bounds the sample window per row

#define SONOFLOW_DAS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// acc += w * phasor_rx * iq(tx + rx), iq linearly interpolated; n consecutive rows. With
// kEnergy also energy += w |iq|^2 (apodization weight wa), for coherence-based weighting.
// Inlined into each clone below, so every target compiles its own copy of one body.
template <bool kEnergy>
__attribute__((always_inline)) inline void accumulate_rows(
    const float* __restrict tx, const float* __restrict rx, const float* __restrict wr,
    const float* __restrict wi, const float* __restrict wa, const float* __restrict re,
    const float* __restrict im, float* __restrict acc_re, float* __restrict acc_im,
    float* __restrict energy, int n, float last_index) {
  for (int r = 0; r < n; ++r) {
    const float s = std::min(std::max(tx[r] + rx[r], 0.f), last_index);
    const int i = static_cast<int>(s);
    const float f = s - static_cast<float>(i);
    const float vr = re[i] + f * (re[i + 1] - re[i]);
    const float vi = im[i] + f * (im[i + 1] - im[i]);
    acc_re[r] += vr * wr[r] - vi * wi[r];
    acc_im[r] += vr * wi[r] + vi * wr[r];
    if constexpr (kEnergy) energy[r] += wa[r] * (vr * vr + vi * vi);
  }
}

SONOFLOW_DAS_CLONES
void accumulate(const float* __restrict tx, const float* __restrict rx, const float* __restrict wr,
                const float* __restrict wi, const float* __restrict re, const float* __restrict im,
                float* __restrict acc_re, float* __restrict acc_im, int n, float last_index) {
  accumulate_rows<false>(tx, rx, wr, wi, nullptr, re, im, acc_re, acc_im, nullptr, n, last_index);
}

SONOFLOW_DAS_CLONES
void accumulate_energy(const float* __restrict tx, const float* __restrict rx,
                       const float* __restrict wr, const float* __restrict wi,
                       const float* __restrict wa, const float* __restrict re,
                       const float* __restrict im, float* __restrict acc_re,
                       float* __restrict acc_im, float* __restrict energy, int n,
                       float last_index) {
  accumulate_rows<true>(tx, rx, wr, wi, wa, re, im, acc_re, acc_im, energy, n, last_index);
}

struct Element {
  float x_mm, z_mm, sin_normal, cos_normal;
};

struct Constants {
  float samples_per_mm, cycles_per_mm, two_f_number;
  Apodization apodization;
  // The taper runs over u in [taper_start, 1]: 0 for Hann, 1 - alpha for Tukey. Its inverse
  // width is precomputed: a division by a loop invariant is not hoisted without fast-math.
  float taper_start, taper_scale;
};

// A receive steering angle (Settings::rx_steer_deg) as cos and sin.
struct Steer {
  float cos_steer, sin_steer;
};

// Receive delay (samples), carrier phasor and apodization weight of one element for n
// pixels of a column; the bare weight also goes to wa unless it is null (only the
// coherence sums need it). The apodization runs across the receive beam steered by st
// (cos 1, sin 0: unsteered, the same values as before steering existed).
SONOFLOW_DAS_CLONES
void receive(const float* __restrict px, const float* __restrict pz, Element e, Steer st,
             Constants k, float* __restrict rx, float* __restrict wr, float* __restrict wi,
             float* __restrict wa, int n) {
  for (int r = 0; r < n; ++r) {
    const float dx = px[r] - e.x_mm, dz = pz[r] - e.z_mm;
    const float d = std::sqrt(dx * dx + dz * dz);
    rx[r] = d * k.samples_per_mm;
    const float axial0 = dx * e.sin_normal + dz * e.cos_normal;
    const float lateral0 = dx * e.cos_normal - dz * e.sin_normal;
    // In the steered beam's frame (exact for cos 1, sin 0).
    const float axial = axial0 * st.cos_steer + lateral0 * st.sin_steer;
    const float lateral = std::abs(lateral0 * st.cos_steer - axial0 * st.sin_steer);
    // u: 0 on the receive beam's axis, 1 at the edge of the f-number aperture.
    const float u = std::min(lateral * k.two_f_number / std::max(axial, 1e-6f), 1.f);
    float w = 1.f;
    if (k.apodization != Apodization::boxcar) {
      const float t = std::max(u - k.taper_start, 0.f) * k.taper_scale;
      w = hann_taper(t);
    }
    float c, s;
    sincos_cycles(d * k.cycles_per_mm, c, s);
    wr[r] = w * c;
    wi[r] = w * s;
    if (wa) wa[r] = w;
  }
}

struct Wave {
  float sin_angle, cos_angle, source_x_mm, source_z_mm, source_distance_mm, offset;
  bool plane;
};

// Transmit delay of n pixels in samples, time origin and guard included (Transmit doc).
SONOFLOW_DAS_CLONES
void transmit_delays(const float* __restrict px, const float* __restrict pz, Wave w, Constants k,
                     float* __restrict tx, int n) {
  if (w.plane) {
    for (int r = 0; r < n; ++r)
      tx[r] = (px[r] * w.sin_angle + pz[r] * w.cos_angle) * k.samples_per_mm + w.offset;
    return;
  }
  for (int r = 0; r < n; ++r) {
    const float dx = px[r] - w.source_x_mm, dz = pz[r] - w.source_z_mm;
    tx[r] = (std::sqrt(dx * dx + dz * dz) - w.source_distance_mm) * k.samples_per_mm + w.offset;
  }
}

// sum += acc * exp(j 2 pi f0 (d_tx - 2 z) / c) over n rows of one transmit.
SONOFLOW_DAS_CLONES
void compound(const float* __restrict tx, const float* __restrict pz,
              const float* __restrict acc_re, const float* __restrict acc_im, float offset,
              Constants k, float* __restrict sum_re, float* __restrict sum_im, int n) {
  for (int r = 0; r < n; ++r) {
    const float d_tx = (tx[r] - offset) / k.samples_per_mm;
    float cs, sn;
    sincos_cycles((d_tx - 2 * pz[r]) * k.cycles_per_mm, cs, sn);
    sum_re[r] += acc_re[r] * cs - acc_im[r] * sn;
    sum_im[r] += acc_re[r] * sn + acc_im[r] * cs;
  }
}

// The receive terms of one tile for every element, kept across frames (they depend only
// on the probe, the grid and the settings, not on the rf): for element e and column c the
// tile's rows [first, first + count) lie inside the aperture, and their delay, phasor and
// apodization are stored compactly from index at[e * columns + c] on.
struct TileReceive {
  std::vector<int> first, count;
  std::vector<uint32_t> at;
  std::vector<float> rx, wr, wi, wa;  // wa only when built for the coherence sums
};

// Receive geometry beyond the f-number: steering (as cos, sin, in double for the row
// intervals and in float for the weights) and the acceptance half-angle (cos, sin; none
// when the limit is 90 deg or more).
struct ReceiveBeam {
  double cos_steer = 1, sin_steer = 0;
  bool accept_limited = false;
  double cos_accept = 0, sin_accept = 1;
};

// Fills `tr` for a tile (rows r0.., columns c0..; px/pz its pixel positions, [column][row]).
void build_receive(const Grid& grid, uint32_t r0, uint32_t nr, uint32_t c0, uint32_t nc,
                   const std::vector<Element>& elements, double f_number, const ReceiveBeam& beam,
                   Constants k, bool with_wa, const std::vector<float>& px,
                   const std::vector<float>& pz, TileReceive& tr) {
  const size_t E = elements.size();
  tr.first.resize(E * nc), tr.count.resize(E * nc), tr.at.resize(E * nc);
  uint32_t total = 0;
  for (size_t e = 0; e < E; ++e) {
    const Element el = elements[e];
    for (uint32_t c = 0; c < nc; ++c) {
      // The rows inside the aperture form one interval: |lateral| <= axial / (2 F#) are two
      // half-planes, and a column is a straight ray, so each is a half-line in the row.
      double x0, z0, x1, z1;
      grid.pixel_mm(c0 + c, r0, x0, z0);
      grid.pixel_mm(c0 + c, r0 + 1, x1, z1);
      const double ax0 = (x0 - el.x_mm) * el.sin_normal + (z0 - el.z_mm) * el.cos_normal;
      const double ax1 = (x1 - x0) * el.sin_normal + (z1 - z0) * el.cos_normal;
      const double la0 = (x0 - el.x_mm) * el.cos_normal - (z0 - el.z_mm) * el.sin_normal;
      const double la1 = (x1 - x0) * el.cos_normal - (z1 - z0) * el.sin_normal;
      double lo = 0, hi = nr - 1;
      // Row r is inside the half-plane a + b r >= 0.
      auto keep = [&](double a, double b) {
        if (b > 0)
          lo = std::max(lo, -a / b);
        else if (b < 0)
          hi = std::min(hi, -a / b);
        else if (a < 0)
          hi = -1;
      };
      // The aperture around the steered receive beam: axial and lateral in its frame
      // (cos 1, sin 0 leave them exactly as they are).
      const double cs = beam.cos_steer, sn = beam.sin_steer;
      const double sax0 = ax0 * cs + la0 * sn, sax1 = ax1 * cs + la1 * sn;
      const double sla0 = la0 * cs - ax0 * sn, sla1 = la1 * cs - ax1 * sn;
      for (double sign : {-1.0, 1.0})
        keep(sax0 + sign * f_number * 2 * sla0, sax1 + sign * f_number * 2 * sla1);
      // Acceptance: |angle phi from the element normal| <= the limit A, i.e.
      // axial sin A -+ lateral cos A = distance sin(A -+ phi) >= 0.
      if (beam.accept_limited)
        for (double sign : {-1.0, 1.0})
          keep(ax0 * beam.sin_accept + sign * la0 * beam.cos_accept,
               ax1 * beam.sin_accept + sign * la1 * beam.cos_accept);
      const size_t i = e * nc + c;
      tr.first[i] = static_cast<int>(std::ceil(lo - 1e-9));
      tr.count[i] = std::max(0, static_cast<int>(std::floor(hi + 1e-9)) + 1 - tr.first[i]);
      tr.at[i] = total;
      total += tr.count[i];
    }
  }
  tr.rx.resize(total), tr.wr.resize(total), tr.wi.resize(total);
  if (with_wa) tr.wa.resize(total);
  for (size_t e = 0; e < E; ++e)
    for (uint32_t c = 0; c < nc; ++c) {
      const size_t i = e * nc + c, p = c * nr + tr.first[i];
      if (tr.count[i] > 0)
        receive(px.data() + p, pz.data() + p, elements[e],
                Steer{static_cast<float>(beam.cos_steer), static_cast<float>(beam.sin_steer)}, k,
                tr.rx.data() + tr.at[i], tr.wr.data() + tr.at[i], tr.wi.data() + tr.at[i],
                with_wa ? tr.wa.data() + tr.at[i] : nullptr, tr.count[i]);
    }
}

struct Scratch {
  std::vector<float> px, pz, tx, acc_re, acc_im, sum_re, sum_im;
  std::vector<float> group_re, group_im;  // only with envelope compounding of groups
  std::vector<float> weight, energy;      // only with IncoherentSums
};

}  // namespace

struct Beamformer::Workspace {
  tbb::enumerable_thread_specific<Scratch> scratch;
  // Receive tables per receive steering and tile ([steer][band][column tile]), valid while
  // `key` (grid, probe, settings, the distinct steering angles) is unchanged.
  std::vector<double> key;
  std::vector<TileReceive> tables;
};

Beamformer::Beamformer() : workspace_(std::make_unique<Workspace>()) {}
Beamformer::~Beamformer() = default;
Beamformer::Beamformer(const Beamformer&) : Beamformer() {}
Beamformer& Beamformer::operator=(const Beamformer&) {
  return *this;  // scratch is not state: each object keeps its own
}

size_t Beamformer::scratch_bytes() const {
  size_t bytes = 0;
  for (const Scratch& m : workspace_->scratch)
    for (const auto* v : {&m.px, &m.pz, &m.tx, &m.acc_re, &m.acc_im, &m.sum_re, &m.sum_im,
                          &m.group_re, &m.group_im, &m.weight, &m.energy})
      bytes += v->capacity() * sizeof(float);
  return bytes;
}

size_t Beamformer::table_bytes() const {
  size_t bytes = 0;
  for (const TileReceive& r : workspace_->tables)
    bytes +=
        (r.first.capacity() + r.count.capacity() + r.at.capacity()) * sizeof(int) +
        (r.rx.capacity() + r.wr.capacity() + r.wi.capacity() + r.wa.capacity()) * sizeof(float);
  return bytes;
}

namespace {

// The receive steering of each transmit as an index into the distinct angles, and the
// transmit groups, checked against the frame's transmit count.
struct TransmitPlan {
  std::vector<double> steers_deg;  // distinct receive steering angles, in first-seen order
  std::vector<uint32_t> steer_of;  // per transmit
  std::vector<uint32_t> transmits_per_steer;
  std::vector<uint32_t> group_of;  // per transmit
  std::vector<uint32_t> transmits_per_group;
  std::vector<float> group_scale;   // per group: its gain over its transmit count
  std::vector<float> group_cf;      // per group: coherence-factor exponent (0: none)
  bool coherence_by_group = false;  // some group's view is coherence weighted
  std::vector<uint32_t> transmits_per_steer_group;  // [steer][group]
  bool by_group = false;                            // envelope compounding of more than one group
};

TransmitPlan plan_transmits(const Settings& s, size_t T) {
  auto count_error = [&](const char* name, size_t n) {
    return std::invalid_argument(std::string(name) + " has " + std::to_string(n) +
                                 " values but the frame has " + std::to_string(T) +
                                 " transmits (one value per transmit, or [])");
  };
  if (!s.rx_steer_deg.empty() && s.rx_steer_deg.size() != T)
    throw count_error("rx_steer_deg", s.rx_steer_deg.size());
  if (!s.transmit_group.empty() && s.transmit_group.size() != T)
    throw count_error("transmit_group", s.transmit_group.size());
  TransmitPlan plan;
  plan.steer_of.resize(T, 0), plan.group_of.resize(T, 0);
  for (size_t t = 0; t < T; ++t) {
    const double a = s.rx_steer_deg.empty() ? 0.0 : s.rx_steer_deg[t];
    if (!(std::abs(a) <= 45))
      throw std::invalid_argument("rx_steer_deg: " + std::to_string(a) +
                                  " deg is outside -45..45 deg");
    auto at = std::find(plan.steers_deg.begin(), plan.steers_deg.end(), a);
    if (at == plan.steers_deg.end()) {
      plan.steers_deg.push_back(a), plan.transmits_per_steer.push_back(0);
      at = plan.steers_deg.end() - 1;
    }
    plan.steer_of[t] = static_cast<uint32_t>(at - plan.steers_deg.begin());
    ++plan.transmits_per_steer[plan.steer_of[t]];
    const int group = s.transmit_group.empty() ? 0 : s.transmit_group[t];
    if (group < 0 || static_cast<size_t>(group) >= T)
      throw std::invalid_argument("transmit_group: " + std::to_string(group) +
                                  " is not a group number 0.." + std::to_string(T - 1));
    plan.group_of[t] = static_cast<uint32_t>(group);
    if (plan.transmits_per_group.size() <= static_cast<size_t>(group))
      plan.transmits_per_group.resize(group + 1, 0);
    ++plan.transmits_per_group[group];
  }
  if (plan.steers_deg.empty()) plan.steers_deg.push_back(0), plan.transmits_per_steer.push_back(0);
  plan.by_group = s.group_compounding != Settings::GroupCompounding::coherent &&
                  plan.transmits_per_group.size() > 1;
  const size_t G = plan.transmits_per_group.size();
  // One value per group, or none.
  for (const auto& [name, values] : {std::pair{"group_gain_db", &s.group_gain_db},
                                     std::pair{"group_cf_exponent", &s.group_cf_exponent}})
    if (!values->empty() && values->size() != G)
      throw std::invalid_argument(std::string(name) + " has " + std::to_string(values->size()) +
                                  " values but transmit_group makes " + std::to_string(G) +
                                  " groups (one value per group, or [])");
  for (size_t g = 0; g < G; ++g) {
    const double p = s.group_cf_exponent.empty() ? 0.0 : s.group_cf_exponent[g];
    if (!(p >= 0 && p <= 10))
      throw std::invalid_argument("group_cf_exponent: " + std::to_string(p) + " is outside 0..10");
    plan.group_cf.push_back(static_cast<float>(p));
    plan.coherence_by_group = plan.coherence_by_group || (plan.by_group && p > 0);
  }
  plan.transmits_per_steer_group.assign(plan.steers_deg.size() * G, 0);
  for (size_t t = 0; t < T; ++t)
    ++plan.transmits_per_steer_group[plan.steer_of[t] * G + plan.group_of[t]];
  for (size_t g = 0; g < G; ++g) {
    const double gain_db = s.group_gain_db.empty() ? 0.0 : s.group_gain_db[g];
    plan.group_scale.push_back(static_cast<float>(
        std::pow(10.0, gain_db / 20) / std::max<uint32_t>(plan.transmits_per_group[g], 1)));
  }
  return plan;
}

}  // namespace

void Beamformer::beamform(const Baseband& bb, const Geometry& g, const Grid& grid,
                          const Settings& s, std::complex<float>* out, const IncoherentSums* sums) {
  const size_t T = g.transmits.size(), E = g.channels();
  const TransmitPlan plan = plan_transmits(s, T);
  if (sums && plan.coherence_by_group)
    throw std::invalid_argument(
        "group_cf_exponent: per-group coherence weighting and coherence sums for the whole "
        "compound exclude each other");
  // Incoherent sums (weight, energy): for the caller's coherence factor over the whole
  // compound, or one plane per group for the groups' own coherence weighting.
  const bool with_energy = sums != nullptr || plan.coherence_by_group;
  const size_t energy_planes = plan.coherence_by_group ? plan.transmits_per_group.size() : 1;
  if (!(s.rx_acceptance_deg > 0))
    throw std::invalid_argument("rx_acceptance_deg must be > 0 deg (90 = no limit)");
  std::vector<ReceiveBeam> beams;
  for (double a : plan.steers_deg) {
    ReceiveBeam b;
    if (a != 0) b.cos_steer = std::cos(a * M_PI / 180), b.sin_steer = std::sin(a * M_PI / 180);
    if (s.rx_acceptance_deg < 90) {
      b.accept_limited = true;
      b.cos_accept = std::cos(s.rx_acceptance_deg * M_PI / 180);
      b.sin_accept = std::sin(s.rx_acceptance_deg * M_PI / 180);
    }
    beams.push_back(b);
  }
  const double samples_per_mm = g.sampling_rate_hz / g.sound_speed_mm_per_s;
  const double offset = -g.start_time_s * g.sampling_rate_hz + Baseband::kGuard;
  const float taper_start =
      s.apodization == Apodization::tukey ? static_cast<float>(1 - s.tukey_alpha) : 0.f;
  const Constants k{static_cast<float>(samples_per_mm),
                    static_cast<float>(g.center_frequency_hz / g.sound_speed_mm_per_s),
                    static_cast<float>(2 * s.f_number),
                    s.apodization,
                    taper_start,
                    1.f / std::max(1.f - taper_start, 1e-6f)};
  std::vector<Element> elements(E);
  for (size_t e = 0; e < E; ++e)
    elements[e] = {g.element_x_mm[e], g.element_z_mm[e], std::sin(g.element_normal_rad[e]),
                   std::cos(g.element_normal_rad[e])};
  std::vector<Wave> waves;
  for (const auto& tr : g.transmits) {
    const double a = tr.angle_deg * M_PI / 180, v = tr.virtual_source_z_mm;
    waves.push_back({static_cast<float>(std::sin(a)), static_cast<float>(std::cos(a)),
                     static_cast<float>(v * std::sin(a)), static_cast<float>(v * std::cos(a)),
                     static_cast<float>(std::abs(v)), static_cast<float>(offset), v == 0});
  }
  const float last_index = static_cast<float>(bb.stride - 2);
  static const bool has_avx512 = cpu_has_avx512(), has_avx2 = cpu_has_avx2();
  using Kernel = Settings::Kernel;
  void (*permute_kernel)(const TileRun&) = nullptr;  // null: the portable loop
  if (s.kernel == Kernel::fastest && has_avx512)
    permute_kernel = accumulate_avx512;
  else if (s.kernel != Kernel::portable && has_avx2)
    permute_kernel = accumulate_avx2;
  auto& scratch = workspace_->scratch;

  // The receive tables are rebuilt when anything they depend on changes.
  std::vector<double> key{double(grid.polar),    double(grid.columns), double(grid.rows),
                          grid.column_origin,    grid.column_step,     grid.row_origin_mm,
                          grid.row_step_mm,      grid.apex_z_mm,       s.f_number,
                          double(s.apodization), s.tukey_alpha,        samples_per_mm,
                          g.center_frequency_hz, double(with_energy)};
  for (const Element& el : elements) key.insert(key.end(), {el.x_mm, el.z_mm, el.sin_normal});
  if (s.rx_acceptance_deg < 90) key.push_back(s.rx_acceptance_deg);
  if (plan.steers_deg.size() > 1 || plan.steers_deg[0] != 0) {
    key.push_back(-1000);  // marks the steering angles that follow
    key.insert(key.end(), plan.steers_deg.begin(), plan.steers_deg.end());
  }
  const uint32_t column_tiles = (grid.columns + kColumnTile - 1) / kColumnTile;
  const uint32_t row_bands = (grid.rows + kRowBand - 1) / kRowBand;
  const size_t tiles = size_t{column_tiles} * row_bands;
  if (key != workspace_->key) {
    workspace_->key = std::move(key);
    workspace_->tables.assign(tiles * beams.size(), TileReceive{});
  }
  const size_t G = plan.transmits_per_group.size();

  auto tile = [&](uint32_t band, uint32_t column_tile) {
    const uint32_t r0 = band * kRowBand, nr = std::min(grid.rows - r0, kRowBand);
    const uint32_t c0 = column_tile * kColumnTile, nc = std::min(grid.columns - c0, kColumnTile);
    const size_t plane = size_t{nc} * nr;
    Scratch& m = scratch.local();
    const size_t tile_index = size_t{band} * column_tiles + column_tile;
    m.px.resize(plane), m.pz.resize(plane), m.tx.resize(T * plane);
    m.acc_re.assign(T * plane, 0.f), m.acc_im.assign(T * plane, 0.f);
    if (with_energy)
      m.weight.assign(energy_planes * plane, 0.f), m.energy.assign(energy_planes * plane, 0.f);
    // Pixel positions and transmit delays (samples, with the time origin folded in).
    for (uint32_t c = 0; c < nc; ++c) {
      float* px = m.px.data() + c * nr;
      float* pz = m.pz.data() + c * nr;
      for (uint32_t r = 0; r < nr; ++r) {
        double x, z;
        grid.pixel_mm(c0 + c, r0 + r, x, z);
        px[r] = static_cast<float>(x);
        pz[r] = static_cast<float>(z);
      }
      for (size_t t = 0; t < T; ++t)
        transmit_delays(px, pz, waves[t], k, m.tx.data() + t * plane + c * nr, nr);
    }
    for (size_t b = 0; b < beams.size(); ++b) {
      TileReceive& tr = workspace_->tables[b * tiles + tile_index];
      if (tr.first.empty())
        build_receive(grid, r0, nr, c0, nc, elements, s.f_number, beams[b], k, with_energy, m.px,
                      m.pz, tr);
    }
    for (size_t e = 0; e < E; ++e) {
      // Every transmit of one receive steering sees this element with the same weight
      // (per group when the groups' views are coherence weighted).
      if (with_energy)
        for (size_t b = 0; b < beams.size(); ++b)
          for (size_t gi = 0; gi < energy_planes; ++gi) {
            const TileReceive& tr = workspace_->tables[b * tiles + tile_index];
            const int* first = tr.first.data() + e * nc;
            const int* count = tr.count.data() + e * nc;
            const uint32_t* at = tr.at.data() + e * nc;
            const float n = static_cast<float>(plan.coherence_by_group
                                                   ? plan.transmits_per_steer_group[b * G + gi]
                                                   : plan.transmits_per_steer[b]);
            if (n == 0) continue;
            float* weight = m.weight.data() + gi * plane;
            for (uint32_t c = 0; c < nc; ++c)
              for (int r = 0; r < count[c]; ++r)
                weight[c * nr + first[c] + r] += n * tr.wa[at[c] + r];
          }
      // Transmit by transmit over the columns: one transmit's sample window of this
      // element stays in L1 for all the columns of the tile. (Transmits inside the depth
      // loop, to load the receive terms once, measured slower: 11 windows miss L1.)
      for (size_t t = 0; t < T; ++t) {
        const TileReceive& tr = workspace_->tables[plan.steer_of[t] * tiles + tile_index];
        const int* first = tr.first.data() + e * nc;
        const int* count = tr.count.data() + e * nc;
        const uint32_t* at = tr.at.data() + e * nc;
        const size_t row = t * E + e, tp = t * plane;
        const size_t energy_at = plan.coherence_by_group ? plan.group_of[t] * plane : 0;
        const TileRun run{m.tx.data() + tp,
                          tr.rx.data(),
                          tr.wr.data(),
                          tr.wi.data(),
                          with_energy ? tr.wa.data() : nullptr,
                          bb.re_row(row),
                          bb.im_row(row),
                          m.acc_re.data() + tp,
                          m.acc_im.data() + tp,
                          with_energy ? m.energy.data() + energy_at : nullptr,
                          first,
                          count,
                          at,
                          static_cast<int>(nc),
                          static_cast<int>(nr),
                          last_index};
        if (permute_kernel) {
          permute_kernel(run);
          continue;
        }
        for (uint32_t c = 0; c < nc; ++c) {
          if (count[c] == 0) continue;
          const size_t p = c * nr + first[c];
          if (with_energy)
            accumulate_energy(run.tx + p, run.rx + at[c], run.wr + at[c], run.wi + at[c],
                              run.wa + at[c], run.re, run.im, run.acc_re + p, run.acc_im + p,
                              run.energy + p, count[c], last_index);
          else
            accumulate(run.tx + p, run.rx + at[c], run.wr + at[c], run.wi + at[c], run.re, run.im,
                       run.acc_re + p, run.acc_im + p, count[c], last_index);
        }
      }
    }
    // Compounding: each transmit's sum rotated by its own carrier phase, then brought to
    // baseband against the two-way depth time 2 z / c.
    for (uint32_t c = 0; c < nc; ++c) {
      m.sum_re.resize(nr), m.sum_im.resize(nr);
      float* sum_re = m.sum_re.data();
      float* sum_im = m.sum_im.data();
      std::fill(sum_re, sum_re + nr, 0.f);
      std::fill(sum_im, sum_im + nr, 0.f);
      if (!plan.by_group) {
        for (size_t t = 0; t < T; ++t) {
          const size_t p = t * plane + c * nr;
          compound(m.tx.data() + p, m.pz.data() + c * nr, m.acc_re.data() + p, m.acc_im.data() + p,
                   waves[t].offset, k, sum_re, sum_im, static_cast<int>(nr));
        }
      } else {
        // Each group compounded on its own, then their envelopes combined; the phase is
        // that of the coherent sum of all groups.
        m.group_re.assign(G * nr, 0.f), m.group_im.assign(G * nr, 0.f);
        for (size_t t = 0; t < T; ++t) {
          const size_t p = t * plane + c * nr, q = size_t{plan.group_of[t]} * nr;
          compound(m.tx.data() + p, m.pz.data() + c * nr, m.acc_re.data() + p, m.acc_im.data() + p,
                   waves[t].offset, k, m.group_re.data() + q, m.group_im.data() + q,
                   static_cast<int>(nr));
        }
        size_t used = 0;
        for (size_t gi = 0; gi < G; ++gi) used += plan.transmits_per_group[gi] > 0;
        const bool max = s.group_compounding == Settings::GroupCompounding::envelope_max;
        for (uint32_t r = 0; r < nr; ++r) {
          float envelope = 0, total_re = 0, total_im = 0;
          for (size_t gi = 0; gi < G; ++gi) {
            if (plan.transmits_per_group[gi] == 0) continue;
            const float gr = m.group_re[gi * nr + r], gim = m.group_im[gi * nr + r];
            total_re += gr, total_im += gim;
            float view = std::hypot(gr, gim) * plan.group_scale[gi];
            if (plan.group_cf[gi] > 0) {
              const size_t q = gi * plane + c * nr + r;
              const float cf = coherence_factor(double{gr} * gr + double{gim} * gim,
                                                m.weight[q], m.energy[q]);
              view *= coherence_gain(cf, plan.group_cf[gi]);
            }
            envelope = max ? std::max(envelope, view) : envelope + view;
          }
          if (!max) envelope /= static_cast<float>(used);
          envelope *= static_cast<float>(T);
          const float total = std::hypot(total_re, total_im);
          if (total > 0)
            sum_re[r] = envelope * total_re / total, sum_im[r] = envelope * total_im / total;
          else
            sum_re[r] = envelope, sum_im[r] = 0;
        }
      }
      for (uint32_t r = 0; r < nr; ++r)
        out[size_t{r0 + r} * grid.columns + c0 + c] = {sum_re[r], sum_im[r]};
      if (sums)
        for (uint32_t r = 0; r < nr; ++r) {
          const size_t at = size_t{r0 + r} * grid.columns + c0 + c;
          sums->weight[at] = m.weight[c * nr + r];
          sums->energy[at] = m.energy[c * nr + r];
        }
    }
  };
  // Depth band after depth band, the threads sharing a band's column tiles: a band reads
  // only a slice of every baseband row (its delays), so the slices of all rows stay in L3
  // while every column tile of the band reuses them.
  for (uint32_t band = 0; band < row_bands; ++band)
    tbb::parallel_for(
        tbb::blocked_range<uint32_t>(0, column_tiles, 1),
        [&](const tbb::blocked_range<uint32_t>& tiles) {
          for (uint32_t i = tiles.begin(); i != tiles.end(); ++i) tile(band, i);
        },
        tbb::simple_partitioner());
}

}  // namespace sonoflow::das
