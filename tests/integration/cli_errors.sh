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
grep -q "staff.psych_cert_a: 4 exceeds psych_fulltime + psych_parttime (3)" "$TEST_TMP/out.txt" || fail "check reason"
sed 's/3201020001/3209990001/' "$ex/submission-full.json" >"$TEST_TMP/unknown.json"
expect_status 1 "$XINYU" check --registry "$ex/schools.csv" "$TEST_TMP/unknown.json"
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
