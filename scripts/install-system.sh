#!/usr/bin/env bash
# Installs the Debian packages scenefarm needs, only those that are missing.
# Run as root (or with sudo available). Idempotent: a second run installs nothing.
set -euo pipefail

PACKAGES=(
  # our own stitching and probing
  ffmpeg
  # pycairo / manimpango build from source
  build-essential pkg-config python3-dev python3-venv libcairo2-dev libpango1.0-dev
  # MathTex / Tex
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended texlive-science dvisvgm cm-super-minimal
  # sandbox backends and their tools
  bubblewrap util-linux
  # job store for the API and the tests
  redis-server
  # fonts for Text() and for web scenes
  fontconfig fonts-dejavu-core
  # narration's offline voice (GPL-3.0, run as a separate process)
  espeak-ng
  # the web studio's browser tests (headless, driven by Selenium)
  chromium chromium-driver
  # web scenes: headless Chromium (the page renderer), node (the runtime's build and tests)
  chromium-headless-shell nodejs
)
# npm: Debian's package, unless a node install that brings its own npm is there already
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi
if [[ "${SCENEFARM_WITH_DOCKER:-0}" == 1 ]]; then
  PACKAGES+=(docker.io debootstrap)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
echo "scenefarm: installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Fontconfig's cache is read-only inside the sandbox: build it once here.
$SUDO fc-cache -s >/dev/null 2>&1 || true
