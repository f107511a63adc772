# An http source against a stand-in platform (tests/helpers/platform_server.py): paging
# with the stored cursor, retries, failures that stay within their source, TLS, a kill
# between two pages, and a bearer token that never shows anywhere.
source "$ROOT/tests/integration/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY='*' no_proxy='*'

T=$TEST_TMP
LOGS=$T/logs
mkdir -p "$LOGS" "$T/targets" "$T/data" "$T/spool"
cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$T/targets/2024.json"
SERVER=$ROOT/tests/helpers/platform_server.py
FIX=$ROOT/tests/fixtures/spec-examples

# the spec's schools and 60 more in 秦淮区, one submission per school made from the minimal
# fixture (distinct bytes, so each is loaded rather than counted as a duplicate)
cp "$FIX/schools.csv" "$T/schools.csv"
for i in $(seq 1 60); do
    printf '32010410%02d,秦淮区第%d学校,320104,秦淮区,primary,true\n' "$i" "$i" >>"$T/schools.csv"
done
# gen_submission N FILE: the minimal fixture for school 32010410NN, without a final newline
gen_submission() {
    sed "s/3201040002/32010410$(printf %02d "$1")/" "$FIX/submission-minimal.json" | tr -d '\n' >"$2"
}
cp "$FIX/submission-full.json" "$T/data/s000-full.json" # pretty-printed: raw bytes span lines
for i in $(seq 1 24); do gen_submission "$i" "$T/data/s$(printf %03d "$i").json"; done
cp "$FIX/submission-minimal.json" "$T/spool/"

token="tok-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$token" >"$T/token"
chmod 0600 "$T/token"
wrong_token="wrong-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$wrong_token" >"$T/wrong-token"

# ---- helpers ------------------------------------------------------------------------------

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# start_server NAME DATA_DIR [more options]: starts a platform, sets $port and ${NAME}_log
start_server() {
    local name=$1 data=$2
    shift 2
    rm -f "$T/$name.port"
    python3 "$SERVER" --port 0 --port-file "$T/$name.port" --data "$data" \
        --control "$T/$name.control" --log "$T/$name.log" --max-seconds 120 "$@" \
        2>"$LOGS/server-$name.err" &
    pids+=($!)
    for _ in $(seq 1 100); do
        [ -s "$T/$name.port" ] && break
        sleep 0.05
    done
    [ -s "$T/$name.port" ] || fail "the platform $name did not start: $(cat "$LOGS/server-$name.err")"
    port=$(cat "$T/$name.port")
}

# config FILE "SOURCE JSON MEMBERS" [with_spool]: one http source (and the spool); the
# members given override the short test timeouts
config() {
    python3 - "$@" <<PY
import json, sys
source = {"kind": "http", "connect_timeout": 2, "timeout": 2, "max_retries": 2}
source.update(json.loads("{" + sys.argv[2] + "}"))
sources = [source]
if sys.argv[3:] == ["with_spool"]:
    sources.append({"name": "spool", "kind": "spool", "path": "$T/spool"})
conf = {"registry": "$T/schools.csv", "targets_dir": "$T/targets", "out_dir": "$T/out",
        "var_dir": "$T/var", "sources": sources}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(conf, f, ensure_ascii=False, indent=2)
PY
}

# control NAME JSON: the faults of the platform NAME from its next request on
control() {
    printf '%s\n' "$2" >"$T/$1.control"
    : >"$T/$1.log"
}

# xrun NAME CONFIG ARGS...: runs xinyu, keeps its output in $LOGS/NAME.*, sets $rc and $run;
# a run that does not end within $XRUN_TIMEOUT seconds (default 60) fails the test
xrun() {
    local name=$1 conf=$2 limit=${XRUN_TIMEOUT:-60}
    shift 2
    set +e
    timeout -k 5 "$limit" "$XINYU" --config "$conf" "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err"
    rc=$?
    set -e
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "xinyu ($name) did not end within $limit s"
    run=$(sql "SELECT max(run_id) FROM xinyu.run")
}

