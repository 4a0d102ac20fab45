# The README's first test, built outside the tree against an installed weft
# with pkg-config (shared and fully static), finds its bug and replays it.
. "$(dirname "$0")/common.inc"
P=$TMP/prefix
cmake --install "$B" --prefix "$P" >/dev/null || fail "cmake --install"
PC=$(dirname "$(find "$P" -name weft-main.pc | head -n 1)")
export PKG_CONFIG_PATH=$PC
sed -n '/<!-- first-test: begin -->/,/<!-- first-test: end -->/p' "$S/README.md" |
    sed '/^```/d; /<!--/d' >"$TMP/first_test.c"
grep -q WEFT_TEST "$TMP/first_test.c" && ok "README test extracted" || fail "no test in README"
cd "$TMP"
# a sanitized weft needs a sanitized program (and cannot link fully static)
CC_SAN=""
case "${WEFT_SANITIZE:-OFF}" in ON|1|TRUE|true) CC_SAN="-fsanitize=address,undefined" ;; esac
cc $CC_SAN first_test.c -o first_test $(pkg-config --cflags --libs weft-main) || fail "shared build"
export LD_LIBRARY_PATH=$(pkg-config --variable=libdir weft)
expect_rc 1 ./first_test explore two_visits
expect_grep 'FAIL two_visits: assert' "$TMP/out"
replay_args=$(sed -n 's/.* replay two_visits //p' "$TMP/out" | head -n 1)
expect_rc 1 ./first_test replay two_visits $replay_args
expect_grep 'reproduced: assert' "$TMP/out"
if [ -n "$CC_SAN" ]; then echo "static build skipped under sanitizers"; finish; fi
cc -static first_test.c -o first_test_static $(pkg-config --static --cflags --libs weft-main) ||
    fail "static build"
expect_rc 1 ./first_test_static explore two_visits
expect_grep "replay two_visits $replay_args" "$TMP/out"
finish
