# Files written into out/ never follow a symlink that someone planted there: not under the
# temporary name a report is written to before it is renamed (once NAME.tmp.PID, which anyone
# could guess), nor under the report's own name. Reports, stamps, quality lists and workbook,
# audit, review and the feedback letters.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ROOT/tests/fixtures/spec-examples/submission-minimal.json" "$ROOT/tests/fixtures/spec-examples/submission-full.json" \
    "$ROOT/tests/fixtures/spec-examples/submission-rejected.json" "$spool/"
write_config "$TEST_TMP/conf.json" "$spool"
x() { "$XINYU" --config "$TEST_TMP/conf.json" -q "$@"; }
x run --out "$TEST_TMP/first" >/dev/null 2>&1 || true

victim="$TEST_TMP/victim.txt"
printf 'not a report\n' >"$victim"
ref="$TEST_TMP/ref"
out="$TEST_TMP/out"

# attack CMD...: runs xinyu CMD --out $out with a symlink to the victim under the temporary
# name (NAME.tmp.PID: exec keeps the shell's pid) and under the name of every file that the
# same command writes, learnt from a run into $ref first
attack() {
    rm -rf "$ref" "$out"
    x "$@" --out "$ref" >/dev/null 2>&1 || true
    local names
    names=$(cd "$ref" && find . -type f ! -name '.*.tmp.*' | sed 's|^\./||' | sort)
    [ -n "$names" ] || fail "$1 wrote nothing"
    mkdir -p "$out/feedback"
    NAMES="$names" OUT="$out" VICTIM="$victim" bash -c '
        for n in $NAMES; do
            ln -s "$VICTIM" "$OUT/$n.tmp.$$"
            ln -s "$VICTIM" "$OUT/$n"
        done
        exec "$@"' _ "$XINYU" --config "$TEST_TMP/conf.json" -q "$@" --out "$out" >/dev/null 2>&1 || true
    expect_eq "$1: the file a symlink points to" "not a report" "$(cat "$victim")"
    local n
    for n in $names; do
        [ -f "$out/$n" ] && [ ! -L "$out/$n" ] || fail "$1: $n was not written in place of the symlink"
    done
    echo "$1: $(echo "$names" | wc -l) files, no symlink followed"
}

attack report --year 2024 --format json,csv,html,xlsx
attack audit --year 2024 --format json,csv,html,xlsx
attack review --from 2024 --to 2024 --format json,csv,html,xlsx
attack quality --year 2024
ls "$out"/feedback/*.txt >/dev/null 2>&1 || fail "quality: no feedback letter was written (the test shows nothing)"
# the nightly run: its reports and their stamps (.indicators-SCOPE.inputs) in a new out/
rm -rf "$ref" "$out"
mkdir -p "$ref" "$out"
x run --out "$ref" >/dev/null 2>&1 || true
stamps=$(cd "$ref" && ls -A | grep '^\.indicators-.*\.inputs$')
[ -n "$stamps" ] || fail "the run wrote no stamp"
NAMES="$stamps" OUT="$out" VICTIM="$victim" bash -c '
    for n in $NAMES; do ln -s "$VICTIM" "$OUT/$n.tmp.$$"; done
    exec "$@"' _ "$XINYU" --config "$TEST_TMP/conf.json" -q run --out "$out" >/dev/null 2>&1 || true
expect_eq "run: the file a symlink points to" "not a report" "$(cat "$victim")"
for n in $stamps; do
    [ -f "$out/$n" ] && [ ! -L "$out/$n" ] || fail "run: the stamp $n was not written"
done
# nothing of ours is left behind: no temporary file, no workbook's directory
left=$(find "$out" "$ref" -name '*.tmp.*' ! -type l)
[ -z "$left" ] || fail "temporary files left: $left"
echo "no symlink followed"