# requests NAME: one line per request platform NAME answered under its current faults:
# "status auth gzip|plain path" (answers delayed from earlier faults are left out)
requests() {
    python3 - "$T/$1.log" "$T/$1.control" <<'PY'
import json, sys
control = open(sys.argv[2], encoding="utf-8").read()
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e["control"] == control and e["status"] != "delaying":
        print(e["status"], e["auth"], "gzip" if e["gzip"] else "plain", e["path"])
PY
}

event_of() { # RUN SOURCE: the error events of a source in a run
    sql "SELECT string_agg(message, ' | ') FROM xinyu.run_event WHERE run_id = $1 AND source = '$2' AND severity = 'error'"
}
state_of() { # RUN: "status failed_sources"
    sql "SELECT status || ' ' || failed_sources FROM xinyu.run WHERE run_id = $1"
}
cursor_of() {
    sql "SELECT cursor FROM xinyu.source_state WHERE source = '$1'"
}
raw_of() {
    sql "SELECT count(*) FROM xinyu.raw_submission WHERE source = '$1'"
}

started=$(date +%s.%N)
elapsed() { python3 -c "import sys; print('%.1f s' % ($(date +%s.%N) - $started))"; }

start_server main "$T/data" --token-file "$T/token"
main_port=$port
config "$T/main.json" "\"name\": \"platform\", \"url\": \"http://127.0.0.1:$main_port/\", \"token_file\": \"$T/token\", \"page_size\": 10"
"$XINYU" -q --config "$T/main.json" registry load

# ---- 1. 25 submissions in pages of 10: each loaded once, the cursor stored -------------------
control main '{}'
xrun paged "$T/main.json" -v ingest
expect_eq "paged fetch exit status" 0 "$rc"
expect_eq "paged fetch counts" "25 25 0 0 0" "$(counts "$run")"
expect_eq "raw rows" 25 "$(raw_of platform)"
expect_eq "stored cursor" "after 25/+&=é #" "$(cursor_of platform)"
expect_eq "cursor's run" "$run" "$(sql "SELECT run_id FROM xinyu.source_state WHERE source = 'platform'")"
requests main >"$LOGS/paged.requests"
expect_eq "requests" \
    "200 ok gzip /submissions?limit=10
200 ok gzip /submissions?since=after%2010%2F%2B%26%3D%C3%A9%20%23&limit=10
200 ok gzip /submissions?since=after%2020%2F%2B%26%3D%C3%A9%20%23&limit=10
200 ok gzip /submissions?since=after%2025%2F%2B%26%3D%C3%A9%20%23&limit=10" \
    "$(cat "$LOGS/paged.requests")"
grep -q '"User-Agent": "xinyu/1"' "$T/main.log" || fail "no User-Agent xinyu/1"
grep -q "GET http://127.0.0.1:$main_port/submissions?limit=10" "$LOGS/paged.err" || fail "no GET in the verbose log"
# the hash is of the bytes the platform sent, line breaks of the pretty-printed one included
expect_eq "hash of the raw item" \
    "$(python3 -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read().rstrip()).hexdigest())" "$T/data/s000-full.json")" \
    "$(sql "SELECT encode(sha256, 'hex') FROM xinyu.raw_submission WHERE school_code = '3201020001'")"
expect_eq "ref of an item" "http://127.0.0.1:$main_port/submissions?since=after%2010%2F%2B%26%3D%C3%A9%20%23&limit=10#3" \
    "$(sql "SELECT ref FROM xinyu.run_item WHERE school_code = '3201041013'")"
echo "paged fetch ok ($(elapsed))"

