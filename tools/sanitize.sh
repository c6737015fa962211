#!/usr/bin/env bash
# Sanitizer builds of SonoFlow and the test suites that run under each (GitHub issue #7).
#
#   tools/sanitize.sh            both stages: asan (ASan+UBSan) then tsan
#   tools/sanitize.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer only
#   tools/sanitize.sh tsan       ThreadSanitizer only
#
# Compiler: clang 14 (Debian 12), not the normal build's g++ 12. Both have ASan, UBSan and
# TSan, but on this code g++ -O2 -fsanitize=address,undefined compiled 8-10x slower than
# clang (params.cpp 352 s vs 43 s, device.cpp 244 s vs 23 s, same loaded machine), which
# alone would eat the CI budget; clang is also the compiler of the fuzz build (tools/fuzz.sh)
# and its sanitizers are the reference ones. Flags go in through CMAKE_*_FLAGS, so no
# CMakeLists.txt knows about them.
#
# Which suites run where (measured times: README, "Reliability"):
#  - asan: the whole test suite, every label but three: not `sdk` (it installs the SDK and
#    builds the out-of-tree example with the *normal* flags, which would not link against
#    an ASan libsonoflow), not `bench` (benchmarks are not built: timing under ASan means
#    nothing) and not `needle_accuracy` (30 runs of the simulated chain, ~4 CPU-minutes
#    in the normal build: many times that under ASan, and the chain's code is covered by
#    the `cli`, `needle` and `beamformer` tests).
#  - tsan: the suites that exercise the runtime's threads: `framework` (runtime, join,
#    stats, control), `cli` (pipelines run end to end, signals) and `faults` (throwing
#    nodes, backpressure, plugin scanning, recorder faults), built from the framework, the
#    CLI and the test plugins only. Not the tests that also carry `writer`, `viewer`, `igtl`
#    or `dds`: they run the OpenCV image plugins, the simulator and beamformer chain or
#    Cyclone DDS, outside the tsan build (ASan covers them; their threads are their own
#    servers', reached through the runtime that TSan does check). oneTBB is not
#    TSan-instrumented: see tools/sanitizers/tsan.supp and the annotation in
#    framework/src/runtime.cpp (tsan_release, BodyScope) for how and why.
#
# Environment: JOBS (default: number of cores); ASAN_LABELS / TSAN_LABELS (ctest -L regexes
# replacing the defaults above; asan default: none, i.e. every test); ASAN_EXCLUDE /
# TSAN_EXCLUDE (ctest -LE regexes, defaults as above); ASAN_SKIP / TSAN_SKIP (ctest -E
# regexes of test names; default none for asan, four for tsan, see tsan_skip);
# ASAN_TARGETS / TSAN_TARGETS (ninja targets, space-separated; asan default: all, tsan
# default: what its labels need);
# SANITIZE_CMAKE_ARGS (more cmake options, e.g. -DSONOFLOW_PLUGIN_WEB_VIEWER=OFF);
# SANITIZE_BUILD_PREFIX (default build: build-asan, build-tsan); ASAN_BUILD_DIR and
# ASAN_FLAGS (one ASan build for the tests and the fuzzers: ASAN_BUILD_DIR=build-fuzz
# ASAN_FLAGS="<the asan flags>,fuzzer-no-link", as tools/ci-extended.sh runs it). A quick
# local check of the core: ASAN_TARGETS="$(tools/sanitize.sh --core)" ASAN_LABELS=framework.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
stages=(asan tsan)
(($#)) && stages=("$@")
jobs="${JOBS:-$(nproc)}"
prefix="${SANITIZE_BUILD_PREFIX:-build}"
asan_labels="${ASAN_LABELS:-}"
tsan_labels="${TSAN_LABELS:-^(framework|cli|faults)$}"
# Four tests of those labels the tsan build cannot run as meant: the first runs the
# simulated probe (not built here); the others carry real-time assumptions that TSan's
# 5-15x slowdown breaks: a 20 ms latest sink must drop frames of a 200 Hz source within a
# second; a pass-through must take under 2 us (so only sampled frames are timed); a
# recorder killed after 1.5 s must have recorded more than 10 frames by then. No TSan report
# in any of them; ASan runs all four.
tsan_skip='config/record_rf.yaml|a slow latest sink drops|a sampled frame.s trace|a recorder killed mid-run'
# The framework, the CLI and the plugins the framework, validation, cli and recording tests
# load: a fraction of the tree (no beamformer, simulator or OpenCV code).
core_targets="sonoflow sonoflow_framework_tests test_nodes wrong_abi not_a_plugin duplicate_type \
bad_device recorder file_player sonoflow_recording_tests sonoflow_fault_tests"
if [[ "${1:-}" == --core ]]; then echo "$core_targets"; exit 0; fi
read -r -a extra_cmake_args <<<"${SANITIZE_CMAKE_ARGS:-}"
read -r -a asan_targets <<<"${ASAN_TARGETS:-}"
read -r -a tsan_targets <<<"${TSAN_TARGETS:-$core_targets}"

# The normal build's packages come from tools/setup.sh; these are what sanitizers add:
# clang and its compiler-rt (the sanitizer runtimes).
packages=(clang libclang-rt-14-dev)
source "$here/tools/lib/packages.sh"
install_missing_packages sanitize "${packages[@]}"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$here"

# halt_on_error: the first report fails the test that caused it, with a stack trace. Not
# abort_on_error: SIGABRT would run Catch2's signal handler, which allocates -- under TSan
# that deadlocked a test (seen here) instead of failing it; exiting with an error code
# (ASan/UBSan 1, TSan 66) fails it just as well.
supp="$here/tools/sanitizers"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=0:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=0:second_deadlock_stack=1:suppressions=$supp/tsan.supp"

# configure_build DIR FLAGS...: a RelWithDebInfo build with the sanitizer flags everywhere.
# C too (the dds plugin compiles idlc's generated C): left to gcc, the C compiler found
# -fsanitize in the linker flags, CMake added gcc's libasan/libubsan to every target mixing
# C and C++, and the first program to load dds.so died of "incompatible ASan runtimes".
configure_build() {
  local dir="$1" flags="$2"
  # Coverage instrumentation is for compiling only; links as tools/fuzz.sh links.
  local link="${flags/,fuzzer-no-link/}"
  link="${link/ -fno-sanitize-recover=undefined/}"
  link="${link/ -fno-omit-frame-pointer/}"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DSONOFLOW_BUILD_BENCHMARKS=OFF \
    "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_C_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=$link" \
    "-DCMAKE_SHARED_LINKER_FLAGS=$link" \
    "-DCMAKE_MODULE_LINKER_FLAGS=$link" "${extra_cmake_args[@]}" >/dev/null
}

# run_stage NAME DIR FLAGS LABELS EXCLUDE SKIP TARGETS...: configure, build, test (SKIP: a
# ctest -E regex of test names, or empty); prints how long each part took.
run_stage() {
  local name="$1" dir="$2" flags="$3" labels="$4" exclude="$5" skip="$6" t0 t1 t2 rc=0
  shift 6
  local select=()
  [[ -n "$labels" ]] && select+=(-L "$labels")
  [[ -n "$exclude" ]] && select+=(-LE "$exclude")
  [[ -n "$skip" ]] && select+=(-E "$skip")
  t0=$SECONDS
  echo "sanitize: [$name] configure and build $dir ($flags) ${*:-all targets}"
  # (set -e does not apply inside a function called with ||: check each step.)
  configure_build "$dir" "$flags" || { echo "sanitize: [$name] cmake failed" >&2; return 1; }
  nice -n 10 ninja -C "$dir" -j "$jobs" "$@" || { echo "sanitize: [$name] build failed" >&2; return 1; }
  t1=$SECONDS
  echo "sanitize: [$name] ctest ${select[*]}"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" --timeout 600 \
    "${select[@]}" || rc=$?
  t2=$SECONDS
  printf 'sanitize: [%s] build %d s, tests %d s, total %d s: %s\n' "$name" $((t1 - t0)) \
    $((t2 - t1)) $((t2 - t0)) "$([[ $rc == 0 ]] && echo PASS || echo FAIL)"
  return "$rc"
}

status=0
for stage in "${stages[@]}"; do
  case "$stage" in
    asan)
      run_stage asan "${ASAN_BUILD_DIR:-$prefix-asan}" \
        "${ASAN_FLAGS:--fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined}" \
        "$asan_labels" "${ASAN_EXCLUDE-^(sdk|bench|needle_accuracy)$}" "${ASAN_SKIP:-}" \
        "${asan_targets[@]}" || status=1
      ;;
    tsan)
      run_stage tsan "$prefix-tsan" "-fsanitize=thread -fno-omit-frame-pointer" \
        "$tsan_labels" "${TSAN_EXCLUDE-^(writer|viewer|igtl|dds)$}" "${TSAN_SKIP-$tsan_skip}" \
        "${tsan_targets[@]}" || status=1
      ;;
    *)
      echo "usage: tools/sanitize.sh [asan] [tsan]" >&2
      exit 2
      ;;
  esac
done
exit "$status"
