#!/usr/bin/env bash
# Make sure the browser tests can run: Debian's chromium (never a browser downloaded by a test tool).
# Installs it with apt-get when missing and this user may; otherwise says plainly that the
# browser tests will be skipped and why. Never fails the caller.
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium and chromium-driver for the browser tests"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; then
    exit 0
  fi
  echo "== SKIPPING the browser tests: apt-get could not install chromium (no network or no package index?)"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "== installing Debian's chromium and chromium-driver for the browser tests (sudo)"
  sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null && exit 0
  echo "== SKIPPING the browser tests: sudo apt-get could not install chromium"
else
  echo "== SKIPPING the browser tests: /usr/bin/chromium is missing and this user cannot install it"
  echo "   (run: sudo apt-get install chromium chromium-driver, then make test again)"
fi
exit 0
