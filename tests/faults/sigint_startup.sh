#!/usr/bin/env bash
# SIGINT while `sonoflow run` is still starting its nodes (one start() takes 5 s): the run
# must finish starting, then stop at once, drain and write its report (exit 0) -- not die
# half-started with nodes that never stop and files that never close.
#
# usage: sigint_startup.sh SONOFLOW CMAKE WORK PIPELINE DRAINED_CMAKE
set -u
sonoflow=$1 cmake=$2 work=$3 pipeline=$4 drained=$5
rm -rf "$work" && mkdir -p "$work"
report=$work/report.json
fail() {
  echo "FAIL: $*"
  echo "--- stderr of sonoflow ---"; cat "$work/stderr"
  exit 1
}

timeout --foreground -s KILL 60 "$sonoflow" run "$pipeline" --report "$report" \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
# Signal once the slow start() has begun (it says so), not after a guessed time: plugin
# loading takes longer under sanitizers.
for _ in $(seq 300); do
  grep -q "test_thrower: start takes" "$work/stderr" && break
  kill -0 "$pid" 2>/dev/null || fail "sonoflow ended before its slow node started"
  sleep 0.1
done
grep -q "test_thrower: start takes" "$work/stderr" || fail "the slow node never started"
kill -s INT "$pid"
wait "$pid"; rc=$?
echo "sonoflow exited with $rc after SIGINT during start-up"
[ "$rc" -eq 0 ] || fail "expected exit code 0, got $rc (137: it did not stop within 60 s)"
grep -q "stopping (draining queued frames)" "$work/stderr" || fail "no 'stopping' message"
[ -s "$report" ] || fail "no report at $report"
"$cmake" -DSONOFLOW="$sonoflow" -DPIPELINES="$(dirname "$pipeline")" -DWORK="$work/check" \
  -DREPORT="$report" -DSOURCE=src -DSINK=sink -P "$drained" ||
  fail "the report is wrong (above): $(cat "$report")"
echo "PASS"
