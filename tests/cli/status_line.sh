#!/usr/bin/env bash
# The live status line: on a terminal, `sonoflow run` redraws one line (fps, latency,
# drops) in place while it runs. util-linux `script` gives it a pseudo-terminal.
#
# usage: status_line.sh SONOFLOW WORK PIPELINE
# Exits 77 (the test's SKIP_RETURN_CODE) when `script` is not installed.
set -u
sonoflow=$1 work=$2 pipeline=$3
command -v script >/dev/null || { echo "SKIP: util-linux 'script' is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $1"; echo "--- terminal output ---"; cat -v "$2"; exit 1; }

esc=$'\e'
live_line="fps  latency p50 [0-9.]+ ms p99 [0-9.]+ ms  drops [0-9]+  errors [0-9]+${esc}\[K"

# Real time for 1 s: several redraws (every 250 ms). -e: script exits with sonoflow's code.
cmd="$(printf '%q ' "$sonoflow" run "$pipeline" --duration 1)"
timeout 60 script -qfec "$cmd" /dev/null >"$work/tty.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "expected exit code 0, got $rc" "$work/tty.out"
out=$(cat "$work/tty.out")
for word in fps latency drops; do
  [[ $out == *"$word"* ]] || fail "no '$word' on the terminal" "$work/tty.out"
done
[[ $out =~ $live_line ]] || fail "no live status line (fps, latency, drops, redrawn in place)" "$work/tty.out"
# The summary still follows at the end.
[[ $out == *"cli-chain: "* ]] || fail "no summary after the live line" "$work/tty.out"

# --quiet: no live status line, even on a terminal.
cmd="$(printf '%q ' "$sonoflow" run "$pipeline" --duration 1 --quiet)"
timeout 60 script -qfec "$cmd" /dev/null >"$work/quiet.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "--quiet: expected exit code 0, got $rc" "$work/quiet.out"
[[ $(cat "$work/quiet.out") == *"${esc}[K"* ]] && fail "--quiet still drew the live status line" "$work/quiet.out"
echo "PASS"
