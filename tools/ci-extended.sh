#!/usr/bin/env bash
# The reliability stages CI runs after the README's test command (GitHub issue #7):
#
#   1. asan   one clang build with AddressSanitizer + UndefinedBehaviorSanitizer and
#             libFuzzer's coverage hooks (build-fuzz), then the test suite under it
#             (tools/sanitize.sh asan; which labels, and why, is said there);
#   2. fuzz   every libFuzzer target for FUZZ_SECONDS (default 30) on its committed seed
#             corpus, built in that same build (tools/fuzz.sh);
#   3. tsan   a ThreadSanitizer build of the framework, the CLI and the test plugins, and
#             the suites that exercise the runtime's threads (tools/sanitize.sh tsan).
#
#   tools/ci-extended.sh [asan|fuzz|tsan]...    default: all three, in that order
#
# Every stage runs even when an earlier one failed (one CI run reports everything); the
# exit code is 1 when any failed. Each stage installs the Debian packages it lacks (clang,
# compiler-rt). The times of each stage are printed at the end. Environment: JOBS,
# FUZZ_SECONDS, and what tools/sanitize.sh and tools/fuzz.sh take.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
stages=(asan fuzz tsan)
(($#)) && stages=("$@")
fuzz_seconds="${FUZZ_SECONDS:-30}"
# The fuzz targets and the ASan test suite share one build: the same ASan+UBSan flags,
# plus fuzzer-no-link (coverage hooks; inert without libFuzzer's driver, which only the
# fuzz programs link).
export ASAN_BUILD_DIR="${ASAN_BUILD_DIR:-build-fuzz}"
export FUZZ_BUILD_DIR="$ASAN_BUILD_DIR"
export ASAN_FLAGS="${ASAN_FLAGS:--fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined}"
# What runs under ASan in CI: the whole tree and the whole suite, but for the labels
# tools/sanitize.sh leaves out and says why (sdk, bench, needle_accuracy). Set ASAN_TARGETS,
# ASAN_LABELS, ASAN_EXCLUDE or ASAN_SKIP to run less, e.g. the core alone:
# ASAN_TARGETS="$(tools/sanitize.sh --core) sonoflow_fuzz_replay" \
# ASAN_LABELS='^(framework|validation|cli|faults|recording|fuzz)$' \
# ASAN_EXCLUDE='^(sdk|bench|needle_accuracy|dds|writer|igtl|viewer)$'.
export ASAN_TARGETS="${ASAN_TARGETS-}"
export ASAN_LABELS="${ASAN_LABELS-}"
export ASAN_EXCLUDE="${ASAN_EXCLUDE-^(sdk|bench|needle_accuracy)$}"
export ASAN_SKIP="${ASAN_SKIP-}"

# The libraries SonoFlow builds with and the test suite's tools (Chromium): the same list
# as the README's commands; clang and compiler-rt are installed by each stage's script.
bash tools/setup.sh deps || exit 1

status=0
timings=()
failed=()
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
for stage in "${stages[@]}"; do
  t0=$SECONDS
  echo "ci-extended: === $stage ==="
  log="$logs/$stage.log"
  case "$stage" in
    asan) bash tools/sanitize.sh asan 2>&1 | tee "$log" ;;
    fuzz) bash tools/fuzz.sh "$fuzz_seconds" 2>&1 | tee "$log" ;;
    tsan) bash tools/sanitize.sh tsan 2>&1 | tee "$log" ;;
    *)
      echo "usage: tools/ci-extended.sh [asan|fuzz|tsan]..." >&2
      exit 2
      ;;
  esac
  rc=${PIPESTATUS[0]}
  ((rc == 0)) || { status=1; failed+=("$stage"); }
  timings+=("$stage $((SECONDS - t0)) s $([[ $rc == 0 ]] && echo PASS || echo FAIL)")
done
# CI shows only the end of what a run printed: what each failed stage found is repeated
# here (the failing tests, the sanitizer's first lines, a fuzz input as base64).
for stage in "${failed[@]}"; do
  echo "ci-extended: what failed in $stage:"
  grep -E '(FAIL|ERROR|SUMMARY|runtime error|WARNING: ThreadSanitizer|^[[:space:]]+[0-9]+ - |^    #[0-9] |base64|^[A-Za-z0-9+/=]{8,}$)' \
    "$logs/$stage.log" | grep -v '^ *Start ' | head -80
done
echo "ci-extended: stage times:"
printf '  %s\n' "${timings[@]}"
exit "$status"