# ---- 2. the next run fetches only what is new; the token may come from the environment -------
for i in 25 26 27; do gen_submission "$i" "$T/data/s0$i.json"; done
config "$T/env.json" "\"name\": \"platform\", \"url\": \"http://127.0.0.1:$main_port\", \"token_env\": \"XINYU_TEST_TOKEN\", \"page_size\": 10"
control main '{}'
XINYU_TEST_TOKEN=$token xrun dry "$T/env.json" ingest --dry-run
expect_eq "dry run exit status" 0 "$rc"
grep -q "received 3 = loaded 3 " "$LOGS/dry.out" || fail "dry run counts: $(cat "$LOGS/dry.out")"
expect_eq "dry run leaves the cursor" "after 25/+&=é #" "$(cursor_of platform)"
expect_eq "dry run loads nothing" 25 "$(raw_of platform)"
control main '{}'
XINYU_TEST_TOKEN=$token xrun second "$T/env.json" ingest
expect_eq "second run exit status" 0 "$rc"
expect_eq "second run counts" "3 3 0 0 0" "$(counts "$run")"
expect_eq "second run asks from the cursor" \
    "200 ok gzip /submissions?since=after%2025%2F%2B%26%3D%C3%A9%20%23&limit=10
200 ok gzip /submissions?since=after%2028%2F%2B%26%3D%C3%A9%20%23&limit=10" "$(requests main)"
echo "second run ok ($(elapsed))"

# ---- 3. a wrong token: 401, not retried, the source fails, the token named nowhere ------------
config "$T/wrong.json" "\"name\": \"platform\", \"url\": \"http://127.0.0.1:$main_port\", \"token_file\": \"$T/wrong-token\""
control main '{}'
xrun wrong "$T/wrong.json" ingest
expect_eq "wrong token exit status" 1 "$rc"
expect_eq "wrong token run" "partial 1" "$(state_of "$run")"
expect_eq "wrong token requests" 1 "$(requests main | wc -l)"
requests main | grep -q '^401 wrong' || fail "the platform did not see a wrong token"
event_of "$run" platform | grep -q "HTTP 401; check the source's token" || fail "401 event: $(event_of "$run" platform)"
echo "wrong token ok ($(elapsed))"

# ---- 4. 500 twice, then the page: retried and loaded ------------------------------------------
gen_submission 28 "$T/data/s028.json"
gen_submission 29 "$T/data/s029.json"
control main '{"status": 500, "status_count": 2}'
xrun retry500 "$T/main.json" ingest
expect_eq "500s exit status" 0 "$rc"
expect_eq "500s counts" "2 2 0 0 0" "$(counts "$run")"
expect_eq "500s then the page" "500 500 200 200" "$(requests main | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
grep -q "HTTP 500; retrying in" "$LOGS/retry500.err" || fail "retries not logged"
echo "500 then recovery ok ($(elapsed))"

