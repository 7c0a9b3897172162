#!/bin/sh
# Install the Debian packages the tests call besides Python: chromium (the browser tests drive
# /usr/bin/chromium through Python playwright, so `playwright install` is never needed) and curl
# (the old runtime API's curl example runs through /usr/bin/curl, as a user would run it).
#
# Idempotent: installs only what is missing; apt-get update runs at most once.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium fonts-liberation"
[ -x /usr/bin/curl ] || missing="$missing curl ca-certificates"
if [ -z "$missing" ]; then
    echo "debian-deps: chromium and curl present, nothing to do"
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi

echo "debian-deps: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # the list is meant to split into package names
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
/usr/bin/chromium --version 2>/dev/null || true
