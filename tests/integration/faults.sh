# Faults: SIGKILL at each stage (inflate, COPY, merge, commit, report write) followed by a
# rerun that ends identical to a clean run; the database server restarted mid-run (exit 3,
# clear message, the rerun succeeds); SIGTERM stops after the current transaction; an
# output directory that cannot be written; two runs at once.
source "$ROOT/tests/integration/lib.sh"
gen="$BUILD/xinyu-gen"
"$gen" --schools 300 --seed 5 --format json --out "$TEST_TMP/data" 2>/dev/null
cp "$TEST_TMP/data/schools.csv" "$TEST_TMP/schools.csv"
mkdir -p "$TEST_TMP/targets"
cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$TEST_TMP/targets/2024.json"
write_config "$TEST_TMP/conf.json" "$TEST_TMP/data/spool" '"limits": {"batch_size": 20}'
base_db=$PGDATABASE

run_status() { # expected-exit args...: runs xinyu, checks its exit status
    local want=$1
    shift
    set +e
    "$XINYU" -q --config "$TEST_TMP/conf.json" "$@" >"$TEST_TMP/out.txt" 2>&1
    local got=$?
    set -e
    [ "$got" = "$want" ] || { cat "$TEST_TMP/out.txt"; fail "xinyu $* exited $got, expected $want"; }
}
indicators() { grep -v '"generated_at"' "$1/indicators-2024.json"; }
fingerprint() {
    sql "SELECT md5(string_agg(school_code || period || submitted_at::text || staff_psych_fulltime::text, ',' ORDER BY school_code, period)) FROM xinyu.submission WHERE is_current"
}
consistent() { # every submission has grades and an item; every done file has items
    expect_eq "$1: submissions without items" 0 "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS (SELECT FROM xinyu.run_item ri WHERE ri.raw_id = s.raw_id)")"
    expect_eq "$1: submissions without grades" 0 "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS (SELECT FROM xinyu.submission_grade g WHERE g.submission_id = s.submission_id)")"
    expect_eq "$1: raw rows without items" 0 "$(sql "SELECT count(*) FROM xinyu.raw_submission r WHERE NOT EXISTS (SELECT FROM xinyu.run_item ri WHERE ri.raw_id = r.raw_id)")"
}

# the reference: a clean run
export PGDATABASE="${base_db}_clean"
createdb "$PGDATABASE"
run_status 1 run --out "$TEST_TMP/clean"
clean_fp=$(fingerprint)
clean_items=$(sql "SELECT count(*) FROM xinyu.run_item")

# 1. SIGKILL at every stage, then a clean rerun
# (report_side: while the quality report waits for the days it reads on a connection of its
# own, with the year's indicators made by a thread beside it)
for point in inflate@40 copy@3 merge@3 commit@3 report_write@1 report_side@1; do
    export PGDATABASE="${base_db}_${point%@*}"
    createdb "$PGDATABASE"
    set +e
    XINYU_FAULT="$point:kill" "$XINYU" -q --config "$TEST_TMP/conf.json" run --jobs 1 --out "$TEST_TMP/k" >"$TEST_TMP/out.txt" 2>&1
    got=$?
    set -e
    expect_eq "killed at $point" 137 "$got"
    consistent "after a kill at $point"
    # after a kill while writing the report everything is loaded already: nothing new, exit 0
    case "$point" in report_*) want=0 ;; *) want=1 ;; esac
    run_status $want run --out "$TEST_TMP/after-$point"
    consistent "after the rerun ($point)"
    expect_eq "$point: same submissions as a clean run" "$clean_fp" "$(fingerprint)"
    expect_eq "$point: every item received once" "$clean_items" "$(sql "SELECT count(*) FROM xinyu.run_item")"
    expect_eq "$point: runs add up" "$clean_items" "$(sql "SELECT sum(received) FROM xinyu.run")"
    expect_eq "$point: the killed run is closed" 0 "$(sql "SELECT count(*) FROM xinyu.run WHERE status = 'running'")"
    diff <(indicators "$TEST_TMP/clean") <(indicators "$TEST_TMP/after-$point") >/dev/null ||
        fail "$point: indicators differ from the clean run"
    echo "kill at $point: survived"
done

