#!/usr/bin/env bash
# Rewrites every cases/NN_name.expected from what the current `sonoflow validate` prints
# on stderr, run exactly as the tests run it (in cases/, file name only, .args appended,
# SONOFLOW_PLUGIN_PATH unset).
#
#   tests/bad_pipelines/regenerate.sh [path/to/sonoflow]    (default: build/bin/sonoflow)
#
# Review the result with `git diff tests/bad_pipelines/cases` before committing: every
# message must still name the file, line and column of the mistake and say what is right.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sonoflow="${1:-$root/build/bin/sonoflow}"
sonoflow="$(cd "$(dirname "$sonoflow")" && pwd)/$(basename "$sonoflow")"
if [[ ! -x "$sonoflow" ]]; then
  echo "regenerate.sh: no sonoflow at $sonoflow; build it or give its path" >&2
  exit 2
fi
cd "$here/cases"
unset SONOFLOW_PLUGIN_PATH

shopt -s nullglob
cases=()
for entry in *.yaml *.args; do cases+=("${entry%.*}"); done
mapfile -t cases < <(printf '%s\n' "${cases[@]}" | sort -u)

status=0
for case in "${cases[@]}"; do
  args=()
  if [[ -f "$case.args" ]]; then
    while IFS= read -r line || [[ -n "$line" ]]; do
      [[ -n "$line" ]] && args+=("$line")
    done < "$case.args"
  fi
  rc=0
  "$sonoflow" validate "$case.yaml" "${args[@]}" 2> "$case.expected" > /dev/null || rc=$?
  if [[ $rc -ne 1 ]]; then
    echo "regenerate.sh: $case: exit code $rc, the tests expect 1" >&2
    status=1
  fi
done
echo "regenerated ${#cases[@]} .expected files in $here/cases"
exit $status
