#!/usr/bin/env bash
# Install Debian's Chromium (the report's DOM test and render check drive it headless) and a CJK
# font (so a screenshot of the Chinese report shows characters, not boxes), when missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fonts=$(fc-list 2>/dev/null || true)   # not piped into grep -q: pipefail would see SIGPIPE
grep -qi "wqy\|noto sans cjk" <<<"$fonts" || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
