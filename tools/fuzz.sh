#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, in build-fuzz) and runs
# each for a bounded time on its committed seed corpus (GitHub issue #7).
#
#   tools/fuzz.sh [SECONDS] [NAME...]   SECONDS per target (default 30, CI); NAME: any of
#                                       pipeline_file recording_reader set_option
#                                       control_request (default all)
#
# New inputs the fuzzer finds go to build-fuzz/fuzz-corpus/<name> (the committed seeds in
# tests/fuzz/corpus/ are only read). A crash stops that target, keeps the input as
# build-fuzz/fuzz-artifacts/<name>/crash-* (or leak-*, timeout-*, oom-*), and the script
# exits 1 after the other targets ran; tests/fuzz/README.md says how to turn it into a
# regression test. Environment: JOBS (build jobs, default: number of cores), FUZZ_BUILD_DIR
# (default build-fuzz), FUZZ_CMAKE_ARGS (more cmake options, e.g. -DSONOFLOW_PLUGIN_X=OFF).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
seconds="${1:-30}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || {
  echo "fuzz: SECONDS must be a positive whole number, got '$seconds'" >&2
  echo "usage: tools/fuzz.sh [SECONDS] [pipeline_file|recording_reader|set_option|control_request]..." >&2
  exit 2
}
shift $(($# > 0 ? 1 : 0))
all=(pipeline_file recording_reader set_option control_request)
names=("${all[@]}")
(($#)) && names=("$@")
for n in "${names[@]}"; do
  [[ " ${all[*]} " == *" $n "* ]] || {
    echo "fuzz: no fuzz target '$n'; the targets are: ${all[*]}" >&2
    exit 2
  }
done
jobs="${JOBS:-$(nproc)}"
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"

# libFuzzer and the sanitizer runtimes come with clang's compiler-rt (Debian 12: clang 14).
packages=(clang libclang-rt-14-dev)
source "$here/tools/lib/packages.sh"
install_missing_packages fuzz "${packages[@]}"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$here"
# C by clang with the same flags too, for the reason tools/sanitize.sh gives (configure_build).
# fuzzer-no-link: coverage feedback from the SDK, framework and plugin code too, not only
# from the harness; the fuzz programs add -fsanitize=fuzzer (libFuzzer's main) themselves.
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
link="-fsanitize=address,undefined"
t0=$SECONDS
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DSONOFLOW_BUILD_BENCHMARKS=OFF \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$link" \
  "-DCMAKE_SHARED_LINKER_FLAGS=$link" "-DCMAKE_MODULE_LINKER_FLAGS=$link" \
  ${FUZZ_CMAKE_ARGS:-} >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
nice -n 10 ninja -C "$build_dir" -j "$jobs" "${targets[@]}"
echo "fuzz: build $((SECONDS - t0)) s"

# Leaks count as findings (a parser leaking per input is a server leaking per request).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
status=0
for n in "${names[@]}"; do
  work="$build_dir/fuzz-corpus/$n" artifacts="$build_dir/fuzz-artifacts/$n"
  mkdir -p "$work" "$artifacts"
  seeds=(tests/fuzz/corpus/"$n")
  [[ -d tests/fuzz/regressions/$n ]] && seeds+=(tests/fuzz/regressions/"$n")
  dict=()
  [[ -f tests/fuzz/$n.dict ]] && dict=(-dict="tests/fuzz/$n.dict")
  log="$build_dir/fuzz-$n.log" stamp="$build_dir/fuzz-$n.started"
  touch "$stamp"
  t1=$SECONDS
  rc=0
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser must not balloon.
  "$build_dir/bin/fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)"
  if ((rc == 0)); then
    echo "fuzz: $n: PASS in $((SECONDS - t1)) s, ${runs:-?} inputs, $cov, corpus $(ls "$work" | wc -l) files"
  else
    status=1
    echo "fuzz: $n: FAILED (exit $rc) after $((SECONDS - t1)) s; input kept in $artifacts/, log $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|    #[0-9] )' "$log" | head -12 || true
    # CI keeps only the end of the output and not the artifacts: the input itself, printed
    # as base64, is what turns a CI finding into a regression test here (tests/fuzz/README.md).
    find "$artifacts" -type f -newer "$stamp" | while read -r input; do
      if (($(stat -c %s "$input") <= 8192)); then
        echo "fuzz: $n: input $(basename "$input") as base64:"
        base64 -w 120 "$input"
      fi
    done
  fi
done
echo "fuzz: total $((SECONDS - t0)) s"
exit "$status"
