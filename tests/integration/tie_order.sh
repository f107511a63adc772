# Tied resubmissions (SUBMISSION.md section 4): of versions with the same submitted_at the
# one received later wins, and "received" is the order of discovery (file path, then line)
# and of runs, never the order in which workers happen to merge. The same spool loaded
# fresh with --jobs 1 and --jobs 2, several times, must make the same versions current.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
spool="$TEST_TMP/spool"
mkdir -p "$spool"
min="$ROOT/tests/fixtures/spec-examples/submission-minimal.json"
schools="3201020001 3201020002 3201040001 3201040002"
# version SCHOOL PARTTIME: one JSON line; every version of a school has the same submitted_at
version() {
    sed -e "s/\"school_code\":\"[0-9]*\"/\"school_code\":\"$1\"/" \
        -e "s/\"psych_parttime\":1/\"psych_parttime\":$2/" "$min"
    echo
}
# three files with two tied versions of every school each: the spec's winner is the second
# line of the last file (c.jsonl), psych_parttime 32. Rejected lines of no school come before
# the versions of a.jsonl and c.jsonl, so that with two workers b.jsonl, taken together with
# a.jsonl, reaches the merge first, and c.jsonl still before a.jsonl.
file() { # NAME PADDING FIRST_VALUE
    local f="$spool/$1"
    : >"$f"
    for p in $(seq 1 "$2"); do
        echo "{\"padding\": \"$1 line $p\"}" >>"$f"
    done
    for s in $schools; do
        version "$s" "$3" >>"$f"
        version "$s" $(($3 + 1)) >>"$f"
    done
}
file a.jsonl 200 11
file b.jsonl 0 21
file c.jsonl 60 31
# one transaction per file, one item per merge, so that two workers interleave
write_config "$TEST_TMP/conf.json" "$spool" '"limits": {"batch_size": 1}'
current() {
    sql "SELECT string_agg(school_code || '=' || staff_psych_parttime, ' ' ORDER BY school_code) FROM xinyu.submission WHERE is_current"
}
want="3201020001=32 3201020002=32 3201040001=32 3201040002=32"

n=0
for jobs in 1 2 2 2 1 2 2 2; do
    n=$((n + 1))
    db="${PGDATABASE}_tie$n"
    createdb "$db"
    PGDATABASE=$db "$XINYU" -q --config "$TEST_TMP/conf.json" registry load
    # exit 1: the padding lines are rejected
    status=0
    PGDATABASE=$db "$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs "$jobs" >/dev/null || status=$?
    expect_eq "exit status, load $n" 1 "$status"
    expect_eq "current versions, load $n (--jobs $jobs)" "$want" "$(PGDATABASE=$db current)"
    expect_eq "versions stored, load $n" 24 "$(PGDATABASE=$db sql "SELECT count(*) FROM xinyu.submission")"
    # the run's record says the same: one loaded per school, the rest superseded
    expect_eq "run counts, load $n" "284 4 0 20 260" \
        "$(PGDATABASE=$db counts "$(PGDATABASE=$db sql "SELECT max(run_id) FROM xinyu.run")")"
done
echo "tied versions in one run ok"

# a later run receives later: a tied version in a new file wins, though its path sorts first
db="${PGDATABASE}_tie1"
version 3201020001 999 >"$spool/a00.jsonl"
PGDATABASE=$db "$XINYU" -q --config "$TEST_TMP/conf.json" ingest --jobs 2 >/dev/null
expect_eq "a later run's tie" "3201020001=999 3201020002=32 3201040001=32 3201040002=32" \
    "$(PGDATABASE=$db current)"
echo "tied versions across runs ok"
