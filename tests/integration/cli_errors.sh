# Usage and configuration errors exit 2 with a clear message; check works without a database.
source "$ROOT/tests/integration/lib.sh"
expect_status() { # expected command...
    local want=$1
    shift
    set +e
    "$@" >"$TEST_TMP/out.txt" 2>&1
    local got=$?
    set -e
    [ "$got" = "$want" ] || { cat "$TEST_TMP/out.txt"; fail "$* exited $got, expected $want"; }
}
expect_status 2 "$XINYU"
expect_status 2 "$XINYU" frobnicate
expect_status 0 "$XINYU" --help
for cmd in run ingest report status check registry db; do
    expect_status 0 "$XINYU" "$cmd" --help
done
expect_status 2 "$XINYU" report
expect_status 2 "$XINYU" report --year 2024 --period 2024-2025-1
expect_status 2 "$XINYU" ingest --jobs 0
expect_status 2 "$XINYU" ingest --jobs abc
# xinyu raw takes one raw id, a positive number; a wrong one is refused before any database
for args in "" "abc" "0" "-5" "1 2" "12x" "99999999999999999999" "--out"; do
    # shellcheck disable=SC2086 # the words of each case
    expect_status 2 "$XINYU" --db "host=/nonexistent" raw $args
    grep -qE "Usage: xinyu raw|requires an argument" "$TEST_TMP/out.txt" || fail "xinyu raw $args: no usage"
done
echo '{"sources": 5}' >"$TEST_TMP/bad.json"
expect_status 2 "$XINYU" --config "$TEST_TMP/bad.json" status
grep -q "sources: must be an array" "$TEST_TMP/out.txt" || fail "config error does not name the key"
echo '{"sources": [{"name": "p", "kind": "http", "url": "https://x", "token": "s3cret"}]}' >"$TEST_TMP/tok.json"
expect_status 2 "$XINYU" --config "$TEST_TMP/tok.json" status
grep -q "never read from the config file" "$TEST_TMP/out.txt" || fail "a token in the config is refused"
grep -q "s3cret" "$TEST_TMP/out.txt" && fail "the token appears in the error"

# check: no database needed (point libpq at nothing to prove it)
ex="$ROOT/tests/fixtures/spec-examples"
expect_status 0 env PGHOST=/nonexistent "$XINYU" check --registry "$ex/schools.csv" "$ex/submission-full.json" "$ex/submission-minimal.json"
expect_status 1 env PGHOST=/nonexistent "$XINYU" check --registry "$ex/schools.csv" "$ex/submission-rejected.json"
# in the default language (zh), the field named by its label
grep -qF "专兼职心理教师中持A证人数(staff.psych_cert_a)为 4，超过专职与兼职心理教师人数之和 3" "$TEST_TMP/out.txt" ||
    fail "check reason"
sed 's/3201020001/3209990001/' "$ex/submission-full.json" >"$TEST_TMP/unknown.json"
expect_status 1 "$XINYU" check --lang en --registry "$ex/schools.csv" "$TEST_TMP/unknown.json"
grep -q "school_code: 3209990001 is not in the registry" "$TEST_TMP/out.txt" || fail "unknown school in check"
gzip -c "$ex/submission-full.json" >"$TEST_TMP/full.json.gz"
expect_status 0 "$XINYU" check "$TEST_TMP/full.json.gz"


