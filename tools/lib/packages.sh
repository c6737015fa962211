# Sourced by tools/setup.sh, tools/sanitize.sh and tools/fuzz.sh (bash).
# install_missing_packages WHO PACKAGE...: installs with apt-get, non-interactively, the
# Debian packages of the list that are not installed yet (as root, or through sudo), and
# nothing else. WHO prefixes the messages.
install_missing_packages() {
  local who="$1"
  shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "$who: installing missing Debian packages: ${missing[*]}"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "$who: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
