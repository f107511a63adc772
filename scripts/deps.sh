#!/usr/bin/env bash
# deps.sh - install the Debian packages Xinyu needs, only those missing.
#   scripts/deps.sh build   what building and running needs
#   scripts/deps.sh test    that plus what the tests need
set -euo pipefail
what=${1:-build}

build_pkgs="gcc make pkg-config libpq-dev libcurl4-openssl-dev libjansson-dev zlib1g-dev libdeflate-dev libssl-dev
            libxlsxwriter-dev libminizip-dev libexpat1-dev libpcre2-dev libutf8proc-dev postgresql"
test_pkgs="libcmocka-dev python3 python3-openpyxl python3-psycopg2 clang openssl valgrind chromium
           libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils"

pkgs=$build_pkgs
[ "$what" = test ] && pkgs="$build_pkgs $test_pkgs"

missing=()
for p in $pkgs; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$status" in ii*) ;; *) missing+=("$p") ;; esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "deps: missing packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list finds nothing: refresh it once before installing.
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
