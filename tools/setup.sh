#!/usr/bin/env bash
# SonoFlow set-up on Debian 12: installs the Debian packages that are missing (apt-get,
# non-interactive, nothing else), builds with Ninja, then runs the main demo or the tests.
#
#   tools/setup.sh demo    install, build, run the main demo pipeline
#   tools/setup.sh test    install, build, run the test suite (what CI runs)
#   tools/setup.sh build   install and build only
#   tools/setup.sh deps    install what the test suite needs, build nothing (used by
#                          tools/ci-extended.sh before its sanitizer builds)
#
# Environment: BUILD_DIR (default build), JOBS (default: number of cores),
# CTEST_LABELS (a ctest -L regex; default: every test), CTEST_EXCLUDE (a ctest -LE regex;
# default: none).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-build}"
build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

# One line per package: what SonoFlow builds with (DESIGN.md names the libraries).
packages=(
  cmake ninja-build g++
  libtbb-dev                      # oneTBB: flow graph, parallel_for
  libyaml-cpp-dev                 # pipeline files
  libpoco-dev                     # JSON (reports, inspect), HTTP/WebSocket (web_viewer)
  libeigen3-dev                   # geometry, Kalman filters (needle tracking)
  libopencv-dev                   # image processing, overlays, PNG/JPEG/video I/O (the
                                  # per-module packages lack OpenCVConfig.cmake)
  libopenigtlink-dev              # OpenIGTLink output for 3D Slicer
  libboost-program-options-dev    # the CLI
  libflatbuffers-dev flatbuffers-compiler flatbuffers-compiler-dev  # frame serialization
  catch2                          # tests
  cyclonedds-dev cyclonedds-tools # DDS: pipelines across processes and hosts (plugins/dds)
)
# Only the test suite needs these.
[[ "$mode" == test || "$mode" == deps ]] && packages+=(
  chromium                        # the web viewer's browser test (headless)
)

source "$here/tools/lib/packages.sh"
install_missing_packages setup "${packages[@]}"
[[ "$mode" == deps ]] && exit 0

# ccache (when present) makes rebuilds in several build folders cheap; never required.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
ninja -C "$build_dir" -j "$jobs"

case "$mode" in
  build) ;;
  demo)
    # Each run records to a file of its own: nothing recorded before is replaced.
    stamp="$(date +%Y%m%d-%H%M%S)"
    recording="recordings/knee_injection-$stamp.sfrec"
    report="$build_dir/demo-report-$stamp.json"
    duration=()
    [[ -n "${DEMO_SECONDS:-}" ]] && duration=(--duration "$DEMO_SECONDS")
    cat <<EOT
setup: running the main demo, config/knee_injection.yaml (Ctrl-C stops it cleanly)
  viewer       http://127.0.0.1:8080/   (open it in a browser)
  OpenIGTLink  localhost:18944          (3D Slicer: OpenIGTLinkIF, client connector)
  recording    $recording
  report       $report (written at the end)
EOT
    exec "$build_dir/bin/sonoflow" run config/knee_injection.yaml "${duration[@]}" \
      --set "recorder.path=$recording" --report "$report"
    ;;
  test)
    labels=()
    [[ -n "${CTEST_LABELS:-}" ]] && labels+=(-L "$CTEST_LABELS")
    [[ -n "${CTEST_EXCLUDE:-}" ]] && labels+=(-LE "$CTEST_EXCLUDE")
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 300 "${labels[@]}"
    ;;
  *)
    echo "usage: tools/setup.sh [demo|test|build|deps]" >&2
    exit 2
    ;;
esac
