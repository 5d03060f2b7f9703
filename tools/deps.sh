#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Idempotent and silent when everything is present (make deps).
missing=""
for p in "$@"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing Debian packages:$missing (run as root, or install them)" >&2
  exit 4
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "deps: apt-get update failed" >&2; exit 4; }
apt-get install -y -qq --no-install-recommends $missing >/dev/null || { echo "deps: apt-get install failed:$missing" >&2; exit 4; }
