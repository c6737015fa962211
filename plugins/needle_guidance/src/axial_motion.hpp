// How far the needle moved along its own axis over the last frames, read from the shaft's
// echo pattern. A shaft's echo is not uniform along it (surface roughness, the bevel,
// markings of an echogenic needle, its end), and that pattern is fixed to the needle: as
// the needle is pushed or withdrawn, the pattern slides along the line by the same
// distance, while the tissue around it stays. Cross-correlating the brightness along the
// shaft in two frames measures that slide, whether or not the tip's own echo is bright
// enough to be found.
//
// Two uses: the tracker takes the slide since the previous frame as the tip's speed, and
// with it tells a tip that fell dim (the needle kept moving, or stopped) from one that was
// withdrawn; and a shaft that slides along itself while the tissue beside it stays still
// is a needle being moved, which no static tissue line can be, so it counts as a needle
// on weaker static evidence (guidance.cpp).
#pragma once

#include <array>
#include <optional>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

// The last few frames' smoothed images (tip_search's smooth_for_profile) and geometry.
class RecentFrames {
 public:
  static constexpr int kFrames = 8;

  RecentFrames() = default;
  // A copy starts empty: the kept images are buffers this object hands back and reuses,
  // which a shallow copy of their cv::Mat headers would share.
  RecentFrames(const RecentFrames&) {}
  RecentFrames& operator=(const RecentFrames&) {
    *this = RecentFrames();
    return *this;
  }
  RecentFrames(RecentFrames&&) = default;
  RecentFrames& operator=(RecentFrames&&) = default;

  // Keeps `w`'s geometry and dead mask and takes `smooth` (swapped: the caller's Mat gets
  // the oldest kept buffer back, to be overwritten next frame).
  void keep(const WorkImage& w, cv::Mat& smooth);
  // How many frames are kept (0 before the first): without one, nothing can slide.
  int frames() const { return count_; }

  // The shaft of `m` (measured on `w`, `smooth`) moved this far along m.line.dir since the
  // frame `frames_back` before (1: the previous one), mm (+: towards the tip). nullopt
  // without that frame, when the shaft is too short to carry a pattern, or when no shift
  // matches well (the pattern changed: the probe moved, another structure): a wrong speed
  // is worse than none.
  std::optional<double> axial_shift_mm(const WorkImage& w, const cv::Mat& smooth,
                                       const Measurement& m, int frames_back = 1) const;

  // Whether the shaft of `m` slid along itself by at least kSlideMm while the tissue beside
  // it stayed still (on each side, over the part of it that is imaged), judged against the
  // frames 1, 2, 4 and 8 back (the first that shows such a slide: a slow insertion moves
  // little per frame). When the probe slides, the tissue slides with the shaft, and nothing
  // counts.
  bool slides(const WorkImage& w, const cv::Mat& smooth, const Measurement& m) const;

  // Where m's tip is, mm along m.line, when the tip search placed it on still tissue ahead
  // of the needle: more than kAheadMm beyond the point where the needle's slide ends. There
  // the image matches an older frame displaced by the slide (the needle moved) before the
  // point and that frame in place (still tissue) after it; the tip is where the echo that
  // arrived since falls to half the arrived stretch's amplitude, as tip_search places it.
  // nullopt otherwise: the tip agrees, the needle does not advance, or the tissue moves.
  std::optional<double> tip_behind_still_tissue_mm(const WorkImage& w, const cv::Mat& smooth,
                                                   const Measurement& m,
                                                   double dynamic_range_db) const;

 private:
  struct Kept {
    WorkImage w;  // geometry; w.grey is a header on `smooth` (same size) for imaged()
    cv::Mat smooth, dead;
  };
  const Kept* back(int frames_back) const;
  std::optional<double> best_shift_mm(const Kept& k, const WorkImage& w, const cv::Mat& smooth,
                                      const Line& line, double from_s, double to_s) const;
  // The first of the frames 1, 2, 4, 8 back against which [from_s, to_s] of `line` moved by
  // at least min_shift_mm while the tissue beside it stayed: that frame and the shift.
  struct Slide {
    const Kept* frame;
    double shift_mm;
  };
  std::optional<Slide> slide(const WorkImage& w, const cv::Mat& smooth, const Line& line,
                             double from_s, double to_s, double min_shift_mm) const;

  std::array<Kept, kFrames> ring_;
  int newest_ = -1, count_ = 0;
};

}  // namespace sonoflow::needle
