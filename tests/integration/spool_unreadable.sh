# A spool file that cannot be read is never marked done: it stays pending with the reason,
# the run is partial (exit 1), status and the quality report name it, and the next run reads
# it once it can be read, though its size and modification time did not change. Two ways a
# read fails: a file of mode 0600 owned by another user (a school's upload with umask 077,
# read by an unprivileged nightly job; mode 0000 when the tests do not run as root), and a
# file moved away between discovery and reading. A file that stays away leaves the queue,
# and is discovered again when it comes back.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
full="$ROOT/tests/fixtures/spec-examples/submission-full.json"
minimal="$ROOT/tests/fixtures/spec-examples/submission-minimal.json"

# x EXPECTED-EXIT [runuser args --] xinyu args...: runs xinyu, checks its exit status
x() {
    local want=$1
    shift
    set +e
    "$@" >"$TEST_TMP/out.txt" 2>&1
    local got=$?
    set -e
    [ "$got" = "$want" ] || { cat "$TEST_TMP/out.txt"; fail "$* exited $got, expected $want"; }
}
last_run() { sql "SELECT max(run_id) FROM xinyu.run"; }
pending() { sql "SELECT coalesce(string_agg(path || '=' || coalesce(read_error, ''), ',' ORDER BY path), '') FROM xinyu.ingest_file WHERE done_run IS NULL"; }

# 1. no permission: the nightly job runs as an unprivileged user, the file is root's 0600
spool="$TEST_TMP/spool"
mkdir -p "$spool"
chmod 0755 "$TEST_TMP"
cp "$full" "$spool/a.json"
cp "$minimal" "$spool/b.json"
if [ "$(id -u)" = 0 ]; then
    # root reads any file: the job runs as the database's unprivileged owner, which can reach
    # the test server's socket, and the file is root's 0600
    chmod 0600 "$spool/b.json"
    as_job=(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER"
        PGDATABASE="$PGDATABASE" "$XINYU" --config "$TEST_TMP/conf.json")
else
    chmod 0000 "$spool/b.json"
    as_job=("$XINYU" --config "$TEST_TMP/conf.json")
fi
touch -d '2024-01-02 03:04:05' "$spool/b.json"
write_config "$TEST_TMP/conf.json" "$spool"
chmod 0644 "$TEST_TMP/conf.json"
"$XINYU" -q --config "$TEST_TMP/conf.json" db migrate >/dev/null
"$XINYU" -q --config "$TEST_TMP/conf.json" registry load "$TEST_TMP/schools.csv" >/dev/null

x 1 "${as_job[@]}" ingest --jobs 1
run1=$(last_run)
grep -q "cannot read b.json: Permission denied" "$TEST_TMP/out.txt" || { cat "$TEST_TMP/out.txt"; fail "no message naming the unreadable file"; }
expect_eq "run 1 status" partial "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run1")"
expect_eq "run 1 counts (b.json was not received)" "1 1 0 0 0" "$(counts "$run1")"
expect_eq "b.json stays pending with its reason" "b.json=Permission denied" "$(pending)"
"$XINYU" --config "$TEST_TMP/conf.json" status --lang en >"$TEST_TMP/status.txt"
grep -q "spool: b.json: Permission denied (run $run1)" "$TEST_TMP/status.txt" || { cat "$TEST_TMP/status.txt"; fail "status does not name the pending file"; }
grep -q "error: spool: cannot read b.json: Permission denied" "$TEST_TMP/status.txt" || { cat "$TEST_TMP/status.txt"; fail "status does not show the run's error"; }
# in the officer's language (the default): the same facts in Chinese
"$XINYU" --config "$TEST_TMP/conf.json" status >"$TEST_TMP/status-zh.txt"
grep -q "spool: b.json: Permission denied （第 $run1 次运行）" "$TEST_TMP/status-zh.txt" || { cat "$TEST_TMP/status-zh.txt"; fail "status (zh) does not name the pending file"; }
grep -q "错误: spool: 无法读取 .*b.json（Permission denied）；该文件保持待处理" "$TEST_TMP/status-zh.txt" || { cat "$TEST_TMP/status-zh.txt"; fail "status (zh) does not show the run's error in Chinese"; }
grep -q "部分完成" "$TEST_TMP/status-zh.txt" || { cat "$TEST_TMP/status-zh.txt"; fail "status (zh) does not say the run was partial"; }
if grep -qw "partial\|received\|loaded" "$TEST_TMP/status-zh.txt"; then cat "$TEST_TMP/status-zh.txt"; fail "status (zh) speaks English"; fi
"$XINYU" -q --config "$TEST_TMP/conf.json" quality --year 2024 --run "$run1" --out "$TEST_TMP/q1" >/dev/null
python3 - "$TEST_TMP/q1/quality-2024.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1], encoding="utf-8"))["run"]
assert run["status"] == "partial", run
assert run["unread_files"] == [{"source": "spool", "path": "b.json", "error": "Permission denied"}], run
PY

