#!/bin/sh
# The browser tests (tests/e2e/test_web_browser.py) drive Debian's chromium package: Playwright
# cannot download its own browsers here. Installs it when missing and we can (root and apt-get);
# otherwise stops with one line saying how.
set -e
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the browser tests (apt-get) …" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    [ -x /usr/bin/chromium ] && exit 0
fi
echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium', then make test again." >&2
exit 1
