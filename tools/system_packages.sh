#!/usr/bin/env bash
# The system (Debian/Ubuntu) packages the tests need, in one place: `make system-packages` (run by
# `make test`) installs the missing ones with apt-get when it runs as root, as CI does; otherwise it
# prints the command to run. Usage: tools/system_packages.sh PACKAGE...
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages: not a Debian/Ubuntu system; install ${missing[*]} yourself (the tests that need them are skipped)." >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
