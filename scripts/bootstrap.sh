#!/usr/bin/env bash
# Create the virtual environment and install the project's Python dependencies.
# On a fresh Debian machine (as root) it first installs what Python needs from Debian.
set -euo pipefail
PYTHON=${1:-python3}
VENV=${2:-.venv}

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "Paquets Debian manquants : $* — relancez en root ou installez-les." >&2
        exit 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        export APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    apt_install python3 python3-venv python3-pip
fi
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "Python 3.11 ou plus récent est requis ($PYTHON : $("$PYTHON" --version 2>&1))." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv python3-pip
fi

# The Debian packages the product needs (Pango, HarfBuzz, the letters' font): one list,
# scripts/debian-packages.txt, read by the Dockerfile too.
PACKAGES_LIST="$(dirname "$0")/debian-packages.txt"
missing=()
for pkg in $(sed -e 's/#.*//' "$PACKAGES_LIST"); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
