# A run is closed as aborted by the next process only when its own process has died. Every
# process closes the dead runs it finds when it starts (xinyu.run_reap); a run whose process
# still works - here paused in its first merge - stays running, and ends with its own counts.
# Xinyu's sessions work as least-privilege roles, to which pg_stat_activity does not show
# when another login's sessions started: the run's advisory lock is what says it lives.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
mkdir -p "$TEST_TMP/a" "$TEST_TMP/empty"
cp "$ROOT/tests/fixtures/spec-examples/submission-full.json" "$TEST_TMP/a/"
write_config "$TEST_TMP/a.json" "$TEST_TMP/a"
# another source, with nothing in it: a process that starts, reaps and ends
sed "s|\"name\": \"spool\", \"kind\": \"spool\", \"path\": \"$TEST_TMP/a\"|\"name\": \"other\", \"kind\": \"spool\", \"path\": \"$TEST_TMP/empty\"|" \
    "$TEST_TMP/a.json" >"$TEST_TMP/empty.json"
grep -q '"other"' "$TEST_TMP/empty.json" || fail "no configuration for the other source"
"$XINYU" -q --config "$TEST_TMP/a.json" registry load

# wait_for WHAT SQL: until SQL says t, for at most 10 s
wait_for() {
    local i
    for i in $(seq 100); do
        [ "$(sql "$2")" = t ] && return 0
        sleep 0.1
    done
    fail "waited 10 s for $1"
}

# 1. a live run: paused 4 s in its first merge while another process starts and reaps
XINYU_FAULT="merge@1:sleep=4" "$XINYU" -q --config "$TEST_TMP/a.json" ingest --jobs 1 \
    >"$TEST_TMP/a.out" 2>"$TEST_TMP/a.err" &
pa=$!
wait_for "the paused run" "SELECT EXISTS (SELECT FROM xinyu.run WHERE kind = 'ingest')"
run_a=$(sql "SELECT max(run_id) FROM xinyu.run WHERE kind = 'ingest'")
"$XINYU" -q --config "$TEST_TMP/empty.json" ingest >"$TEST_TMP/b.out" 2>&1 ||
    fail "the second process: $(cat "$TEST_TMP/b.out")"
kill -0 $pa 2>/dev/null || fail "the paused process ended before the second one had started"
expect_eq "the paused run, after another process started" "running" \
    "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run_a")"
rc=0
wait $pa || rc=$?
expect_eq "the paused process" 0 "$rc"
expect_eq "the paused run, ended by its process: status and counts" "ok 1 1 0 0 0" \
    "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run_a") $(counts $run_a)"

# 2. a dead run: its process killed while paused; the next process closes it
cp "$ROOT/tests/fixtures/spec-examples/submission-minimal.json" "$TEST_TMP/a/"
XINYU_FAULT="merge@1:sleep=30" "$XINYU" -q --config "$TEST_TMP/a.json" ingest --jobs 1 \
    >"$TEST_TMP/c.out" 2>&1 &
pc=$!
wait_for "the run to kill" "SELECT count(*) = 3 FROM xinyu.run WHERE kind = 'ingest'"
run_c=$(sql "SELECT max(run_id) FROM xinyu.run WHERE kind = 'ingest'")
kill -9 $pc
wait $pc 2>/dev/null || true
# its sessions end once the server sees the client gone
wait_for "the killed process's sessions to end" "SELECT NOT xinyu.run_lives($run_c)"
expect_eq "the killed run, before another process started" "running" \
    "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run_c")"
"$XINYU" -q --config "$TEST_TMP/empty.json" ingest >"$TEST_TMP/d.out" 2>&1 ||
    fail "the process after the kill: $(cat "$TEST_TMP/d.out")"
expect_eq "the killed run, closed by the next process" "aborted" \
    "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run_c")"
echo "run reap ok"