# ---- 5. 429 with Retry-After: 1 is honoured ---------------------------------------------------
gen_submission 30 "$T/data/s030.json"
control main '{"status": 429, "retry_after": "1", "status_count": 1}'
xrun retry429 "$T/main.json" ingest
expect_eq "429 exit status" 0 "$rc"
expect_eq "429 counts" "1 1 0 0 0" "$(counts "$run")"
gap=$(python3 -c "
import json, sys
t = [json.loads(l)['t'] for l in open('$T/main.log')]
assert len(t) == 3, t
print('%.2f' % (t[1] - t[0]))")
python3 -c "import sys; sys.exit(0 if $gap >= 0.95 else 1)" || fail "Retry-After not honoured: asked again after $gap s"
grep -q "HTTP 429; retrying in 1.0 s" "$LOGS/retry429.err" || fail "429 wait not logged"
echo "429 ok (waited $gap s; $(elapsed))"

# ---- 6. a platform slower than the timeout: retried, then the source fails; the spool loads ---
config "$T/slow.json" "\"name\": \"platform\", \"url\": \"http://127.0.0.1:$main_port\", \"token_file\": \"$T/token\", \"timeout\": 1, \"max_retries\": 1" with_spool
control main '{"delay": 3}'
before=$(cursor_of platform)
xrun slow "$T/slow.json" ingest
expect_eq "timeout exit status" 1 "$rc"
expect_eq "timeout run" "partial 1" "$(state_of "$run")"
expect_eq "timeout counts (the spool's)" "1 1 0 0 0" "$(counts "$run")"
expect_eq "spool loaded" 1 "$(raw_of spool)"
event_of "$run" platform | grep -q "timed out.*(2 attempts)" || fail "timeout event: $(event_of "$run" platform)"
expect_eq "cursor unchanged by a failure" "$before" "$(cursor_of platform)"
echo "timeout ok ($(elapsed))"

# ---- 7. a truncated body: retried, then fails cleanly -----------------------------------------
control main '{"truncate": true}'
xrun truncated "$T/main.json" ingest
expect_eq "truncated exit status" 1 "$rc"
expect_eq "truncated run" "partial 1" "$(state_of "$run")"
expect_eq "truncated requests" "truncated truncated truncated" "$(requests main | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
event_of "$run" platform | grep -q "(3 attempts)" || fail "truncation event: $(event_of "$run" platform)"
expect_eq "nothing from a truncated page" "0 0 0 0 0" "$(counts "$run")"
echo "truncated body ok ($(elapsed))"

# ---- 8. an oversized page: refused up front, or stopped while it arrives ----------------------
config "$T/small.json" "\"name\": \"platform\", \"url\": \"http://127.0.0.1:$main_port\", \"token_file\": \"$T/token\", \"max_page_bytes\": 65536"
control main '{"oversize": 200000, "gzip": false}'
xrun oversize "$T/small.json" ingest
expect_eq "oversized exit status" 1 "$rc"
event_of "$run" platform | grep -q "announced a page of 200000 bytes, more than max_page_bytes (65536 bytes)" ||
    fail "oversize event: $(event_of "$run" platform)"
expect_eq "oversize not retried" 1 "$(requests main | wc -l)"
control main '{"oversize": 200000}' # gzip: the announced length is small, the page is not
xrun oversize_gz "$T/small.json" ingest
expect_eq "oversized gzip exit status" 1 "$rc"
requests main | grep -q "^200 ok gzip" || fail "the oversized page was not sent compressed"
event_of "$run" platform | grep -q "larger than max_page_bytes (65536 bytes); the transfer was stopped" ||
    fail "oversize gzip event: $(event_of "$run" platform)"
echo "oversized body ok ($(elapsed))"

# ---- 9. a page that is not JSON fails cleanly, without retries --------------------------------
control main '{"invalid_json": true}'
xrun invalid "$T/main.json" ingest
expect_eq "invalid JSON exit status" 1 "$rc"
expect_eq "invalid JSON run" "partial 1" "$(state_of "$run")"
expect_eq "invalid JSON not retried" 1 "$(requests main | wc -l)"
event_of "$run" platform | grep -q "the page is not valid JSON" || fail "invalid JSON event: $(event_of "$run" platform)"
expect_eq "cursor unchanged by bad pages" "$before" "$(cursor_of platform)"
echo "invalid JSON ok ($(elapsed))"

# ---- 10. bad items among good ones are rejected alone -----------------------------------------
gen_submission 31 "$T/data/s031.json"
cp "$FIX/submission-rejected.json" "$T/data/s032.json"
printf '[1, 2]' >"$T/data/s033.json"
sed 's/"schema":"mhe.submission\/1",/&"schema":"mhe.submission\/1",/' "$FIX/submission-minimal.json" |
    sed 's/3201040002/3201041040/' | tr -d '\n' >"$T/data/s034.json" # a duplicate key
gen_submission 35 "$T/data/s035.json"
control main '{}'
xrun mixed "$T/main.json" ingest
expect_eq "mixed page exit status (rejections)" 1 "$rc"
expect_eq "mixed page counts" "5 2 0 0 3" "$(counts "$run")"
expect_eq "mixed run has no failed source" "partial 0" "$(state_of "$run")"
expect_eq "rejected refs" "#1 #2 #3" \
    "$(sql "SELECT string_agg(substring(ref from '#[0-9]+\$'), ' ' ORDER BY item_id) FROM xinyu.run_item WHERE run_id = $run AND outcome = 'rejected'")"
expect_eq "reasons kept" 3 "$(sql "SELECT count(DISTINCT i.raw_id) FROM xinyu.submission_issue i JOIN xinyu.run_item r USING (raw_id) WHERE r.run_id = $run AND i.severity = 'reject'")"
sql "SELECT i.path || ': ' || i.message FROM xinyu.submission_issue i JOIN xinyu.run_item r USING (raw_id) WHERE r.run_id = $run" >"$LOGS/mixed.reasons"
grep -q "duplicate" "$LOGS/mixed.reasons" || fail "the duplicate key is not among the reasons: $(cat "$LOGS/mixed.reasons")"
echo "invalid items ok ($(elapsed))"

# ---- 11. https: a self-signed certificate fails unless it is the source's ca_file -------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" 2>"$LOGS/openssl.err" ||
    fail "openssl: $(cat "$LOGS/openssl.err")"
start_server tls "$T/data" --token-file "$T/token" --cert "$T/tls.crt" --key "$T/tls.key"
tls_port=$port
control tls '{}'
config "$T/tls-noca.json" "\"name\": \"tls\", \"url\": \"https://127.0.0.1:$tls_port\", \"token_file\": \"$T/token\", \"page_size\": 50"
xrun tls_noca "$T/tls-noca.json" ingest
expect_eq "untrusted certificate exit status" 1 "$rc"
event_of "$run" tls | grep -qi "certificate" || fail "certificate event: $(event_of "$run" tls)"
expect_eq "no request got through" 0 "$(requests tls | wc -l)"
config "$T/tls.json" "\"name\": \"tls\", \"url\": \"https://127.0.0.1:$tls_port\", \"token_file\": \"$T/token\", \"ca_file\": \"$T/tls.crt\", \"page_size\": 50"
xrun tls_ca "$T/tls.json" ingest
requests tls | grep -qv "^200 ok" && fail "https requests: $(requests tls)"
expect_eq "https exit status" 0 "$rc"
# everything was received over http before: the same bytes again are all duplicates
expect_eq "https counts" "36 0 36 0 0" "$(counts "$run")"
expect_eq "https cursor" "after 36/+&=é #" "$(cursor_of tls)"
grep -q "plain http" "$LOGS/tls_ca.err" && fail "https warned about plain http"
echo "https ok ($(elapsed))"

# ---- 12. killed between two pages: the next run loads every submission exactly once ------------
mkdir -p "$T/kdata"
for i in $(seq 41 55); do gen_submission "$i" "$T/kdata/k$i.json"; done
start_server kill "$T/kdata" --token-file "$T/token"
kill_port=$port
control kill '{"delay": 4, "delay_from": 2}'
config "$T/kill.json" "\"name\": \"kill\", \"url\": \"http://127.0.0.1:$kill_port\", \"token_file\": \"$T/token\", \"page_size\": 5, \"timeout\": 20"
"$XINYU" --config "$T/kill.json" ingest >"$LOGS/kill.out" 2>"$LOGS/kill.err" &
xpid=$!
committed=0
for _ in $(seq 1 100); do
    committed=$(sql "SELECT count(*) FROM xinyu.run_item WHERE source = 'kill'")
    [ "$committed" -ge 5 ] && break
    sleep 0.05
done
expect_eq "first page committed before the kill" 5 "$committed"
sleep 0.2 # the second page is being waited for
ps -eo args >"$LOGS/ps.txt"
grep -q "kill.json" "$LOGS/ps.txt" || fail "xinyu is not running when ps looks"
kill -9 "$xpid"
wait "$xpid" 2>/dev/null || true
expect_eq "cursor after the first page" "after 5/+&=é #" "$(cursor_of kill)"
expect_eq "raw rows after the kill" 5 "$(raw_of kill)"
control kill '{}'
xrun resumed "$T/kill.json" ingest
expect_eq "resumed exit status" 0 "$rc"
expect_eq "resumed counts" "10 10 0 0 0" "$(counts "$run")"
expect_eq "resumed from the cursor" "/submissions?since=after%205%2F%2B%26%3D%C3%A9%20%23&limit=5" \
    "$(requests kill | head -1 | cut -d' ' -f4)"
expect_eq "every submission once" "15 15 15" \
    "$(sql "SELECT count(*) || ' ' || count(DISTINCT sha256) || ' ' || (SELECT count(*) FROM xinyu.run_item WHERE source = 'kill') FROM xinyu.raw_submission WHERE source = 'kill'")"
echo "kill between pages ok ($(elapsed))"

# ---- 13. SIGTERM while the platform is slow: xinyu stops at once, the cursor stays ------------
control kill '{"delay": 10}'
gen_submission 60 "$T/kdata/k60.json"
"$XINYU" --config "$T/kill.json" ingest >"$LOGS/term.out" 2>"$LOGS/term.err" &
xpid=$!
for _ in $(seq 1 100); do
    grep -q '"status": "delaying"' "$T/kill.log" && break
    sleep 0.05
done
grep -q '"status": "delaying"' "$T/kill.log" || fail "xinyu did not reach the platform"
t0=$(date +%s.%N)
kill -TERM "$xpid"
set +e
wait "$xpid"
set -e
took=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $t0))")
python3 -c "import sys; sys.exit(0 if $took < 3 else 1)" || fail "SIGTERM took $took s"
grep -q "stopped on request" "$LOGS/term.err" || fail "no stop logged: $(cat "$LOGS/term.err")"
run=$(sql "SELECT max(run_id) FROM xinyu.run")
expect_eq "stopped run" "partial 0" "$(state_of "$run")"
expect_eq "cursor after the stop" "after 15/+&=é #" "$(cursor_of kill)"
echo "SIGTERM ok (stopped in $took s; $(elapsed))"

