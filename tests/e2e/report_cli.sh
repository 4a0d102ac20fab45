# Reading a failure from the command line: the terminal timeline of
# `replay --timeline` and `weft show`, and the HTML pages of `BIN report`,
# `weft report ID` and `weft report --campaign`.
. "$(dirname "$0")/common.inc"
DB=$TMP/r.db
expect_rc 1 "$EX/lock_order" explore lock_order --db "$DB"
expect_rc 1 "$EX/lock_order" replay lock_order --db "$DB" --id 1 --timeline
expect_grep 'transfer a->b' "$TMP/out"
expect_grep 'WAIT lock #' "$TMP/out"
expect_grep 'FAIL: deadlock' "$TMP/out"
expect_rc 0 "$B/weft" --db "$DB" show 1
expect_grep 'timeline (replayed by the recorded binary)' "$TMP/out"
expect_grep 'WAIT lock #' "$TMP/out"
expect_rc 0 "$EX/lock_order" report lock_order --db "$DB" --id 1 --html "$TMP/a.html"
expect_grep 'class="lane"' "$TMP/a.html"
expect_grep 'lock_order.c:35' "$TMP/a.html"
expect_grep 'replay lock_order --db' "$TMP/a.html"
if grep -q 'https\?://' "$TMP/a.html"; then fail "the report refers to the network"; else ok "self-contained"; fi
expect_rc 0 "$B/weft" --db "$DB" report 1 --html "$TMP/b.html"
expect_grep 'class="lane"' "$TMP/b.html"
expect_rc 0 "$B/weft" --db "$DB" report --campaign 0 --html "$TMP/c.html"
expect_grep '<svg' "$TMP/c.html"
expect_rc 2 "$B/weft" --db "$DB" report 1
expect_rc 2 "$EX/lock_order" report lock_order --db "$DB" --id 1
expect_rc 2 "$B/weft" --db "$DB" report 99 --html "$TMP/x.html"
finish
