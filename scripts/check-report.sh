#!/usr/bin/env bash
# The HTML crash report, seen by a browser: writes the report of a built-in
# example with failures, opens it in headless Chromium (Debian's chromium),
# takes a screenshot, and checks that the page drew its timeline: the
# screenshot must hold the crash line's red and the torn write's orange.
#
#   scripts/check-report.sh BUILD_DIR [PNG]   (PNG: where to keep the shot)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: check-report.sh BUILD_DIR [PNG]}
"$top/scripts/install-deps.sh" report || { echo "check-report: installing chromium failed"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/plinth-report.XXXXXX")
trap 'rm -rf "$work"' EXIT
png=${2:-$work/report.png}
"$build/tools/plinth" crashcheck --quiet --max-failures 2 --html "$work/report.html" log-no-checksum >/dev/null
[ $? -eq 1 ] || { echo "check-report: log-no-checksum was not caught"; exit 1; }
if grep -Eq '(src|href)=|@import|url\(' "$work/report.html"; then
  echo "check-report: the report refers to something outside itself"
  exit 1
fi
# Chromium as root needs --no-sandbox; the rest keeps it off the network
# (this machine has none) and out of the user's profile.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --window-size=1100,800 --screenshot="$png" \
  "file://$work/report.html" >"$work/chromium.log" 2>&1
[ -s "$png" ] || { echo "check-report: chromium wrote no screenshot"; tail -n 5 "$work/chromium.log"; exit 1; }
python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
at, chunks, width, height, ctype = 8, [], 0, 0, 0
while at < len(data):
    n, kind = struct.unpack(">I4s", data[at:at + 8])
    body = data[at + 8:at + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        chunks.append(body)
    at += 12 + n
raw = zlib.decompress(b"".join(chunks))
bpp = {2: 3, 6: 4}[ctype]
stride = width * bpp
prev = bytearray(stride)
seen = set()
for y in range(height):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        seen.add(tuple(line[x:x + 3]))
    prev = line
red = any(r > 190 and g < 40 and b < 40 for r, g, b in seen)        # the crash line, #d00
orange = any(r > 220 and 140 < g < 180 and b < 80 for r, g, b in seen)  # the torn write, #f0a030
if not (red and orange):
    sys.exit("check-report: the screenshot shows no timeline (crash line %s, torn write %s)" % (red, orange))
print("check-report: %dx%d screenshot shows the timeline (crash line and torn write drawn)" % (width, height))
PY
