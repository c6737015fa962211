#!/usr/bin/env bash
# Clean shutdown on SIGINT/SIGTERM while `sonoflow run` runs in real time.
#
# usage: signals.sh SONOFLOW CMAKE WORK MODE PIPELINE SOURCE SINK [run options...]
#   MODE INT or TERM: one signal; the run must stop by itself with exit 0 after draining
#        its lossless edges, and write a report in which the lossless SINK saw every frame
#        SOURCE emitted (checked by drained.cmake).
#   MODE INT-INT: a second SIGINT while the first one's drain is still going on: the user
#        wants out now, and sonoflow must exit at once with 130.
set -u
sonoflow=$1 cmake=$2 work=$3 mode=$4 pipeline=$5 src=$6 sink=$7
shift 7
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
report=$work/report.json

fail() {
  echo "FAIL: $*"
  echo "--- stdout of sonoflow ---"; cat "$work/stdout"
  echo "--- stderr of sonoflow ---"; cat "$work/stderr"
  exit 1
}

# `timeout --foreground` bounds the whole run (a shutdown that hangs fails the test
# instead of hanging it) and forwards each signal it gets to sonoflow exactly once
# (--foreground: to its child only, not to a whole process group).
timeout --foreground -s KILL 60 "$sonoflow" run "$pipeline" --report "$report" "$@" \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
# The report file is created once plugins are loaded and the pipeline is valid, just
# before it starts (loading takes seconds under sanitizers: a fixed wait was too short);
# then it runs in real time for a while.
for _ in $(seq 300); do
  [ -e "$report" ] && break
  kill -0 "$pid" 2>/dev/null || fail "sonoflow ended before it was signalled"
  sleep 0.1
done
[ -e "$report" ] || fail "sonoflow did not get as far as starting within 30 s"
sleep 1
kill -0 "$pid" 2>/dev/null || fail "sonoflow ended before it was signalled"

case $mode in
  INT | TERM)
    kill -s "$mode" "$pid"
    wait "$pid"; rc=$?
    echo "sonoflow exited with $rc after SIG$mode"
    [ "$rc" -eq 0 ] || fail "expected exit code 0 after SIG$mode, got $rc (124/137: it did not stop within 60 s)"
    grep -q "stopping (draining queued frames)" "$work/stderr" ||
      fail "no 'stopping (draining queued frames)...' message on stderr"
    grep -q "node .*type .*dropped" "$work/stderr" || fail "no summary on stderr"
    [ -s "$report" ] || fail "no report at $report"
    "$cmake" -DSONOFLOW="$sonoflow" -DPIPELINES="$(dirname "$pipeline")" -DWORK="$work/check" \
      -DREPORT="$report" -DSOURCE="$src" -DSINK="$sink" -P "$here/drained.cmake" ||
      fail "the report of the interrupted run is wrong (above); report:$(echo; cat "$report")"
    ;;
  INT-INT)
    kill -s INT "$pid"
    sleep 0.3
    kill -s INT "$pid"
    wait "$pid"; rc=$?
    echo "sonoflow exited with $rc after two SIGINTs"
    [ "$rc" -eq 130 ] || fail "expected exit code 130 after a second SIGINT, got $rc"
    grep -q "stopping (draining queued frames)" "$work/stderr" ||
      fail "no 'stopping (draining queued frames)...' message after the first SIGINT"
    ;;
  *)
    echo "signals.sh: unknown MODE '$mode'"; exit 2 ;;
esac
echo "PASS"