# ---- 14. two processes on one source share the pages: none is loaded twice ---------------------
mkdir -p "$T/tdata"
for i in $(seq 56 60); do gen_submission "$i" "$T/tdata/t$i.json"; done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do # more items: the spec's schools, new dates
    sed "s/2025-01-18T09:00:00/2025-01-18T09:$(printf %02d "$i"):00/" "$FIX/submission-minimal.json" |
        tr -d '\n' >"$T/tdata/u$(printf %02d "$i").json"
done
start_server two "$T/tdata" --token-file "$T/token"
control two '{"delay": 0.3}'
config "$T/two.json" "\"name\": \"two\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"page_size\": 4"
timeout -k 5 60 "$XINYU" --config "$T/two.json" ingest >"$LOGS/two-a.out" 2>"$LOGS/two-a.err" &
a=$!
timeout -k 5 60 "$XINYU" --config "$T/two.json" ingest >"$LOGS/two-b.out" 2>"$LOGS/two-b.err" &
b=$!
wait "$a" || fail "first process: $(cat "$LOGS/two-a.err")"
wait "$b" || fail "second process: $(cat "$LOGS/two-b.err")"
expect_eq "each item received once by the two" "20 20" \
    "$(sql "SELECT count(*) || ' ' || count(DISTINCT ref) FROM xinyu.run_item WHERE source = 'two'")"
