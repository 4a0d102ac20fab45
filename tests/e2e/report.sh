# Failure reports as a person sees them: the report driver renders the
# bug zoo's reports (and a 10,000-step one); each must be one
# self-contained file with one lane per task, and, when headless Chromium
# is installed, load without errors, lay out in under a second, and not
# screenshot blank, with its script and without.
. "$(dirname "$0")/common.inc"
D=$B/tests/report_driver
[ -x "$D" ] || { fail "no $D (build the tests first)"; finish; }

# expect_count WANT PATTERN FILE: PATTERN occurs exactly WANT times in FILE.
expect_count() {
    got=$(grep -o -- "$2" "$3" | wc -l)
    if [ "$got" = "$1" ]; then ok "$2 x $got in $(basename "$3")"; else
        fail "$2 occurs $got times in $3, expected $1"; fi
}

pages=""
for ex in lock_order timeout_race lost_wakeup early_close slot_leak lost_update report_long; do
    expect_rc 0 "$D" "$ex" "$TMP/$ex.html" --minimize --timeline
    lanes=$(sed -n 's/^lanes \([0-9]*\)$/\1/p' "$TMP/out")
    cp "$TMP/out" "$TMP/$ex.txt"
    expect_grep "^$ex: " "$TMP/$ex.txt"              # the terminal timeline's title
    expect_grep '[a-z_]*\.c:[0-9]' "$TMP/$ex.txt"     # file:line on its rows
    f=$TMP/$ex.html
    [ -s "$f" ] || { fail "$f is empty"; continue; }
    expect_count "$lanes" 'class="lane"' "$f"
    if grep -q 'https\?://\|<link\|src=\|@import' "$f"; then
        fail "$f refers to something outside itself"
    else ok "$ex.html is self-contained"; fi
    size=$(wc -c <"$f")
    [ "$size" -lt 2097152 ] && ok "$ex.html is $size bytes" || fail "$ex.html is $size bytes"
    pages="$pages $ex:$lanes"
done
expect_grep 'WAIT lock #' "$TMP/lock_order.txt"
expect_grep 'clock jumps to 100ms' "$TMP/timeout_race.txt"
expect_grep 'CANCEL explicit' "$TMP/timeout_race.txt"
expect_grep 'steps (' "$TMP/report_long.txt"         # long runs are folded
expect_grep 'class="wf"' "$TMP/lock_order.html"       # the wait-for graph
expect_grep 'held by' "$TMP/lock_order.html"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium not installed (the Chromium checks need: apt-get install chromium)"
    finish
fi

# chrome OUT ERR ARGS...: one headless run, bounded in time.
chrome() {
    out=$1 err=$2; shift 2
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --disable-extensions --user-data-dir="$TMP/u" \
        --enable-logging=stderr --v=0 "$@" >"$out" 2>"$err"
}

# distinct_colours PNG: distinct RGB colours in a screenshot (python3, pure
# standard library), or nothing when python3 is missing.
distinct_colours() {
    command -v python3 >/dev/null || return 0
    python3 - "$1" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
pos, idat = 8, b''
while pos < len(d):
    n, = struct.unpack('>I', d[pos:pos + 4]); t = d[pos + 4:pos + 8]; c = d[pos + 8:pos + 8 + n]
    pos += 12 + n
    if t == b'IHDR': w, h, depth, ct = struct.unpack('>IIBB', c[:10])
    elif t == b'IDAT': idat += c
bpp = {2: 3, 6: 4}[ct]; raw = zlib.decompress(idat); stride = w * bpp
prev = bytearray(stride); seen = set(); i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 3 == 0:
        seen.update(bytes(line[k:k + 3]) for k in range(0, stride, bpp * 2))
    prev = line
print(len(seen))
EOF
}

for page in $pages; do
    ex=${page%%:*} lanes=${page#*:}
    url="file://$TMP/$ex.html"
    chrome "$TMP/dom" "$TMP/cerr" --dump-dom "$url"
    grep -q 'data-weft="ok"' "$TMP/dom" && ok "$ex: the page loaded and ran" ||
        { fail "$ex: the page did not load in Chromium"; tail -5 "$TMP/cerr" >&2; }
    expect_count "$lanes" 'class="lane"' "$TMP/dom"
    if grep -i 'Uncaught\|CONSOLE.*error' "$TMP/cerr" >&2; then fail "$ex: console errors"; fi
    ms=$(sed -n 's/.*data-weft-ms="\([0-9]*\)".*/\1/p' "$TMP/dom")
    if [ -n "$ms" ] && [ "$ms" -lt 1000 ]; then ok "$ex: loaded and laid out in $ms ms"
    else fail "$ex: load and layout took '${ms:-?}' ms"; fi
    # The page needs no script: without its one marker script (headless
    # Chromium's dump and screenshot need JavaScript on) it shows the same.
    grep -v '^<script>' "$TMP/$ex.html" >"$TMP/$ex-noscript.html"
    chrome "$TMP/dom0" "$TMP/cerr0" --dump-dom "file://$TMP/$ex-noscript.html"
    expect_count "$lanes" 'class="lane"' "$TMP/dom0"
    grep -q 'data-weft="ok"' "$TMP/dom0" && fail "$ex: the script was not removed"
    for js in on off; do
        rm -f "$TMP/$ex.png"
        [ $js = on ] && page_url=$url || page_url="file://$TMP/$ex-noscript.html"
        chrome "$TMP/shot.out" "$TMP/shot.err" --screenshot="$TMP/$ex.png" \
            --window-size=1400,900 --hide-scrollbars "$page_url"
        size=$(wc -c <"$TMP/$ex.png" 2>/dev/null || echo 0)
        [ "$size" -gt 20000 ] && ok "$ex: screenshot (scripts $js) is $size bytes" ||
            fail "$ex: screenshot (scripts $js) is $size bytes (blank?)"
        colours=$(distinct_colours "$TMP/$ex.png")
        if [ -n "$colours" ]; then
            [ "$colours" -ge 32 ] && ok "$ex: $colours colours on screen" ||
                fail "$ex: only $colours colours on screen (blank?)"
        fi
    done
done
finish
