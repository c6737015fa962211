#!/bin/bash
# A publisher killed mid-stream (SIGKILL: no goodbye) is reported lost by the subscriber,
# which keeps running; a new publisher on the same topic is reported back, its frames
# arrive, and its clean end ends the subscriber's stream.
source "$(dirname "$0")/lib.sh"
P=$SOURCE_DIR/tests/dds/pipelines

start sub run "$P/subscribe.yaml" --report sub.json -q
start pub1 run "$P/publish.yaml" -q
# Once frames flow (discovery may take a while on a loaded machine), the publisher dies.
recorded() {
  "$SONOFLOW" recording sub.sfrec --json 2>/dev/null | grep -o '"frames": *[0-9]*' | head -1 |
    grep -o '[0-9]*$'
}
for ((i = 0; i < 400 && ${n:=0} < 5; i++)); do
  sleep 0.1
  n=$(recorded)
  n=${n:-0}
done
((n >= 5)) || fail "no frames reached the subscriber from the first publisher"
kill -9 "$pid_pub1"
wait "$pid_pub1" 2>/dev/null
wait_for_text sub.err "lost" 30 || fail "the subscriber did not report the killed publisher lost"
kill -0 "$pid_sub" 2>/dev/null || fail "the subscriber stopped when its publisher died"

start pub2 run "$P/publish.yaml" --frames 20 -q
wait_for_text sub.err "is back" 30 || fail "the subscriber did not report the new publisher"
wait_exit "$pid_pub2"; rc=$?
((rc == 0)) || fail "the second publisher exited $rc"
wait_exit "$pid_sub"; rc=$?
((rc == 0)) || fail "the subscriber exited $rc after the publisher's end (124: still running)"

if [[ -s sub.json ]]; then
  lost=$(json_value sub.json publisher_lost)
  back=$(json_value sub.json publisher_back)
  frames=$(json_value sub.json frames)
  ended=$(json_value sub.json ended_by_publisher)
  echo "subscriber: frames $frames, publisher lost $lost, back $back, ended by publisher $ended"
  ((lost >= 1)) || fail "report: publisher_lost is $lost"
  ((back >= 1)) || fail "report: publisher_back is $back"
  ((frames >= 25)) || fail "report: only $frames frames arrived (the publishers sent 5 + 20)"
  [[ $ended == true ]] || fail "report: ended_by_publisher is $ended"
else
  fail "no subscriber report"
fi
finish