# 2. the server restarted in the middle of a run
export PGDATABASE="${base_db}_restart"
createdb "$PGDATABASE"
set +e
XINYU_FAULT="merge@3:sleep=3" "$XINYU" --config "$TEST_TMP/conf.json" run --jobs 1 --out "$TEST_TMP/r" >"$TEST_TMP/restart.txt" 2>&1 &
pid=$!
sleep 1.5
"$ROOT/scripts/pgtmp.sh" stop "$PGTMP_DIR"
PGTMP_PORT=$PGPORT "$ROOT/scripts/pgtmp.sh" start "$PGTMP_DIR" >/dev/null
wait $pid
got=$?
set -e
cat "$TEST_TMP/restart.txt"
expect_eq "exit status when the server goes away" 3 "$got"
grep -qi "server closed the connection\|terminating connection\|connection was lost\|no connection" "$TEST_TMP/restart.txt" ||
    fail "no clear message about the lost server"
consistent "after the restart"
run_status 1 run --out "$TEST_TMP/after-restart"
expect_eq "restart: same submissions as a clean run" "$clean_fp" "$(fingerprint)"
diff <(indicators "$TEST_TMP/clean") <(indicators "$TEST_TMP/after-restart") >/dev/null ||
    fail "restart: indicators differ"
echo "server restart: survived"

# 3. SIGTERM: stop after the current transaction, status partial, the rerun finishes
export PGDATABASE="${base_db}_term"
createdb "$PGDATABASE"
run_status 0 registry load
set +e
XINYU_FAULT="merge@2:sleep=2" "$XINYU" --config "$TEST_TMP/conf.json" ingest --jobs 1 >"$TEST_TMP/term.txt" 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
got=$?
set -e
expect_eq "exit status after SIGTERM" 1 "$got"
expect_eq "stopped run status" partial "$(sql "SELECT status FROM xinyu.run ORDER BY run_id DESC LIMIT 1")"
sql "SELECT message FROM xinyu.run ORDER BY run_id DESC LIMIT 1" | grep -q "stopped on request" || fail "stop message"
loaded=$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NOT NULL")
[ "$loaded" -gt 0 ] || fail "the current transaction was not committed before stopping"
[ "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NULL")" -gt 0 ] || fail "SIGTERM did not stop the run early"
consistent "after SIGTERM"
run_status 1 run --out "$TEST_TMP/after-term"
expect_eq "term: same submissions as a clean run" "$clean_fp" "$(fingerprint)"
echo "SIGTERM: stopped cleanly"

# 4. the output directory cannot be written: the report fails clearly, the data stays
export PGDATABASE="${base_db}_out"
createdb "$PGDATABASE"
echo "not a directory" >"$TEST_TMP/a-file"
run_status 3 run --out "$TEST_TMP/a-file/out"
grep -q "cannot create the output directory\|cannot write a report" "$TEST_TMP/out.txt" || { cat "$TEST_TMP/out.txt"; fail "no clear report error"; }
expect_eq "data stays loaded" "$clean_fp" "$(fingerprint)"
if mkdir -p "$TEST_TMP/full" && mount -t tmpfs -o size=16k tmpfs "$TEST_TMP/full" 2>/dev/null; then
    dd if=/dev/zero of="$TEST_TMP/full/filler" bs=1k count=16 2>/dev/null || true
    run_status 3 report --year 2024 --out "$TEST_TMP/full"
    grep -q "cannot write a report" "$TEST_TMP/out.txt" || { cat "$TEST_TMP/out.txt"; fail "no clear disk-full error"; }
    ls "$TEST_TMP/full" | grep -q "tmp" && fail "a partial report file was left behind"
    umount "$TEST_TMP/full"
    echo "full disk: reported"
else
    echo "full disk: skipped (cannot mount a small tmpfs here)"
fi

# 5. two runs at once: the second exits at once and names the holder
export PGDATABASE="${base_db}_two"
createdb "$PGDATABASE"
set +e
XINYU_FAULT="merge@1:sleep=3" "$XINYU" -q --config "$TEST_TMP/conf.json" run --out "$TEST_TMP/t1" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM xinyu.run WHERE status = 'running'" 2>/dev/null || echo 0)" = 1 ] && break
    sleep 0.05
done
start=$(date +%s)
"$XINYU" --config "$TEST_TMP/conf.json" run --out "$TEST_TMP/t2" >"$TEST_TMP/second.txt" 2>&1
got=$?
took=$(($(date +%s) - start))
wait $pid
set -e
cat "$TEST_TMP/second.txt"
expect_eq "second run exit status" 3 "$got"
[ "$took" -le 2 ] || fail "the second run waited ${took}s instead of exiting at once"
grep -q "another run is in progress" "$TEST_TMP/second.txt" || fail "no message"
grep -q "on host .*process $pid" "$TEST_TMP/second.txt" || fail "the holder is not named"
echo "two runs: refused at once"
