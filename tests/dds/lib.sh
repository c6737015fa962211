# Helpers of the DDS integration tests (bash). Each test gets from CTest: SONOFLOW (the
# CLI), SOURCE_DIR, WORK (its own folder), and in the environment CYCLONEDDS_URI
# (loopback only) and SONOFLOW_DDS_DOMAIN (a domain of its own). Waits are bounded only so
# that a broken build fails instead of hanging; nothing asserts how long anything takes.
set -u
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
failures=0
pids=()

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Kills what the test started and is still running (by process id).
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT

# start NAME args...: runs `sonoflow args...` in the background; NAME.err gets stderr.
start() {
  local name=$1; shift
  "$SONOFLOW" "$@" >"$name.out" 2>"$name.err" &
  pids+=($!)
  eval "pid_$name=$!"
}

# wait_for_text FILE TEXT [SECONDS]: until TEXT appears in FILE; false after SECONDS (45).
wait_for_text() {
  local limit=$((${3:-45} * 10))
  for ((i = 0; i < limit; i++)); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# wait_exit PID [SECONDS]: the process's exit code, or 124 when it is still running.
wait_exit() {
  local limit=$((${2:-45} * 10))
  for ((i = 0; i < limit; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      return $?
    fi
    sleep 0.1
  done
  return 124
}

# json_number FILE KEY: the first number after "KEY": in FILE.
json_value() { grep -o "\"$2\": *[^,}]*" "$1" | head -1 | sed 's/.*: *//; s/"//g'; }

show() { for f in "$@"; do echo "--- $f"; tail -20 "$f" 2>/dev/null; done; }

finish() {
  if ((failures)); then
    show ./*.err
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
