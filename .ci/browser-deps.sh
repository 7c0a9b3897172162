#!/bin/sh
# Install the browser the end-to-end tests drive: Debian's chromium package.
#
# Idempotent: does nothing when /usr/bin/chromium already exists. The tests use
# Python playwright with executable_path=/usr/bin/chromium, so `playwright
# install` (which downloads its own browser builds) is never needed.
set -eu

if [ -x /usr/bin/chromium ]; then
    echo "browser-deps: /usr/bin/chromium present, nothing to do"
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi

echo "browser-deps: installing Debian chromium"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation
/usr/bin/chromium --version 2>/dev/null || true
