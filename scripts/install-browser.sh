#!/usr/bin/env bash
# Installs the system Chromium the browser tests drive (tests/browser), from Debian's
# packages. Idempotent: does nothing when /usr/bin/chromium is already there. Never
# downloads a browser build of its own (Playwright is pointed at the system Chromium).
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
    echo "install-browser: /usr/bin/chromium is present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown')); nothing to do"
    exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
    echo "install-browser: skipped: not root; install it with 'sudo apt-get install -y chromium chromium-driver' (browser tests skip until then)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: skipped: no apt-get on this system; install Chromium at /usr/bin/chromium by hand (browser tests skip until then)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; an install without them finds nothing.
if ! apt-cache show chromium >/dev/null 2>&1; then
    apt-get update -q
fi
apt-get install -y -q --no-install-recommends chromium chromium-driver
echo "install-browser: installed $(/usr/bin/chromium --version)"