expect_eq "cursor after both" "after 20/+&=é #" "$(cursor_of two)"
echo "two processes ok ($(elapsed))"

# ---- 15. bad items in a page (a lone surrogate escape, a byte that is not UTF-8, a raw tab in a
# string) are rejected one by one; the good items of the page load and the cursor moves on ------
mkdir -p "$T/bdata"
for i in 36 37 38; do gen_submission "$i" "$T/bdata/b$i.json"; done
# bad_item FILE NOTE: the minimal fixture with a first member "note" whose value is NOTE as given
bad_item() {
    { printf '{"note":"%b",' "$2" && tail -c +2 "$FIX/submission-minimal.json" | tr -d '\n'; } >"$1"
}
bad_item "$T/bdata/b36x.json" '\\ud800'
bad_item "$T/bdata/b37x.json" '\0377'
bad_item "$T/bdata/b38x.json" 'a\tb'
grep -q '"note":"\\ud800"' "$T/bdata/b36x.json" || fail "no surrogate escape in the test item"
[ "$(od -An -tx1 -N11 -j8 "$T/bdata/b37x.json" | tr -d ' ')" = "22ff222c22736368656d61" ] ||
    fail "no raw 0xff byte in the test item"
start_server bad "$T/bdata" --token-file "$T/token"
control bad '{}'
config "$T/bad.json" "\"name\": \"bad\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"page_size\": 10"
xrun bad "$T/bad.json" ingest
expect_eq "bad items exit status (rejections)" 1 "$rc"
expect_eq "bad items run has no failed source" "partial 0" "$(state_of "$run")"
expect_eq "bad items counts" "6 3 0 0 3" "$(counts "$run")"
expect_eq "outcome of each item" "#0 loaded #1 rejected #2 loaded #3 rejected #4 loaded #5 rejected" \
    "$(sql "SELECT string_agg(substring(ref from '#[0-9]+\$') || ' ' || outcome, ' ' ORDER BY substring(ref from '#([0-9]+)\$')::int) FROM xinyu.run_item WHERE run_id = $run")"
