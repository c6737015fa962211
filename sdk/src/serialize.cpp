#include "sonoflow/serialize.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "sonoflow/frames.hpp"
#include "sonoflow/schemas/frames_generated.h"
#include "unaligned.hpp"

namespace sonoflow {
namespace {

namespace fb = sonoflow::fb;
using detail::copy_array;
using detail::copy_of;

flatbuffers::Offset<fb::ProbeGeometry> write_probe(flatbuffers::FlatBufferBuilder& b,
                                                   const ProbeGeometry& p) {
  std::vector<fb::Vec3> positions;
  positions.reserve(p.element_positions_mm.size());
  for (auto& e : p.element_positions_mm) positions.emplace_back(e[0], e[1], e[2]);
  return fb::CreateProbeGeometry(b, b.CreateString(p.model), b.CreateVectorOfStructs(positions),
                                 b.CreateVector(p.element_normal_angles_rad), p.element_width_mm,
                                 p.center_frequency_hz, p.fractional_bandwidth, p.radius_mm);
}

flatbuffers::Offset<fb::SectorGeometry> write_sector(flatbuffers::FlatBufferBuilder& b,
                                                     const SectorGeometry* s) {
  if (!s) return 0;
  return fb::CreateSectorGeometry(b, s->apex_z_mm, s->start_angle_rad, s->end_angle_rad,
                                  s->start_radius_mm, s->end_radius_mm);
}

fb::Vec2d vec2(const PointMm& p) { return {p[0], p[1]}; }
PointMm point(const fb::Vec2d* v) {
  if (!v) return {0, 0};
  const fb::Vec2d c = copy_of(v);
  return {c.x(), c.z()};
}

flatbuffers::Offset<fb::ImageFrame> write_raster(flatbuffers::FlatBufferBuilder& b,
                                                 const Raster& im) {
  auto sector = write_sector(b, im.sector.get());
  return fb::CreateImageFrame(b, im.width, im.height, im.channels, b.CreateVector(im.pixels),
                              b.CreateVector(im.origin_mm.data(), 2),
                              b.CreateVector(im.spacing_mm.data(), 2),
                              b.CreateVector(im.image_to_probe.data(), 16), sector);
}

flatbuffers::Offset<fb::NeedleFrame> write_needle(flatbuffers::FlatBufferBuilder& b,
                                                  const NeedleFrame& n) {
  std::vector<fb::Vec2d> outline;
  outline.reserve(n.injectate_outline_mm.size());
  for (auto& p : n.injectate_outline_mm) outline.push_back(vec2(p));
  auto outline_offset = b.CreateVectorOfStructs(outline);
  auto warnings = b.CreateVectorOfStrings(n.warnings);
  const auto start = vec2(n.shaft_start_mm), tip = vec2(n.tip_mm),
             end = vec2(n.trajectory_end_mm), target = vec2(n.target_mm),
             fluid_min = vec2(n.injectate_min_mm), fluid_max = vec2(n.injectate_max_mm);
  return fb::CreateNeedleFrame(b, n.detected, n.measured, n.confidence, &start, &tip, n.angle_deg,
                               static_cast<int8_t>(n.insertion_side), &end, n.has_target, &target,
                               n.tip_to_target_mm, n.predicted_miss_mm, n.out_of_plane_warning,
                               n.injectate_monitored, n.injectate_present, n.injectate_area_mm2,
                               &fluid_min, &fluid_max, outline_offset, n.injectate_contained,
                               n.leak_alert, warnings);
}

flatbuffers::Offset<void> write_payload(flatbuffers::FlatBufferBuilder& b, const Frame& frame,
                                        fb::Payload* type) {
  if (auto* rf = dynamic_cast<const RfFrame*>(&frame)) {
    *type = fb::Payload::RfFrame;
    std::vector<fb::Transmit> transmits;
    for (auto& t : rf->transmits) transmits.emplace_back(t.angle_deg, t.virtual_source_z_mm);
    auto probe = rf->probe ? write_probe(b, *rf->probe) : 0;
    return fb::CreateRfFrame(
               b, probe, b.CreateVectorOfStructs(transmits), rf->channel_count, rf->sample_count,
               rf->format == SampleFormat::int16 ? fb::SampleFormat::Int16 : fb::SampleFormat::Float32,
               b.CreateVector(rf->samples_int16), b.CreateVector(rf->samples_float32),
               rf->sampling_rate_hz, rf->sound_speed_m_per_s, rf->start_time_s)
        .Union();
  }
  if (auto* im = dynamic_cast<const ImageFrame*>(&frame)) {
    *type = fb::Payload::ImageFrame;
    return write_raster(b, *im).Union();
  }
  if (auto* ov = dynamic_cast<const OverlayFrame*>(&frame)) {
    *type = fb::Payload::OverlayFrame;
    return fb::CreateOverlayFrame(b, write_raster(b, *ov)).Union();
  }
  if (auto* n = dynamic_cast<const NeedleFrame*>(&frame)) {
    *type = fb::Payload::NeedleFrame;
    return write_needle(b, *n).Union();
  }
  if (auto* iq = dynamic_cast<const IqFrame*>(&frame)) {
    *type = fb::Payload::IqFrame;
    std::vector<fb::Complex> samples;
    samples.reserve(iq->samples.size());
    for (auto& v : iq->samples) samples.emplace_back(v.real(), v.imag());
    auto sector = write_sector(b, iq->sector.get());
    auto probe = iq->probe ? write_probe(b, *iq->probe) : 0;
    return fb::CreateIqFrame(b, iq->width, iq->height, b.CreateVectorOfStructs(samples),
                             b.CreateVector(iq->origin_mm.data(), 2),
                             b.CreateVector(iq->spacing_mm.data(), 2), sector,
                             iq->demodulation_hz, probe)
        .Union();
  }
  if (auto* blob = dynamic_cast<const BlobFrame*>(&frame)) {
    *type = fb::Payload::BlobFrame;
    return fb::CreateBlobFrame(b, b.CreateString(blob->tag), b.CreateVector(blob->bytes)).Union();
  }
  throw std::invalid_argument("frame type '" + std::string(frame.port_type()) +
                              "' has no serialized form");
}

template <class T, class V>
void copy_vector(const flatbuffers::Vector<V>* from, T& to) {
  if (from) to.assign(from->begin(), from->end());
}

std::shared_ptr<const ProbeGeometry> read_probe(const fb::ProbeGeometry* p) {
  if (!p) return nullptr;
  auto probe = std::make_shared<ProbeGeometry>();
  if (p->model()) probe->model = p->model()->str();
  if (auto* pos = p->element_positions_mm())
    for (auto* e : *pos) probe->element_positions_mm.push_back({e->x(), e->y(), e->z()});
  copy_vector(p->element_normal_angles_rad(), probe->element_normal_angles_rad);
  probe->element_width_mm = p->element_width_mm();
  probe->center_frequency_hz = p->center_frequency_hz();
  probe->fractional_bandwidth = p->fractional_bandwidth();
  probe->radius_mm = p->radius_mm();
  return probe;
}

std::shared_ptr<const SectorGeometry> read_sector(const fb::SectorGeometry* s) {
  if (!s) return nullptr;
  return std::make_shared<SectorGeometry>(SectorGeometry{s->apex_z_mm(), s->start_angle_rad(),
                                                         s->end_angle_rad(), s->start_radius_mm(),
                                                         s->end_radius_mm()});
}

std::shared_ptr<Frame> read_iq(const fb::IqFrame& in, std::string* error) {
  auto iq = std::make_shared<IqFrame>();
  iq->width = in.width();
  iq->height = in.height();
  if (auto* v = in.samples())
    for (auto* c : *v) iq->samples.emplace_back(c->re(), c->im());
  if (!copy_array(in.origin_mm(), iq->origin_mm) || !copy_array(in.spacing_mm(), iq->spacing_mm)) {
    *error = "iq frame geometry is incomplete";
    return nullptr;
  }
  iq->sector = read_sector(in.sector());
  iq->demodulation_hz = in.demodulation_hz();
  iq->probe = read_probe(in.probe());
  return iq;
}

std::shared_ptr<Frame> read_rf(const fb::RfFrame& in) {
  auto rf = std::make_shared<RfFrame>();
  rf->probe = read_probe(in.probe());
  if (auto* t = in.transmits())
    for (auto* e : *t) rf->transmits.push_back({e->angle_deg(), e->virtual_source_z_mm()});
  rf->channel_count = in.channel_count();
  rf->sample_count = in.sample_count();
  rf->format = in.format() == fb::SampleFormat::Int16 ? SampleFormat::int16 : SampleFormat::float32;
  copy_vector(in.samples_int16(), rf->samples_int16);
  copy_vector(in.samples_float32(), rf->samples_float32);
  rf->sampling_rate_hz = in.sampling_rate_hz();
  rf->sound_speed_m_per_s = in.sound_speed_m_per_s();
  rf->start_time_s = in.start_time_s();
  return rf;
}

template <class T>
std::shared_ptr<Frame> read_raster(const fb::ImageFrame* in, std::string* error) {
  if (!in) {
    *error = "overlay frame has no raster";
    return nullptr;
  }
  auto im = std::make_shared<T>();
  im->width = in->width();
  im->height = in->height();
  im->channels = in->channels();
  copy_vector(in->pixels(), im->pixels);
  if (!copy_array(in->origin_mm(), im->origin_mm) || !copy_array(in->spacing_mm(), im->spacing_mm) ||
      !copy_array(in->image_to_probe(), im->image_to_probe)) {
    *error = "image frame geometry is incomplete";
    return nullptr;
  }
  im->sector = read_sector(in->sector());
  return im;
}

std::shared_ptr<Frame> read_needle(const fb::NeedleFrame& in) {
  auto n = std::make_shared<NeedleFrame>();
  n->detected = in.detected();
  n->measured = in.measured();
  n->confidence = in.confidence();
  n->shaft_start_mm = point(in.shaft_start_mm());
  n->tip_mm = point(in.tip_mm());
  n->angle_deg = in.angle_deg();
  n->insertion_side = in.insertion_side();
  n->trajectory_end_mm = point(in.trajectory_end_mm());
  n->has_target = in.has_target();
  n->target_mm = point(in.target_mm());
  n->tip_to_target_mm = in.tip_to_target_mm();
  n->predicted_miss_mm = in.predicted_miss_mm();
  n->out_of_plane_warning = in.out_of_plane_warning();
  n->injectate_monitored = in.injectate_monitored();
  n->injectate_present = in.injectate_present();
  n->injectate_area_mm2 = in.injectate_area_mm2();
  n->injectate_min_mm = point(in.injectate_min_mm());
  n->injectate_max_mm = point(in.injectate_max_mm());
  if (auto* v = in.injectate_outline_mm())
    for (auto* p : *v) n->injectate_outline_mm.push_back(point(p));
  n->injectate_contained = in.injectate_contained();
  n->leak_alert = in.leak_alert();
  if (auto* v = in.warnings())
    for (auto* w : *v) n->warnings.push_back(w->str());
  return n;
}

std::shared_ptr<const Truth> read_truth(const fb::NeedleTruth& in) {
  auto t = std::make_shared<NeedleTruth>();
  t->needle_present = in.needle_present();
  if (auto* v = in.tip_mm()) {
    const fb::Vec3d c = copy_of(v);
    t->tip_mm = {c.x(), c.y(), c.z()};
  }
  if (auto* v = in.entry_mm()) {
    const fb::Vec3d c = copy_of(v);
    t->entry_mm = {c.x(), c.y(), c.z()};
  }
  t->shaft_angle_deg = in.shaft_angle_deg();
  t->in_plane_offset_mm = in.in_plane_offset_mm();
  if (auto* v = in.target_mm()) t->target_mm = point(v);
  t->injecting = in.injecting();
  t->injected_volume_ul = in.injected_volume_ul();
  if (auto* v = in.fluid_center_mm()) t->fluid_center_mm = point(v);
  t->fluid_radius_mm = in.fluid_radius_mm();
  return t;
}

}  // namespace

std::vector<uint8_t> serialize(const Frame& frame) {
  flatbuffers::FlatBufferBuilder b(1024);
  fb::Payload type = fb::Payload::NONE;
  auto payload = write_payload(b, frame, &type);
  const auto& h = frame.header;
  fb::FrameHeader header(h.sequence, h.source_id, h.acquisition_ns, h.utc_ns);
  flatbuffers::Offset<fb::NeedleTruth> truth = 0;
  if (auto* t = dynamic_cast<const NeedleTruth*>(frame.truth.get())) {
    const fb::Vec3d tip(t->tip_mm[0], t->tip_mm[1], t->tip_mm[2]);
    const fb::Vec3d entry(t->entry_mm[0], t->entry_mm[1], t->entry_mm[2]);
    const fb::Vec2d target(t->target_mm[0], t->target_mm[1]);
    const fb::Vec2d fluid(t->fluid_center_mm[0], t->fluid_center_mm[1]);
    truth = fb::CreateNeedleTruth(b, t->needle_present, &tip, &entry, t->shaft_angle_deg,
                                  t->in_plane_offset_mm, &target, t->injecting,
                                  t->injected_volume_ul, &fluid, t->fluid_radius_mm);
  }
  b.Finish(fb::CreateFrame(b, &header, type, payload, truth));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

FramePtr deserialize(std::span<const uint8_t> bytes, std::string* error) {
  // FlatBuffers reads scalars in place, assuming an aligned buffer; bytes at any address
  // (a slice of a network packet, say) are copied to aligned memory first.
  std::vector<uint8_t> aligned;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(std::max_align_t) != 0) {
    aligned.assign(bytes.begin(), bytes.end());
    bytes = aligned;
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyFrameBuffer(verifier)) {
    *error = "frame fails FlatBuffers verification (corrupt or truncated)";
    return nullptr;
  }
  const fb::Frame* in = fb::GetFrame(bytes.data());
  // The verifier accepts a union whose type is set but whose table is absent.
  if (!in->payload()) {
    *error = "frame has no payload";
    return nullptr;
  }
  std::shared_ptr<Frame> out;
  switch (in->payload_type()) {
    case fb::Payload::RfFrame: out = read_rf(*in->payload_as_RfFrame()); break;
    case fb::Payload::ImageFrame:
      out = read_raster<ImageFrame>(in->payload_as_ImageFrame(), error);
      break;
    case fb::Payload::OverlayFrame:
      out = read_raster<OverlayFrame>(in->payload_as_OverlayFrame()->raster(), error);
      break;
    case fb::Payload::NeedleFrame: out = read_needle(*in->payload_as_NeedleFrame()); break;
    case fb::Payload::IqFrame: out = read_iq(*in->payload_as_IqFrame(), error); break;
    case fb::Payload::BlobFrame: {
      auto blob = std::make_shared<BlobFrame>();
      auto* b = in->payload_as_BlobFrame();
      if (b->tag()) blob->tag = b->tag()->str();
      copy_vector(b->bytes(), blob->bytes);
      out = blob;
      break;
    }
    default: *error = "frame has no payload"; return nullptr;
  }
  if (out && in->header())
    out->header = {in->header()->sequence(), in->header()->source_id(),
                   in->header()->acquisition_ns(), in->header()->utc_ns()};
  if (out && in->truth()) out->truth = read_truth(*in->truth());
  return out;
}

}  // namespace sonoflow
