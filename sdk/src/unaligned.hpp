// Reading 8-byte values out of a received FlatBuffers buffer.
//
// The FlatBuffers verifier (2.0.8, Debian 12) checks the alignment of table fields and of a
// vector's 4-byte length, never of the vector's elements: in a hostile or damaged buffer a
// [double] or a vector of structs holding doubles or 64-bit integers may sit on a 4-byte
// boundary, and reading it in place is undefined behaviour (UBSan, found twice by
// fuzz_recording_reader). Such values are copied out with memcpy, never dereferenced.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>

#include <flatbuffers/flatbuffers.h>

namespace sonoflow::detail {

template <class T>
T copy_of(const T* p) {
  T v;
  std::memcpy(static_cast<void*>(&v), static_cast<const void*>(p), sizeof v);
  return v;
}

// False when the vector is missing or not exactly N long.
template <size_t N>
bool copy_array(const flatbuffers::Vector<double>* from, std::array<double, N>& to) {
  if (!from || from->size() != N) return false;
  std::memcpy(to.data(), from->Data(), N * sizeof(double));
  return true;
}

}  // namespace sonoflow::detail