sql "SELECT substring(r.ref from '#[0-9]+\$') || ' ' || i.message FROM xinyu.submission_issue i JOIN xinyu.run_item r USING (raw_id) WHERE r.run_id = $run AND i.severity = 'reject' ORDER BY 1" >"$LOGS/bad.reasons"
grep -qi "^#1 not valid JSON: .*unicode" "$LOGS/bad.reasons" || fail "surrogate reason: $(cat "$LOGS/bad.reasons")"
grep -q "^#3 not valid JSON: .*0xff" "$LOGS/bad.reasons" || fail "0xff reason: $(cat "$LOGS/bad.reasons")"
grep -q "^#5 not valid JSON: .*control character" "$LOGS/bad.reasons" || fail "tab reason: $(cat "$LOGS/bad.reasons")"
expect_eq "bad items kept as sent" "$(python3 -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())" "$T/bdata/b37x.json")" \
    "$(sql "SELECT encode(s.sha256, 'hex') FROM xinyu.raw_submission s JOIN xinyu.run_item r USING (raw_id) WHERE r.run_id = $run AND r.ref LIKE '%#3'")"
expect_eq "cursor past the bad items" "after 6/+&=é #" "$(cursor_of bad)"
expect_eq "bad items requests" 2 "$(requests bad | wc -l)"
echo "bad items rejected alone ok ($(elapsed))"

# ---- 16. cursors that go round (after 2, after 4, after 2, ...): the run stops at the first cursor
# it has asked with before; the source fails, the other source goes on, the run lock is let go ---
mkdir -p "$T/cdata"
for i in 1 2 3 4 5; do cp "$T/data/s00$i.json" "$T/cdata/"; done # received before: duplicates
start_server cycle "$T/cdata" --token-file "$T/token"
control cycle '{"cycle_to": 2}'
config "$T/cycle.json" "\"name\": \"cycle\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"page_size\": 2" with_spool
gen_submission 39 "$T/spool/s039.json" # new in the spool: the other source has work
XRUN_TIMEOUT=20 xrun cycle "$T/cycle.json" ingest
expect_eq "cycling cursor exit status" 1 "$rc"
expect_eq "cycling cursor run" "partial 1" "$(state_of "$run")"
expect_eq "cycling cursor requests" \
    "/submissions?limit=2
/submissions?since=after%202%2F%2B%26%3D%C3%A9%20%23&limit=2
/submissions?since=after%204%2F%2B%26%3D%C3%A9%20%23&limit=2" "$(requests cycle | cut -d' ' -f4)"
event_of "$run" cycle | grep -q "handed out a cursor this run has already asked with" ||
    fail "cycle event: $(event_of "$run" cycle)"
expect_eq "cycling source's items" "5 0 5" \
    "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE outcome = 'loaded') || ' ' || count(*) FILTER (WHERE outcome = 'duplicate') FROM xinyu.run_item WHERE run_id = $run AND source = 'cycle'")"
