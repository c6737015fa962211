#!/bin/bash
# Two hosts made of network namespaces joined by a veth pair (link-local addresses, no
# route out): the small split pipeline's 'front' fragment on one, 'back' on the other,
# with Cyclone DDS on the veth interface and unicast discovery. Exits 77 (skipped, with a
# message) where namespaces cannot be made: not root, no `ip`, or a sandbox without them.
source "$(dirname "$0")/lib.sh"
P=$SOURCE_DIR/tests/dds/pipelines
skip() { echo "SKIPPED: $*"; exit 77; }

[[ $(id -u) == 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "needs the ip command (iproute2)"
a=sfdds_a_$$ b=sfdds_b_$$
ip netns add "$a" 2>/dev/null || skip "this machine does not allow network namespaces"
trap 'cleanup; ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null' EXIT
ip netns add "$b" || skip "cannot create a second network namespace"
ip link add "va$$" netns "$a" type veth peer name "vb$$" netns "$b" ||
  skip "this machine does not allow veth pairs"
ip -n "$a" addr add 169.254.213.1/30 dev "va$$" && ip -n "$a" link set "va$$" up &&
  ip -n "$a" link set lo up &&
  ip -n "$b" addr add 169.254.213.2/30 dev "vb$$" && ip -n "$b" link set "vb$$" up &&
  ip -n "$b" link set lo up || skip "cannot configure the veth pair"

# Cyclone on each host: the veth interface, the other host as its unicast peer.
config() {
  echo "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface name=\"$1\"/>"
  echo "</Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery>"
  echo "<ParticipantIndex>auto</ParticipantIndex><Peers><Peer address=\"$2\"/></Peers>"
  echo "</Discovery></Domain></CycloneDDS>"
}
config "va$$" 169.254.213.2 >a.xml
config "vb$$" 169.254.213.1 >b.xml

CYCLONEDDS_URI=file://$WORK/b.xml ip netns exec "$b" "$SONOFLOW" run "$P/split_small.yaml" \
  --fragment back --report back.json -q >back.out 2>back.err &
pid_back=$!
pids+=($pid_back)
CYCLONEDDS_URI=file://$WORK/a.xml ip netns exec "$a" "$SONOFLOW" run "$P/split_small.yaml" \
  --fragment front --frames 30 --report front.json -q >front.out 2>front.err
rc=$?
((rc == 0)) || fail "the 'front' host exited $rc"
wait_exit "$pid_back" 50; rc=$?
((rc == 0)) || fail "the 'back' host exited $rc (124: it did not end with its publisher)"
grep -q '"sink"' back.json 2>/dev/null || fail "no report from the 'back' host"
received=$(sed -n '/"sink": {/,/frames_in/p' back.json | grep -o '"frames_in": *[0-9]*' |
  grep -o '[0-9]*$')
echo "back host: the sink received ${received:-no} frames of 30 sent across the veth pair"
[[ ${received:-0} == 30 ]] || fail "the 'back' host received ${received:-0} of 30 frames"
finish
