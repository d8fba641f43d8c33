#!/usr/bin/env bash
# Render the analyst report in headless Chromium and check the screenshot is not blank.
# Usage: scripts/check-report-render.sh   (installs Debian's chromium if it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-chromium.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --locked --quiet
bin=target/debug/qcc-credit
"$bin" demo --db "$work/demo.sqlite" >/dev/null 2>&1 || true   # exit 0 or 5 both give a report
"$bin" report --db "$work/demo.sqlite" --out "$work/report.html" >/dev/null

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --window-size=1200,1600 \
  --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1

python3 - "$work/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw))
print(f"screenshot {width}x{height}, {len(raw)} bytes of pixels, {distinct} distinct byte values")
# A blank page decompresses to a handful of values (filter bytes and one colour).
if width < 100 or height < 100 or distinct < 16:
    sys.exit("the report rendered blank")
PY
echo "report renders in headless Chromium: ok"
