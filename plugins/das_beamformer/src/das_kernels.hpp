// The depth loops of the beamformer (internal to das_core): one element's contribution, for one
// transmit, to the pixels of a tile inside its aperture. das_kernel.cpp
// calls them; das_avx512.cpp and das_avx2.cpp hold the permute kernels, chosen at run time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sonoflow::das {

// One element, one transmit, the columns of a tile: acc += w phasor iq(tx + rx) for the
// rows [first[c], first[c] + count[c]) of every column c (the element's aperture), iq
// linearly interpolated on the element's baseband row (re, im). tx (transmit delay,
// samples), acc_re/acc_im and energy are [column][row] with `column_stride` rows per
// column; the receive terms are compact, column c's from index receive_at[c] on: rx the
// receive delay (samples), wr + j wi = apodization x carrier phasor, wa the bare
// apodization (only for the coherence sums: energy += wa |iq|^2 when energy is set).
// One call covers the whole tile, so call overhead is paid per (element, transmit), not
// per column.
struct TileRun {
  const float *tx, *rx, *wr, *wi, *wa;
  const float *re, *im;
  float *acc_re, *acc_im;
  float* energy;
  const int *first, *count;
  const uint32_t* receive_at;  // per column: index of its first row in rx, wr, wi, wa
  int columns, column_stride;
  float last_index;  // largest valid interpolation index (the row's second-last sample)
};

bool cpu_has_avx512();
// Picks the samples of 16 pixels from a 64-sample window by register permutes; fills the
// energy too when run.energy is set.
void accumulate_avx512(const TileRun& run);

bool cpu_has_avx2();  // and FMA
// The same with 8 pixels from a 32-sample window (das_avx2.cpp).
void accumulate_avx2(const TileRun& run);

}  // namespace sonoflow::das