expect_eq "the other source went on" loaded "$(sql "SELECT string_agg(outcome, ' ') FROM xinyu.run_item WHERE run_id = $run AND source = 'spool'")"
control cycle '{"cycle_to": 2}'
XRUN_TIMEOUT=20 xrun cycle_again "$T/cycle.json" ingest
expect_eq "the next run is not locked out" 1 "$rc"
expect_eq "the next run stops at the cycle too" 2 "$(requests cycle | wc -l)"
echo "cycling cursor ok ($(elapsed))"

# ---- 17. max_pages: as many pages as allowed is fine; one page more fails the source ------------
control cycle '{}'
config "$T/pages.json" "\"name\": \"pages\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"page_size\": 2, \"max_pages\": 3"
xrun pages "$T/pages.json" ingest
expect_eq "max_pages pages exit status" 0 "$rc"
expect_eq "max_pages pages counts" "5 0 5 0 0" "$(counts "$run")"
expect_eq "max_pages pages requests (the last one empty)" 4 "$(requests cycle | wc -l)"
control cycle '{"endless": true}'
config "$T/endless.json" "\"name\": \"endless\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"page_size\": 2, \"max_pages\": 3" with_spool
gen_submission 40 "$T/spool/s040.json"
XRUN_TIMEOUT=20 xrun endless "$T/endless.json" ingest
expect_eq "endless platform exit status" 1 "$rc"
expect_eq "endless platform run" "partial 1" "$(state_of "$run")"
expect_eq "endless platform requests" 4 "$(requests cycle | wc -l)"
event_of "$run" endless | grep -q "more than max_pages (3) pages" || fail "max_pages event: $(event_of "$run" endless)"
expect_eq "endless platform: three pages loaded" 6 "$(sql "SELECT count(*) FROM xinyu.run_item WHERE run_id = $run AND source = 'endless'")"
expect_eq "endless platform cursor" "after 6/+&=é #" "$(cursor_of endless)"
expect_eq "the other source went on" loaded "$(sql "SELECT string_agg(outcome, ' ') FROM xinyu.run_item WHERE run_id = $run AND source = 'spool'")"
grep -q "raise the source's max_pages" "$LOGS/endless.err" || fail "no max_pages hint: $(cat "$LOGS/endless.err")"
config "$T/zero-pages.json" "\"name\": \"endless\", \"url\": \"http://127.0.0.1:$port\", \"token_file\": \"$T/token\", \"max_pages\": 0"
xrun zero_pages "$T/zero-pages.json" ingest
expect_eq "max_pages 0 exit status" 2 "$rc"
grep -q "sources\[0\].max_pages: must be an integer from 1 to 1000000" "$LOGS/zero_pages.err" ||
    fail "max_pages 0: $(cat "$LOGS/zero_pages.err")"
echo "max_pages ok ($(elapsed))"

# ---- the token never shows: not in output, not in ps, not in the database ---------------------
for t in "$token" "$wrong_token"; do
    if grep -rlF -- "$t" "$LOGS" "$T"/*.log; then fail "a token shows in the files above"; fi
done
pg_dump --no-owner "$PGDATABASE" >"$T/dump.sql"
grep -qF -- "$token" "$T/dump.sql" && fail "the token is in the database"
grep -qF -- "$wrong_token" "$T/dump.sql" && fail "the wrong token is in the database"
expect_eq "token in text columns" 0 "$(sql "SELECT count(*) FROM (SELECT message AS t FROM xinyu.run_event UNION ALL SELECT ref FROM xinyu.raw_submission UNION ALL SELECT ref FROM xinyu.run_item UNION ALL SELECT cursor FROM xinyu.source_state UNION ALL SELECT args FROM xinyu.run) x WHERE t LIKE '%$token%' OR t LIKE '%$wrong_token%' OR t ILIKE '%bearer%'")"
grep -q "tok-" "$T/dump.sql" && fail "a token prefix is in the database"
# the platform saw the token on every request of the right configurations
expect_eq "requests without the token" 0 "$(grep -c '"auth": "missing"' "$T"/main.log "$T"/tls.log "$T"/kill.log | awk -F: '{s+=$2} END {print s}')"
echo "token hygiene ok ($(elapsed))"
echo "http source ok"
