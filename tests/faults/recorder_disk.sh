#!/usr/bin/env bash
# The recorder under a disk that fills up and a folder it may not write to:
#  full        a 2 MiB tmpfs fills after a few frames: the run ends with an error naming
#              the node, the file and "No space left on device"; every frame written
#              before stays readable (`sonoflow recording` and a replay read them all).
#  unwritable  a folder without write permission: the run refuses to start, naming the
#              node and the file, and nothing runs.
# The tmpfs is mounted in a private mount namespace (unshare -m; as root, else with a user
# namespace: unshare -rm) that ends with the test. Where neither is allowed, the case is
# skipped (exit 77) saying so.
#
# usage: recorder_disk.sh SONOFLOW WORK CASE
set -u
sonoflow=$1 work=$2 case=$3
rm -rf "$work" && mkdir -p "$work"
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}
pipeline=$work/record.yaml
cat >"$pipeline" <<'EOF'
# rf frames of 64 channels x 4096 samples (512 KiB each) to a recorder; on_error: stop
# ends the run at the first failed write instead of counting one per later frame.
sonoflow: 1
name: faults-recorder-disk
nodes:
  src: { type: test_rf_source, params: { rate_hz: 0, channels: 64, samples: 4096 } }
  rec: { type: recorder, on_error: stop }
edges:
  - src.rf -> rec.in
EOF

case $case in
  full)
    if [ "$(id -u)" -eq 0 ]; then ns=(unshare -m --propagation private); else ns=(unshare -rm --propagation private); fi
    mnt=$work/disk
    mkdir -p "$mnt"
    if ! "${ns[@]}" sh -c "mount -t tmpfs -o size=2m tmpfs '$mnt'" 2>"$work/mount.err"; then
      echo "SKIPPED: cannot mount a small tmpfs here ($(cat "$work/mount.err")); run as root or allow user namespaces"
      exit 77
    fi
    # Mount, run and read the recording inside the namespace; the tmpfs goes with it.
    "${ns[@]}" sh -c "
      mount -t tmpfs -o size=2m tmpfs '$mnt' || exit 90
      timeout -s KILL 60 '$sonoflow' run '$pipeline' --frames 100 --set 'rec.path=$mnt/full.sfrec' \
        --report '$work/report.json' >'$work/run.out' 2>'$work/run.err'
      echo \$? >'$work/run.rc'
      '$sonoflow' recording '$mnt/full.sfrec' >'$work/recording.out' 2>'$work/recording.err'
      echo \$? >'$work/recording.rc'
      cp '$mnt/full.sfrec' '$work/full.sfrec'
    " || fail "the namespace with the tmpfs failed"
    rc=$(cat "$work/run.rc")
    [ "$rc" -eq 1 ] || fail "run: expected exit code 1 (a failed write), got $rc"
    grep -Eq "^error: node 'rec' \(recorder\) failed in process: .*full\.sfrec.*: No space left on device.*\(on_error: stop\)" \
      "$work/run.err" || fail "run: no error naming the node, the file and the full disk"
    written=$(grep -Eo "frames +[0-9]+" "$work/recording.out" | grep -Eo "[0-9]+$")
    [ -n "$written" ] && [ "$written" -gt 0 ] || fail "no whole frame readable in the recording"
    grep -q "status.*readable" "$work/recording.out" || grep -q "status.*complete" "$work/recording.out" ||
      fail "the recording's status does not say its frames are readable"
    # Every frame the recorder took before the failure is in the file.
    taken=$(grep -A3 '"rec"' "$work/report.json" | grep -Eo '"frames_in": [0-9]+' | grep -Eo '[0-9]+$')
    errors=$(grep -A8 '"rec"' "$work/report.json" | grep -Eo '"errors": [0-9]+' | grep -Eo '[0-9]+$')
    [ -n "$taken" ] && [ -n "$errors" ] || fail "no frames_in/errors for rec in the report"
    [ "$written" -eq $((taken - errors)) ] ||
      fail "recording holds $written frames, the recorder took $taken and failed $errors"
    # A replay reads every one of them (copied off the tmpfs first).
    cat >"$work/replay.yaml" <<EOF
sonoflow: 1
name: faults-replay
nodes:
  play: { type: file_player, params: { path: $work/full.sfrec, pace: fast } }
  sink: { type: test_sink }
edges:
  - play.rf -> sink.in
EOF
    timeout -s KILL 60 "$sonoflow" run "$work/replay.yaml" --report "$work/replay.json" \
      >"$work/replay.out" 2>"$work/replay.err" || fail "the replay of the frames written failed"
    replayed=$(grep -A3 '"sink"' "$work/replay.json" | grep -Eo '"frames_in": [0-9]+' | grep -Eo '[0-9]+$')
    [ "$replayed" = "$written" ] || fail "replayed $replayed frames of the $written written"
    echo "disk full after $written frames: named, and all $written replayed"
    ;;
  unwritable)
    folder=$work/readonly
    mkdir -p "$folder"
    chmod 555 "$folder"
    run=("$sonoflow")
    # root writes anywhere: run as nobody so the permission applies.
    if [ "$(id -u)" -eq 0 ]; then
      chmod o+rx "$work"
      run=(setpriv --reuid=65534 --regid=65534 --clear-groups "$sonoflow")
      # nobody must reach the program, its plugins and the pipeline (a checkout in a
      # private home folder is out of its reach): otherwise this case cannot be run.
      setpriv --reuid=65534 --regid=65534 --clear-groups "$sonoflow" validate "$pipeline" \
        --set "rec.path=$folder/x.sfrec" >/dev/null 2>&1 ||
        { echo "SKIPPED: nobody cannot run $sonoflow on $pipeline (setpriv, permissions)"; exit 77; }
    fi
    timeout -s KILL 60 "${run[@]}" run "$pipeline" --frames 10 --set "rec.path=$folder/x.sfrec" \
      >"$work/run.out" 2>"$work/run.err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "run: expected exit code 1, got $rc"
    grep -Eq "node 'rec' \(recorder\) failed to start: .*x\.sfrec: cannot create the file: Permission denied" \
      "$work/run.err" || fail "run: no error naming the node, the file and the permission"
    [ ! -e "$folder/x.sfrec" ] || fail "a file was left behind"
    echo "unwritable folder: refused at start, named"
    ;;
  *) echo "recorder_disk.sh: unknown case '$case'"; exit 2 ;;
esac
echo PASS
