#!/usr/bin/env bash
# Soak test (GitHub issue #7): runs the main demo pipeline, config/knee_injection.yaml, with
# --fast (the probe as fast as the pipeline takes frames) for a set time with its lossless
# recorder writing, then checks:
#  - nothing lost on lossless edges: in the recording, every frame type's sequence numbers
#    are contiguous, and there is one of each per frame the probe emitted;
#  - drops on latest edges are counted and reported (viewer, OpenIGTLink);
#  - no node counted an error, no fatal error, exit code 0;
#  - resident memory (VmRSS, sampled every few seconds) grows less than 5 % after warm-up.
#
#   tools/soak.sh [MINUTES]      default 10; fractions allowed (0.5)
#
# Environment: BUILD_DIR (default build; it must be built: tools/setup.sh build),
# SOAK_WARMUP_S (default: a fifth of the run, at least 30 s), SOAK_SAMPLE_S (default 5),
# SOAK_MAX_RSS_GROWTH_PCT (default 5). The viewer and OpenIGTLink listen on free ports (no
# clients: their edges are latest, and with no client they still take and drop frames).
# Everything goes to BUILD_DIR/soak/: stderr of the run, report.json, rss.tsv, the
# recording (deleted after a pass: it grows by ~4 MB/s; kept after a failure).
# Exit 0 when every check passed; the last line sums up the figures.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
minutes="${1:-10}"
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: tools/soak.sh [MINUTES]" >&2; exit 2; }
build_dir="${BUILD_DIR:-build}"
sonoflow="$build_dir/bin/sonoflow"
[[ -x "$sonoflow" ]] || { echo "soak: no $sonoflow; build first (tools/setup.sh build)" >&2; exit 2; }
duration_s=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
((duration_s >= 10)) || { echo "soak: at least 10 s, please" >&2; exit 2; }
warmup_s="${SOAK_WARMUP_S:-$(( duration_s / 5 > 30 ? duration_s / 5 : 30 ))}"
((warmup_s < duration_s)) || warmup_s=$((duration_s / 2))
sample_s="${SOAK_SAMPLE_S:-5}"
max_growth="${SOAK_MAX_RSS_GROWTH_PCT:-5}"

work="$build_dir/soak"
rm -rf "$work" && mkdir -p "$work"
recording="$work/soak.sfrec"
failures=()
fail() { failures+=("$*"); echo "soak: FAIL: $*"; }

echo "soak: config/knee_injection.yaml --fast for ${duration_s} s (warm-up ${warmup_s} s), recording to $recording"
"$sonoflow" run config/knee_injection.yaml --fast --duration "$duration_s" -q \
  --set "recorder.path=$recording" --set viewer.listen=127.0.0.1:0 --set igtl.port=0 \
  --report "$work/report.json" >"$work/stdout" 2>"$work/stderr" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

# Resident memory of the run, every sample_s seconds: "seconds kib".
t0=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n "$rss" ]] && echo "$((SECONDS - t0)) $rss" >>"$work/rss.tsv"
  sleep "$sample_s"
done
rc=0
wait "$pid" || rc=$?
trap - EXIT
((rc == 0)) || fail "sonoflow exited with $rc (stderr: $work/stderr)"

# The per-node summary sonoflow prints at the end:
#   node type in out dropped errors p50 p99
summary=$(awk '$1 == "node" && $2 == "type" { table = 1; next } table && NF == 8' "$work/stderr")
[[ -n "$summary" ]] || fail "no per-node summary in $work/stderr"
probe_frames=$(awk '$2 == "sim_probe" { print $4 }' <<<"$summary")
errors=$(awk '{ sum += $6 } END { print sum + 0 }' <<<"$summary")
((errors == 0)) || fail "nodes counted $errors errors: $(awk '$6 > 0 { printf "%s %s; ", $1, $6 }' <<<"$summary")"
grep -q '^error:' "$work/stderr" && fail "errors on stderr: $(grep '^error:' "$work/stderr" | head -3)"
drops=$(awk '$5 > 0 { printf "%s%s %s", sep, $1, $5; sep = ", " }' <<<"$summary")
echo "soak: drops on latest edges: ${drops:-none}"

# Lossless: one recorded frame of each type per probe frame, sequences contiguous.
"$sonoflow" recording "$recording" --frames >"$work/recording.txt" 2>&1 ||
  fail "the recording is not complete: $(grep -E 'status|index' "$work/recording.txt" | head -2)"
lossless=$(awk -v want="${probe_frames:-0}" '
  $1 ~ /^[0-9]+$/ && NF == 7 {
    key = $3 "/" $5
    if (key in last && $4 != last[key] + 1) { gaps++; if (gaps <= 3) printf "gap in %s: %d after %d\n", key, $4, last[key] }
    last[key] = $4; count[key]++
  }
  END {
    for (k in count) { printf "%s %d frames\n", k, count[k]; if (count[k] != want) bad++ }
    if (length(count) == 0) print "no frames recorded"
    exit (gaps > 0 || bad > 0 || length(count) == 0)
  }' "$work/recording.txt") || fail "lossless edges lost frames (probe emitted ${probe_frames:-?}): $(tr '\n' ';' <<<"$lossless")"
recorded=$(awk '/ frames$/ { s += $2 } END { print s + 0 }' <<<"$lossless")

# Memory after warm-up: baseline the first sample at or after warm-up, growth to the most
# seen later.
read -r base_kib max_kib samples < <(awk -v w="$warmup_s" '
  $1 >= w { if (!base) base = $2; if ($2 > max) max = $2; n++ }
  END { print base + 0, max + 0, n + 0 }' "$work/rss.tsv")
if ((samples < 2)); then
  fail "too few memory samples after warm-up ($samples): run longer"
  growth="?"
else
  growth=$(awk -v b="$base_kib" -v m="$max_kib" 'BEGIN { printf "%.2f", (m - b) * 100 / b }')
  awk -v g="$growth" -v lim="$max_growth" 'BEGIN { exit !(g < lim) }' ||
    fail "resident memory grew ${growth} % after warm-up (limit ${max_growth} %)"
fi
fps=$(awk -v n="${probe_frames:-0}" -v s="$duration_s" 'BEGIN { printf "%.1f", n / s }')
figures="${duration_s} s, ${probe_frames:-?} probe frames (${fps}/s), ${recorded} frames recorded, 0 lost on lossless edges checked by sequence; drops: ${drops:-none}; errors ${errors}; RSS $((base_kib / 1024)) MiB after ${warmup_s} s warm-up, max $((max_kib / 1024)) MiB (+${growth} %, ${samples} samples)"
if ((${#failures[@]})); then
  echo "soak: FAILED (${#failures[@]} checks): $figures; kept $work"
  exit 1
fi
rm -f "$recording"
echo "soak: PASS: $figures"
