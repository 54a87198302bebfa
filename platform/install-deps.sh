#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and run,
# and only what is missing; runs `apt-get update` only when a package cannot
# be found without it. Idempotent: a second run installs nothing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries
  libsqlite3-dev nlohmann-json3-dev libsodium-dev
  # the stores' time zones (/usr/share/zoneinfo, read by shared/domain/time_zone)
  tzdata
  # kiosk user interface (SDL2 + Dear ImGui, PNG screenshots, Noto Sans)
  libimgui-dev libsdl2-dev libstb-dev fonts-noto-core
  # the QR code of the customer's status link (screen and receipt)
  libqrencode-dev
  # sync: libcurl on the terminal, cpp-httplib + OpenSSL at head office, zlib,
  # and the openssl tool that makes head office's private CA
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev zlib1g-dev openssl
  # head office's PostgreSQL 15: libpq to build against, and the server whose
  # private clusters the tests start themselves (tests/support/postgres_cluster.h)
  postgresql-15 libpq-dev
  # tests, and a real browser (headless, driven over WebDriver) for the
  # head-office dashboard's tests
  catch2 chromium chromium-driver poppler-utils
  testssl.sh # the TLS scanner (command: testssl) that a test runs against feedback-hq serve
  # the libFuzzer build (tests/fuzz/): clang, libFuzzer and the sanitizers' runtimes
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # reads the kiosk's QR code back from its screenshots in the UI tests
  zbar-tools
  # a real SMTP server (with STARTTLS) that the mail tests start themselves
  python3-aiosmtpd
  # the bad-network tests: network namespaces, addresses and tbf (ip, tc)
  iproute2
  # the appliance: the kiosk session (cage on XWayland), its screenshots in
  # the session test (grim), and systemd-analyze for the units' checks; Xlib
  # with its screen-saver and DPMS extensions, which the session test asks
  # whether XWayland could blank the screen
  cage xwayland grim systemd libx11-dev libxss-dev libxext-dev
  # head office behind a reverse proxy that terminates TLS (the documented
  # production layout, tested with a private nginx the test starts itself)
  nginx
  # several head-office processes on one PostgreSQL database behind a load
  # balancer (platform/reverse-proxy/haproxy-feedback-hq.cfg, tested with a
  # private haproxy the tests and the fleet benchmark start themselves)
  haproxy
  # the Debian packages (platform/package.sh, platform/debian/): the build
  # tools, man pages from --help, lintian's checks, and a compiler cache
  # that makes a second package build quick
  debhelper dpkg-dev help2man lintian ccache
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this as root (or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Packages such as nginx start their service on install; nothing here wants
# a system service running (the tests start their own), so policy-rc.d says
# no for the length of the install (man invoke-rc.d), unless one is in place.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
echo "install-deps: installing ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "install-deps: refreshing the package lists and trying again"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