# run again while still unreadable: tried again, still partial, still pending
x 1 "${as_job[@]}" ingest --jobs 2
run2=$(last_run)
expect_eq "run 2 counts" "0 0 0 0 0" "$(counts "$run2")"
expect_eq "run 2 status" partial "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run2")"
expect_eq "still pending" "b.json=Permission denied" "$(pending)"

# readable now; size and modification time are the same, so only the queue remembers it
chmod 0644 "$spool/b.json"
x 0 "${as_job[@]}" ingest
run3=$(last_run)
expect_eq "run 3 reads b.json" "1 1 0 0 0" "$(counts "$run3")"
expect_eq "run 3 status" ok "$(sql "SELECT status FROM xinyu.run WHERE run_id = $run3")"
expect_eq "nothing pending" "" "$(pending)"
expect_eq "both submissions" 2 "$(sql "SELECT count(*) FROM xinyu.submission")"
"$XINYU" --config "$TEST_TMP/conf.json" status >"$TEST_TMP/status.txt"
if grep -q "could not be read" "$TEST_TMP/status.txt"; then
    cat "$TEST_TMP/status.txt"
    fail "status still lists a file that was read"
fi

# 2. moved away between discovery and reading (one worker, paused on the first item)
spool2="$TEST_TMP/spool2"
mkdir -p "$spool2" "$TEST_TMP/away"
sed -E 's/"submitted_at": *"[^"]*"/"submitted_at": "2025-01-20T08:00:00+08:00"/' "$full" >"$spool2/c.json"
sed -E 's/"submitted_at": *"[^"]*"/"submitted_at": "2025-01-20T08:00:00+08:00"/' "$minimal" >"$spool2/d.json"
cmp -s "$spool2/c.json" "$full" && fail "c.json should differ from a.json"
write_config "$TEST_TMP/conf2.json" "$spool2"
set +e
XINYU_FAULT="inflate@1:sleep=4" "$XINYU" --config "$TEST_TMP/conf2.json" ingest --jobs 1 >"$TEST_TMP/moved.txt" 2>&1 &
pid=$!
set -e
for _ in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE path = 'd.json'")" = 1 ] && break
    sleep 0.1
done
mv "$spool2/d.json" "$TEST_TMP/away/d.json"
set +e
wait $pid
got=$?
set -e
[ "$got" = 1 ] || { cat "$TEST_TMP/moved.txt"; fail "a run missing a moved file exited $got, expected 1"; }
run4=$(last_run)
expect_eq "run 4 counts" "1 1 0 0 0" "$(counts "$run4")"
expect_eq "d.json pending" "d.json=No such file or directory" "$(pending)"

# still away: it leaves the queue, the run is ok
x 0 "$XINYU" --config "$TEST_TMP/conf2.json" ingest
expect_eq "run 5 counts" "0 0 0 0 0" "$(counts "$(last_run)")"
expect_eq "nothing pending once it is gone" "" "$(pending)"
expect_eq "its queue row is gone" 0 "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE path = 'd.json'")"

# back, with the same size and modification time: discovered again and read
mv "$TEST_TMP/away/d.json" "$spool2/d.json"
x 0 "$XINYU" --config "$TEST_TMP/conf2.json" ingest
expect_eq "run 6 reads d.json" "1 1 0 0 0" "$(counts "$(last_run)")"
expect_eq "nothing pending" "" "$(pending)"
echo "unreadable spool files: ok"
