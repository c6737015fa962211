#!/bin/bash
# Every mistake in splitting or in a DDS node's settings is an error that names what was
# wrong and where, with exit code 1, before anything runs.
source "$(dirname "$0")/lib.sh"
P=$SOURCE_DIR/tests/dds/pipelines
SPLIT=$SOURCE_DIR/config/knee_injection_split.yaml

# expect_error TEXT args...: `sonoflow args...` exits 1 and says TEXT on stderr.
expect_error() {
  local text=$1; shift
  "$SONOFLOW" "$@" >out.txt 2>err.txt
  local rc=$?
  ((rc == 1)) || fail "sonoflow $*: exit code $rc, expected 1"
  grep -qF -- "$text" err.txt || { fail "sonoflow $*: no '$text' in:"; cat err.txt; }
}

expect_error "no fragment 'bedside' in this pipeline; its fragments are: acquisition, guidance" \
  run "$SPLIT" --fragment bedside
expect_error "did you mean 'guidance'?" run "$SPLIT" --fragment guidanse
expect_error "this pipeline is not split (no node has a 'fragment:' key)" \
  run "$P/publish.yaml" --fragment a
expect_error "partly_split.yaml:6:3: error: node 'sink' has no 'fragment:'" \
  run "$P/partly_split.yaml" --fragment a
expect_error "fragment 'x y' must start with a letter" \
  validate /dev/stdin <<<'{sonoflow: 1, nodes: {a: {type: test_sink, fragment: "x y"}}}'
expect_error "'dds_domain' must be an integer between -1 and 232" \
  validate /dev/stdin <<<'{sonoflow: 1, settings: {dds_domain: 300}, nodes: {a: {type: test_rf_source}}}'
expect_error "parameter 'pub.domain' must be between -1 and 232" \
  run "$P/publish.yaml" --set pub.domain=500
expect_error "parameter 'topic' ('bad topic'): character ' ' is not allowed" \
  run "$P/publish.yaml" --set "pub.topic=bad topic" --frames 1
SONOFLOW_DDS_DOMAIN=999 expect_error "SONOFLOW_DDS_DOMAIN='999' is not a DDS domain id" \
  run "$P/subscribe.yaml" --frames 1

# A valid split: each fragment validates and shows its generated DDS nodes in `graph`.
"$SONOFLOW" run "$P/split_small.yaml" --fragment back --duration 0.1 -q 2>back.err ||
  fail "the 'back' fragment did not run: $(cat back.err)"
finish
