#!/usr/bin/env bash
# Plugin libraries that are broken, or crash, abort, exit or hang while loading, on the
# plugin path of `sonoflow inspect` and given to `sonoflow check`: each is named with what
# went wrong and skipped; inspect still lists every good node type and exits 0; check
# fails it (exit 1) with a FAIL line. Nothing here asserts how long anything takes: the
# hanging library is bounded by SONOFLOW_PLUGIN_SCAN_TIMEOUT_S only so the test is short.
#
# usage: plugin_scan.sh SONOFLOW FAULTY_DIR WRONG_ABI_LIB TEST_NODES_LIB WORK
set -u
sonoflow=$1 faulty=$2 wrong_abi=$3 test_nodes=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*"
  echo "--- stderr ---"; cat "$work/stderr"
  failures=$((failures + 1))
}

# Copies of a good plugin cut short -- inside its headers, and halfway through what the
# loader maps (the end of its last LOAD segment, from readelf) -- and a plugin whose
# dependency is missing (built without a path to it), in folders of their own.
mkdir -p "$work/truncated_headers" "$work/truncated_code" "$work/missing_dep" "$work/wrong_abi"
head -c 500 "$test_nodes" >"$work/truncated_headers/test_nodes_cut.so"
mapped_end=0
while read -r kind offset _ _ filesize _; do
  [ "$kind" = LOAD ] && mapped_end=$((offset + filesize))
done < <(readelf -lW "$test_nodes")
head -c "$((mapped_end / 2))" "$test_nodes" >"$work/truncated_code/test_nodes_cut.so"
cp "$faulty/needs_missing_lib/faulty_needs_missing_lib.so" "$work/missing_dep/"
cp "$wrong_abi" "$work/wrong_abi/"

# case NAME FOLDER LIBRARY EXPECTED-REASON (an extended regex)
expect_skipped() {
  local name=$1 folder=$2 lib=$3 reason=$4
  echo "--- $name"
  # The short scan timeout only where a library hangs: elsewhere a slow (sanitizer, loaded
  # machine) scan of a good plugin must not time out.
  local scan_timeout_s=10
  [ "$lib" = faulty_hang.so ] && scan_timeout_s=5
  SONOFLOW_PLUGIN_PATH="$folder" SONOFLOW_PLUGIN_SCAN_TIMEOUT_S=$scan_timeout_s \
    timeout -s KILL 60 "$sonoflow" inspect >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  [ "$rc" -eq 0 ] || fail "$name: inspect exited with $rc, expected 0"
  grep -q "test_counter" "$work/stdout" || fail "$name: inspect no longer lists the good plugins"
  grep -Eq "$lib: warning: skipped: $reason" "$work/stderr" ||
    fail "$name: no warning '$lib: warning: skipped: $reason'"
  timeout -s KILL 60 env SONOFLOW_PLUGIN_SCAN_TIMEOUT_S=$scan_timeout_s "$sonoflow" check "$folder/$lib" \
    >"$work/stdout" 2>"$work/stderr"
  rc=$?
  [ "$rc" -eq 1 ] || fail "$name: check exited with $rc, expected 1"
  grep -Eq "^FAIL  .*$lib: loads as a SonoFlow plugin: skipped: $reason" "$work/stdout" ||
    fail "$name: check printed no FAIL line naming the reason: $(cat "$work/stdout")"
}

in_child="while loading \\(in a separate process\\); not loaded"
# A crash is a signal, or under a sanitizer (which catches SIGSEGV) its exit status.
segv="(crashed with signal 11 \\(Segmentation fault\\)|made the process exit with status [0-9]+)"
expect_skipped "entry point dereferences null" "$faulty/segv" faulty_segv.so \
  "$segv $in_child"
expect_skipped "entry point aborts" "$faulty/abort" faulty_abort.so \
  "crashed with signal 6 \\(Aborted\\) $in_child"
# Under a sanitizer, exiting inside dlopen() is a finding of its own (TSan: "ignores not
# ended", exit 66): the status is the sanitizer's, not the library's.
status=3
nm -D "$sonoflow" 2>/dev/null | grep -qE " (__tsan_init|__asan_init)$" && status="[0-9]+"
expect_skipped "initialiser calls exit(3)" "$faulty/exit" faulty_exit.so \
  "made the process exit with status $status $in_child"
expect_skipped "entry point never returns" "$faulty/hang" faulty_hang.so \
  "did not finish loading within 5 s \\(in a separate process, then killed\\); not loaded"
expect_skipped "node type crashes describing itself" "$faulty/spec_segv" faulty_spec_segv.so \
  "$segv $in_child"
expect_skipped "library cut inside its headers" "$work/truncated_headers" test_nodes_cut.so \
  "cannot load library: .*(cannot read file data|file too short)"
# The loader maps past the end of the file and dies of SIGBUS touching it: without the
# separate process this killed `sonoflow inspect` (exit 135).
expect_skipped "library cut inside its code" "$work/truncated_code" test_nodes_cut.so \
  "(crashed with signal 7 \\(Bus error\\)|made the process exit with status [0-9]+) $in_child"
expect_skipped "dependency missing" "$work/missing_dep" faulty_needs_missing_lib.so \
  "cannot load library: .*libfaulty_dependency.so.*"
expect_skipped "built for another plugin ABI" "$work/wrong_abi" wrong_abi.so \
  "built for SonoFlow plugin ABI 99, but this SonoFlow has plugin ABI [0-9]+"

((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "PASS"
