#!/bin/bash
# config/knee_injection_split.yaml run whole in one process, then as its two fragments in
# two processes (lossless cut edge): the B-mode images and needle results recorded on the
# guidance side are bit-identical (data, truth, sequence numbers), the same seed both times.
source "$(dirname "$0")/lib.sh"
FILE=$SOURCE_DIR/config/knee_injection_split.yaml
FRAMES=${FRAMES:-24}
common=(--set viewer.listen=127.0.0.1:0 --set igtl.port=0 -q)

"$SONOFLOW" run "$FILE" --fast --frames "$FRAMES" --set recorder.path=single.sfrec "${common[@]}" \
  2>single.err || fail "the single-process run failed"

start guidance run "$FILE" --fragment guidance --set recorder.path=split.sfrec \
  --report guidance.json "${common[@]}"
start acquisition run "$FILE" --fragment acquisition --fast --frames "$FRAMES" \
  --report acquisition.json -q
wait_exit "$pid_acquisition" 50; rc=$?
((rc == 0)) || fail "the acquisition fragment exited $rc"
wait_exit "$pid_guidance" 50; rc=$?
((rc == 0)) || fail "the guidance fragment exited $rc (124: it did not end with its publisher)"

if [[ -s single.sfrec && -s split.sfrec ]]; then
  "$COMPARE" single.sfrec split.sfrec image needle || fail "the split run's results differ"
else
  fail "a recording is missing"
fi
[[ $(json_value acquisition.json dropped_no_subscriber) == 0 ]] ||
  fail "the publisher dropped frames on a lossless cut edge"
finish
