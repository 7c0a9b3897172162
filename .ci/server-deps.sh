#!/bin/sh
# Install what the runtime server's tests call besides Python: Debian's curl (the old
# runtime API's curl example runs through /usr/bin/curl, as a user would run it).
#
# Idempotent: does nothing when /usr/bin/curl already exists.
set -eu

if [ -x /usr/bin/curl ]; then
    echo "server-deps: /usr/bin/curl present, nothing to do"
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi

echo "server-deps: installing Debian curl"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends curl ca-certificates