# a password on the command line would be visible in ps and in the run record: refused
expect_status 2 "$XINYU" --db "host=/nonexistent password=hunter2" status
grep -q "password" "$TEST_TMP/out.txt" || fail "password refusal message"
grep -q "hunter2" "$TEST_TMP/out.txt" && fail "the password is echoed"
expect_status 2 "$XINYU" --db "postgresql://u:hunter2@localhost/x" status
grep -q "hunter2" "$TEST_TMP/out.txt" && fail "the password is echoed"
# a mistyped password (a bad %-escape) is refused too, and never echoed, though libpq
# cannot read the URI
expect_status 2 "$XINYU" --db "postgresql://u:Pa%ZZss@/x?host=/nonexistent" status
grep -q "a database password was given" "$TEST_TMP/out.txt" || fail "unreadable URI with a password is not refused"
grep -q "ZZ" "$TEST_TMP/out.txt" && fail "the password is echoed"
# in DATABASE_URL it is allowed, but libpq's message about it is scrubbed
expect_status 3 env DATABASE_URL="postgresql://u:Pa%ZZss@/x?host=/nonexistent" "$XINYU" status
grep -q "invalid percent-encoded token" "$TEST_TMP/out.txt" || fail "libpq's reason is lost"
grep -Eq "Pa|ZZ|ss\"" "$TEST_TMP/out.txt" && { cat "$TEST_TMP/out.txt"; fail "DATABASE_URL's password is echoed"; }
# a password holding '/' that libpq reads as the port
expect_status 3 env DATABASE_URL="postgresql://u:pa/ss@/x?host=/nonexistent" "$XINYU" status
grep -q '"pa"' "$TEST_TMP/out.txt" && { cat "$TEST_TMP/out.txt"; fail "a part of the password is echoed"; }
echo "password refusal ok"

# inputs refused before any database is reached (libpq pointed at nothing to prove it)
echo '{}' >"$TEST_TMP/empty.json"
expect_status 2 env -u PGHOST -u PGDATABASE -u DATABASE_URL "$XINYU" --config "$TEST_TMP/empty.json" \
    --var "$TEST_TMP/novar" school 12ab
grep -q '"12ab" is not a school code' "$TEST_TMP/out.txt" || fail "school 12ab: $(cat "$TEST_TMP/out.txt")"
[ ! -e "$TEST_TMP/novar" ] || fail "school 12ab started a database under --var first"
expect_status 2 env PGHOST=/nonexistent "$XINYU" --db "host=/nonexistent" status --lang fr
grep -q -- '--lang must be zh or en' "$TEST_TMP/out.txt" || fail "status --lang fr: $(cat "$TEST_TMP/out.txt")"
expect_status 2 env PGHOST=/nonexistent "$XINYU" --db "host=/nonexistent" remind --period 2024-2025-1 --days-before -1
grep -q -- '--days-before must be a whole number' "$TEST_TMP/out.txt" || fail "remind --days-before -1: $(cat "$TEST_TMP/out.txt")"
expect_status 2 env PGHOST=/nonexistent "$XINYU" --db "host=/nonexistent" remind --period 2024-2025学年第三学期
echo "early refusals ok"

# run from a directory without config/xinyu.json, with no database named anywhere: say where
# it looked and stop (it made an empty database under ./var and reported success)
mkdir -p "$TEST_TMP/elsewhere"
for cmd in run ingest report status; do
    (cd "$TEST_TMP/elsewhere" &&
        env -u XINYU_CONFIG -u DATABASE_URL -u PGHOST -u PGHOSTADDR -u PGDATABASE -u PGSERVICE -u PGPORT \
            "$XINYU" $cmd >"$TEST_TMP/out.txt" 2>&1) && rc=0 || rc=$?
    expect_eq "$cmd without a configuration" 2 "$rc"
    grep -q "no configuration file found" "$TEST_TMP/out.txt" || fail "$cmd: $(cat "$TEST_TMP/out.txt")"
    grep -q "config/xinyu.json in $TEST_TMP/elsewhere" "$TEST_TMP/out.txt" || fail "$cmd does not say where it looked"
done
[ ! -e "$TEST_TMP/elsewhere/var" ] || fail "a database was made under ./var"
# check needs no configuration
(cd "$TEST_TMP/elsewhere" && env -u XINYU_CONFIG -u PGDATABASE "$XINYU" check "$ex/submission-full.json" >/dev/null) ||
    fail "check without a configuration"
echo "no configuration ok"
