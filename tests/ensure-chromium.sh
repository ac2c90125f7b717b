#!/bin/sh
# The browser tests (tests/e2e/test_web_browser.py) drive Debian's chromium package: Playwright
# cannot download its own browsers here. Installs it when missing and we can (root and apt-get);
# otherwise stops with one line saying how. The emoji font comes with it: without one, Debian's
# headless chromium draws 📎, 🖥 and the other emoji as empty boxes in the screenshots.
set -e
FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
[ -f "$FONT" ] || missing="$missing fonts-noto-color-emoji"
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing$missing for the browser tests (apt-get) …" >&2
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    [ -x /usr/bin/chromium ] && [ -f "$FONT" ] && exit 0
fi
if [ -x /usr/bin/chromium ]; then
    # The tests run without it; only the screenshots' emoji are boxes.
    echo "The browser tests' screenshots show emoji as boxes without fonts-noto-color-emoji: run 'sudo apt-get install fonts-noto-color-emoji' to fix them." >&2
    exit 0
fi
echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium fonts-noto-color-emoji', then make test again." >&2
exit 1
