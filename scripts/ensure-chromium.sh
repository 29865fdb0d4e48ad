#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the widget's browser tests (Playwright drives it with
# executable_path; `playwright install` is never used). Installs it with apt-get when it is missing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
echo "chromium is missing at $CHROMIUM: installing Debian's chromium package with apt-get" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "error: installing chromium needs root (or password-less sudo). Run as root:" >&2
  echo "  apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get update -q || \
   ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium; then
  echo "error: 'apt-get install chromium' failed (see above). The browser tests need Debian's chromium at" >&2
  echo "$CHROMIUM; install it by hand, or check the apt sources and network access." >&2
  exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "error: the chromium package is installed but $CHROMIUM is missing" >&2
  exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" >&2
