#!/usr/bin/env bash
# bench.sh - make bench: Xinyu's nightly run measured against the machine's lower bounds.
#
# Runs on a private embedded PostgreSQL under $BENCH_DIR/var (never the project's var/pg).
# Settings (environment):
#   BENCH_SCHOOLS   schools per data set, a list (default "10000 200000"; "10000" is quick;
#                   "" runs the side-by-side case alone)
#   BENCH_FORMAT    json | jsonl | json.gz | jsonl.gz (default jsonl: shards of BENCH_PER_FILE)
#   BENCH_PER_FILE  submissions per JSON Lines shard (default 1000)
#   BENCH_SEED      generator seed (default 1)
#   BENCH_TERMS     terms generated for the full run (default the two terms of the 2024 year)
#   BENCH_NEW_TERM  the term the nightly 1% is drawn from: corrected versions of the
#                   submissions of that term (default the last of BENCH_TERMS)
#   BENCH_JOBS      worker threads and connections (default: cores)
#   BENCH_BATCH     batch_size of the bench configuration (default 500)
#   BENCH_DIR       data, databases and logs (default var/bench)
#   BENCH_OUT       the text table (default out/bench-results.txt; figures also in .json)
#   BENCH_PROFILE   1: also perf-profile the full run of the first data set
#   BENCH_KEEP_DB   1: keep the measurement databases (default: dropped)
#   BENCH_SIDE      submissions of the side-by-side case: that many valid submissions of one
#                   term, each school once, against a plain Python loader (default 200000;
#                   0: not run; BENCH_SIDE=20000 is quick)
# PGOPTIONS, when set, applies to the connections of xinyu and of the COPY bound.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
BENCH_SCHOOLS=${BENCH_SCHOOLS-"10000 200000"}
BENCH_FORMAT=${BENCH_FORMAT:-jsonl}
BENCH_PER_FILE=${BENCH_PER_FILE:-1000}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_TERMS=${BENCH_TERMS:-2023-2024-2,2024-2025-1}
BENCH_NEW_TERM=${BENCH_NEW_TERM:-${BENCH_TERMS##*,}}
BENCH_JOBS=${BENCH_JOBS:-$(nproc)}
BENCH_BATCH=${BENCH_BATCH:-500}
BENCH_DIR=${BENCH_DIR:-var/bench}
BENCH_OUT=${BENCH_OUT:-out/bench-results.txt}
BENCH_PROFILE=${BENCH_PROFILE:-0}
BENCH_KEEP_DB=${BENCH_KEEP_DB:-0}
BENCH_SIDE=${BENCH_SIDE:-200000}
YEAR=2024 # the year of the spec's example targets, whose terms BENCH_TERMS generates

XINYU=$ROOT/$BUILD/xinyu
GEN=$ROOT/$BUILD/xinyu-gen
XB=$ROOT/$BUILD/xinyu-bench

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

case "$BENCH_FORMAT" in
json | jsonl | json.gz | jsonl.gz) ;;
*) die "BENCH_FORMAT must be json, jsonl, json.gz or jsonl.gz" ;;
esac
for n in $BENCH_SCHOOLS; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCHOOLS must be numbers, not \"$BENCH_SCHOOLS\""
done
[[ $BENCH_SIDE =~ ^[0-9]+$ ]] || die "BENCH_SIDE must be a number, not \"$BENCH_SIDE\""
PYTHON=/usr/bin/python3
PEER=$ROOT/scripts/bench/peer_load.py
if [ "$BENCH_SIDE" != 0 ] && ! "$PYTHON" -c 'import psycopg2' 2>/dev/null; then
    # the side-by-side case's peer is a plain Python script on Debian's psycopg2
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-psycopg2 >&2 ||
            die "cannot install python3-psycopg2"
    else
        die "python3-psycopg2 is missing: apt-get install python3-psycopg2"
    fi
fi
if [ ! -x "$XINYU" ] || [ ! -x "$GEN" ]; then
    die "build first: make BUILD=$BUILD $BUILD/xinyu $BUILD/xinyu-gen"
fi
[ -f "$ROOT/$BUILD/libxinyu.a" ] || die "$BUILD/libxinyu.a is missing: make BUILD=$BUILD"
if [ ! -x /usr/bin/time ]; then
    # GNU time gives the peak resident set size; Debian ships it in its own package
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2 || die "cannot install time"
    else
        die "/usr/bin/time is missing: apt-get install time"
    fi
fi
PG_BIN=${PG_BINDIR:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
PSQL=$PG_BIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql is missing: make deps"
HZ=$(getconf CLK_TCK)

# The lower-bound helper: built here, against the same library as xinyu, so that it needs
# nothing from the Makefile.
PKGS="libpq libcurl jansson zlib libdeflate libcrypto xlsxwriter minizip expat"
say "building $BUILD/xinyu-bench"
# shellcheck disable=SC2046,SC2086 # pkg-config's flags are words
cc -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla \
    -I"$ROOT" -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(pkg-config --cflags $PKGS) -pthread \
    -o "$XB" "$ROOT/scripts/bench/xinyu_bench.c" "$ROOT/$BUILD/libxinyu.a" \
    $(pkg-config --libs $PKGS) -lm -pthread

mkdir -p "$BENCH_DIR" "$(dirname "$BENCH_OUT")"
BENCH=$(cd "$BENCH_DIR" && pwd)
OUT=$(cd "$(dirname "$BENCH_OUT")" && pwd)/$(basename "$BENCH_OUT")
VAR=$BENCH/var
PGDATA=$VAR/pg/data
LOGS=$BENCH/logs
WORK=$BENCH/work
RESULTS=$WORK/results.tsv
RATIOS=$WORK/ratios.tsv
CPUS=$WORK/cpu.tsv
# The reports and letters of an earlier bench are put aside and deleted when this one ends,
# after its measurements: a file system without a journal (ext4 as many virtual machines
# mount it) passes over the inodes of files deleted in the last minutes when it makes new
# ones, one by one for every new file. Deleted at the start, minutes before the full run,
# the earlier bench's 13,892 letters still cost the full run's letters 3.4 CPU seconds in
# that search (perf: recently_deleted under ext4_create), which measured the deletion, not
# Xinyu. Its logs and work files are few and go at once.
# One directory per bench under trash/, so that what an interrupted bench left is never in
# the way; all of trash/ goes at the end.
TRASH=$BENCH/trash
mkdir -p "$TRASH/$$"
for old in "$BENCH/out" "$BENCH/nightly"; do
    if [ -e "$old" ]; then
        mv "$old" "$TRASH/$$/"
    fi
done
rm -rf "$WORK" "$LOGS"
mkdir -p "$WORK" "$LOGS" "$BENCH/targets" "$BENCH/data"
: >"$RESULTS"
: >"$RATIOS"
: >"$CPUS"
cp "$ROOT/tests/fixtures/spec-examples/targets-$YEAR.json" "$BENCH/targets/$YEAR.json"
printf '{"var_dir": "%s"}\n' "$VAR" >"$WORK/server.json"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# ---- the embedded server: started once, stopped on every way out -----------------------

stop_server() {
    local rc=$?
    if [ -n "${BASE:-}" ]; then
        "$XINYU" --config "$WORK/server.json" --var "$VAR" -q db stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TRASH"
    exit $rc
}
trap stop_server EXIT
trap 'exit 130' INT TERM

CONN=$("$XINYU" --config "$WORK/server.json" --var "$VAR" -q db start)
BASE=${CONN% dbname=*}
say "embedded PostgreSQL: $BASE"

# Notices (a database that was not there to drop) are not news here. The caller's
# PGOPTIONS reach xinyu's own connections (PGOPTIONS="-c jit=off" make bench).
QUIET="-c client_min_messages=warning"
admin() { PGOPTIONS=$QUIET "$PSQL" -X -q -v ON_ERROR_STOP=1 "$BASE dbname=postgres" "$@"; }
query() { PGOPTIONS=$QUIET "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$BASE dbname=$1" -c "$2"; }
drop_db() {
    [ "$BENCH_KEEP_DB" = 1 ] || admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
}
# A new database with the schema and, when given, the registry: what a measurement starts from.
fresh_db() {
    local db=$1 cfg=$2 registry=${3:-}
    admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    "$XINYU" --config "$cfg" --db "$BASE dbname=$db" db migrate >>"$LOGS/setup.log" 2>&1
    if [ -n "$registry" ]; then
        "$XINYU" --config "$cfg" --db "$BASE dbname=$db" registry load "$registry" \
            >>"$LOGS/setup.log" 2>&1
    fi
}
# Leftovers of an interrupted bench take disk space; every measurement makes its own.
for db in $(query postgres "SELECT datname FROM pg_database WHERE datname LIKE 'bench\_%'"); do
    admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

# CPU ticks of the server: the postmaster, its children alive, and the children it reaped.
server_ticks() {
    local pm
    pm=$(head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null) || {
        echo 0
        return
    }
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '
        $2 == "(postgres)" && $1 == pm { t += $14 + $15 + $16 + $17 }
        $2 == "(postgres)" && $4 == pm { t += $14 + $15 }
        END { printf "%d\n", t }'
}

# CPU ticks the whole machine spent busy; less ours, it is what others took meanwhile.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# run_timed LOG CMD...: wall seconds, peak RSS and CPU of CMD, CPU of the server meanwhile,
# and the CPU other processes of the machine used meanwhile (noise in the seconds).
run_timed() {
    local log=$1 s0 s1 w0 w1 b0 b1
    shift
    b0=$(busy_ticks)
    s0=$(server_ticks)
    w0=$(date +%s%N)
    set +e
    /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/stdout.txt" 2>"$log"
    T_RC=$?
    set -e
    w1=$(date +%s%N)
    b1=$(busy_ticks)
    sleep 0.3 # the backend that served CMD exits and is reaped after CMD
    s1=$(server_ticks)
    T_WALL=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    T_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
    T_CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
        END { printf "%.2f", u + s }' "$WORK/time.txt")
    T_SRV=$(awk -v a="$s0" -v b="$s1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
    T_OTHER=$(awk -v a="$b0" -v b="$b1" -v hz="$HZ" -v c="$T_CPU" -v s="$T_SRV" \
        'BEGIN { o = (b - a) / hz - c - s; printf "%.2f", (o > 0 ? o : 0) }')
    T_OUT=$(cat "$WORK/stdout.txt")
    cat "$WORK/stdout.txt" >>"$log"
}
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# The machine's busy CPU ticks (busy_ticks) every tenth of a second until killed, each line
# "epoch-seconds ticks": what every process used in any stretch of a measurement, e.g. the
# report phase of a run, whose edges only the run's own record knows. In bash alone, one
# sleep a sample: a few hundredths of a percent of a core.
busy_sampler() {
    local user nice system irq softirq steal rest
    while :; do
        # the first line: "cpu", then user nice system idle iowait irq softirq steal ...
        read -r _ user nice system _ _ irq softirq steal rest </proc/stat
        printf '%s %s\n' "$EPOCHREALTIME" $((user + nice + system + irq + softirq + steal))
        sleep 0.1
    done
}
# busy_between FILE FROM TO: the CPU seconds the machine was busy from epoch FROM to TO,
# interpolated between the samples of FILE around each edge ("-" when they do not span it).
busy_between() {
    awk -v a="$2" -v b="$3" -v hz="$HZ" '
    function at(x,   i) {
        for (i = 2; i <= n; i++)
            if (t[i] >= x && t[i - 1] <= x)
                return k[i - 1] + (k[i] - k[i - 1]) * (t[i] > t[i - 1] ? (x - t[i - 1]) / (t[i] - t[i - 1]) : 0)
        return ""
    }
    { n++; t[n] = $1; k[n] = $2 }
    END {
        x = at(a); y = at(b)
        if (x == "" || y == "") print "-"; else printf "%.2f\n", (y - x) / hz
    }' "$1"
}

# record N KEY LABEL SUBMISSIONS BYTES SECONDS RSS_KB CLIENT_CPU SERVER_CPU OTHER_CPU NOTE
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
    say "$(printf 'N=%s %-32s %8s subs %8s s  RSS %s kB  cpu %s s  server %s s  others %s s' \
        "$1" "$3" "$4" "$6" "$7" "$8" "$9" "${10}")"
}
# ratio N KEY LABEL VALUE OP GOAL  (OP is <= or >=; VALUE may be "-" when not measured)
ratio() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RATIOS"; }
# cpu N LABEL CPU_S SECONDS ALLOWED: CPU seconds some work took, its seconds ("-" for work
# measured apart) and the CPU seconds its goal leaves it on the machine's cores ("-": none)
cpu() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$CPUS"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

GEN_SUM=$(sha256sum "$GEN" | cut -d' ' -f1)
XB_SUM=$(sha256sum "$XB" | cut -d' ' -f1)

# ---- one data set ------------------------------------------------------------------------

# Generated once per N, seed, format and terms, and again only when the generator changed.
make_data() {
    local n=$1 data=$2
    local per=()
    case "$BENCH_FORMAT" in jsonl*) per=(--per-file "$BENCH_PER_FILE") ;; esac
    if [ "$(cat "$data/.complete" 2>/dev/null)" != "$GEN_SUM" ]; then
        say "generating $n schools ($BENCH_FORMAT) in $data"
        rm -rf "$data" "$data.tmp"
        "$GEN" --schools "$n" --seed "$BENCH_SEED" --terms "$BENCH_TERMS" --format "$BENCH_FORMAT" \
            "${per[@]}" --out "$data.tmp" 2>>"$LOGS/gen.log"
        echo "$GEN_SUM" >"$data.tmp/.complete"
        mv "$data.tmp" "$data"
    fi
    # the nightly's new submissions: corrections of a term of the reported year, each a
    # later version of a stored submission that replaces it. The generator, asked for a
    # correction of every submission, writes the first versions again byte for byte (they
    # are the full run's) and the corrections as CODE_PERIOD_resub.json; the corrections are
    # kept in $next/resub, and a night's 1% is drawn from them
    local next=$data/next-$BENCH_NEW_TERM
    if [ "$(cat "$next/.complete" 2>/dev/null)" != "$GEN_SUM" ]; then
        rm -rf "$next" "$next.tmp"
        "$GEN" --schools "$n" --seed "$BENCH_SEED" --terms "$BENCH_NEW_TERM" --resub-share 1 \
            --format json --out "$next.tmp" 2>>"$LOGS/gen.log"
        cmp -s "$data/schools.csv" "$next.tmp/schools.csv" ||
            die "the generator made a different registry for $BENCH_NEW_TERM"
        mkdir "$next.tmp/resub"
        find "$next.tmp/spool" -name '*_resub.json' -exec mv -t "$next.tmp/resub" {} +
        rm -rf "$next.tmp/spool"
        echo "$GEN_SUM" >"$next.tmp/.complete"
        mv "$next.tmp" "$next"
    fi
    # the COPY rows depend on the validator too, which is linked into xinyu-bench
    if [ "$(cat "$data/copy/.complete" 2>/dev/null)" != "$XB_SUM" ]; then
        say "preparing the COPY rows of $n schools (not timed)"
        rm -rf "$data/copy"
        "$XB" prepare "$data/spool" --registry "$data/schools.csv" --out "$data/copy" \
            >>"$LOGS/prepare.log"
        echo "$XB_SUM" >"$data/copy/.complete"
    fi
}

write_config() {
    local cfg=$1 data=$2 nightly=$3 out=$4
    cat >"$cfg" <<EOF
{
  "registry": "$data/schools.csv",
  "targets_dir": "$BENCH/targets",
  "out_dir": "$out",
  "var_dir": "$VAR",
  "sources": [
    {"name": "bench", "kind": "spool", "path": "$data/spool"},
    {"name": "nightly", "kind": "spool", "path": "$nightly"}
  ],
  "limits": {"batch_size": $BENCH_BATCH},
  "jobs": $BENCH_JOBS,
  "report": {"formats": "json,csv", "by_type": true, "lang": "zh"}
}
EOF
}

# The run record's counts and timings: what xinyu itself says it spent.
run_figures() {
    query "$1" "SELECT received, loaded, duplicate, superseded, rejected,
                       coalesce(timings->>'registry_s', '0'), coalesce(timings->>'ingest_s', '0'),
                       coalesce(timings->>'report_s', '0'), status
                FROM xinyu.run WHERE kind = '$2' ORDER BY run_id DESC LIMIT 1" | tr '|' ' '
}

xinyu_ok() { [ "$T_RC" = 0 ] || [ "$T_RC" = 1 ] || die "$* failed (exit $T_RC); see $LOGS"; }

bench_one() {
    local n=$1 first=$2
    local key="n$n-s$BENCH_SEED-$BENCH_FORMAT-f$BENCH_PER_FILE-${BENCH_TERMS//,/_}"
    local data=$BENCH/data/$key
    local nightly=$BENCH/nightly/n$n
    local cfg=$WORK/xinyu-n$n.json
    local db=bench_n$n
    make_data "$n" "$data"
    mkdir -p "$nightly" "$BENCH/out/n$n"
    write_config "$cfg" "$data" "$nightly" "$BENCH/out/n$n"

    # lower bound 1: read, inflate and hash, one thread (what one ingest worker pays)
    run_timed "$LOGS/n$n-read.log" "$XB" read "$data/spool" --jobs 1
    [ "$T_RC" = 0 ] || die "xinyu-bench read failed; see $LOGS/n$n-read.log"
    local subs bytes files
    subs=$(kv submissions "$T_OUT")
    bytes=$(kv bytes "$T_OUT")
    files=$(kv files "$T_OUT")
    record "$n" read "read+inflate+sha256 (1 thread)" "$subs" "$bytes" "$(kv seconds "$T_OUT")" \
        "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" "files=$files disk_bytes=$(kv disk_bytes "$T_OUT")"

    # lower bound 2: jansson alone on every core
    run_timed "$LOGS/n$n-parse.log" "$XB" parse "$data/spool" --jobs "$BENCH_JOBS"
    [ "$T_RC" = 0 ] || die "xinyu-bench parse failed; see $LOGS/n$n-parse.log"
    local parse_s parse_cpu
    parse_s=$(kv seconds "$T_OUT")
    parse_cpu=$T_CPU
    record "$n" parse "parse, jansson ($BENCH_JOBS threads)" "$subs" "$bytes" "$parse_s" \
        "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" "parse_errors=$(kv parse_errors "$T_OUT")"

    # lower bound 3: COPY of the finished rows into a fresh database, one and all connections
    local copy_s="" copy_cpu="" jobs
    for jobs in $(printf '%s\n' 1 "$BENCH_JOBS" | sort -un); do
        fresh_db "$db" "$cfg" "$data/schools.csv"
        run_timed "$LOGS/n$n-copy$jobs.log" "$XB" copy "$data/copy" --db "$BASE dbname=$db" \
            --jobs "$jobs"
        [ "$T_RC" = 0 ] || die "xinyu-bench copy failed; see $LOGS/n$n-copy$jobs.log"
        local s
        s=$(kv seconds "$T_OUT")
        if [ -z "$copy_s" ] || [ "$(min "$copy_s" "$s")" = "$s" ]; then
            copy_s=$s
            copy_cpu=$(sum "$T_CPU" "$T_SRV")
        fi
        record "$n" "copy$jobs" "COPY alone ($jobs connection$([ "$jobs" = 1 ] || echo s))" \
            "$subs" "$bytes" "$s" "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" \
            "$(printf 'raw_s=%s submission_s=%s rows=%s/%s' "$(kv raw_s "$T_OUT")" \
                "$(kv submission_s "$T_OUT")" "$(kv raw_rows "$T_OUT")" "$(kv accepted "$T_OUT")")"
        drop_db "$db"
    done

    # the full run: registry, ingest of every submission, year report, on a fresh database
    # (its own name, so that BENCH_KEEP_DB=1 keeps the loaded database to look at)
    local rdb=${db}_run
    fresh_db "$rdb" "$cfg"
    busy_sampler >"$WORK/busy-n$n.txt" &
    local sampler=$!
    run_timed "$LOGS/n$n-full.log" "$XINYU" --config "$cfg" --db "$BASE dbname=$rdb" \
        run --year "$YEAR"
    kill "$sampler"
    wait "$sampler" 2>/dev/null || true
    xinyu_ok "the full run"
    local full_s=$T_WALL full_rss=$T_RSS full_cpu
    full_cpu=$(sum "$T_CPU" "$T_SRV")
    local f
    read -r -a f <<<"$(run_figures "$rdb" run)"
    # the report phase: the last report_s seconds before the run was recorded as finished
    local report_end report_cpu
    report_end=$(query "$rdb" "SELECT extract(epoch FROM finished_at) FROM xinyu.run
                                WHERE kind = 'run' ORDER BY run_id DESC LIMIT 1")
    report_cpu=$(busy_between "$WORK/busy-n$n.txt" \
        "$(awk -v e="$report_end" -v s="${f[7]}" 'BEGIN { printf "%.6f", e - s }')" "$report_end")
    record "$n" full "full xinyu run" "${f[0]}" "$bytes" "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" \
        "$T_OTHER" \
        "loaded=${f[1]} duplicate=${f[2]} superseded=${f[3]} rejected=${f[4]} status=${f[8]}"
    local no=(- - - -) # RSS and CPU are the whole run's
    record "$n" full_registry "  of which registry" - - "${f[5]}" "${no[@]}" "run timings"
    record "$n" full_ingest "  of which ingest" "${f[0]}" "$bytes" "${f[6]}" "${no[@]}" "run timings"
    record "$n" full_report "  of which report" - - "${f[7]}" "${no[@]}" "run timings"
    local ingest_s=${f[6]} full_subs=${f[0]} f_report_s=${f[7]}

    # the year report alone, on the loaded database
    run_timed "$LOGS/n$n-report.log" "$XINYU" --config "$cfg" --db "$BASE dbname=$rdb" \
        report --year "$YEAR"
    xinyu_ok "the year report"
    local report_s=$T_WALL
    record "$n" report "year report alone" - - "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" ""

    # the nightly runs: nothing new, then 1% new submissions (corrected versions of a term)
    run_timed "$LOGS/n$n-nightly0.log" "$XINYU" --config "$cfg" --db "$BASE dbname=$rdb" \
        run --year "$YEAR"
    xinyu_ok "the nightly run (0% new)"
    read -r -a f <<<"$(run_figures "$rdb" run)"
    record "$n" nightly0 "nightly run, 0% new" "${f[0]}" 0 "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" \
        "$T_OTHER" \
        "ingest_s=${f[6]} report_s=${f[7]}"
    local count=$(((subs + 99) / 100))
    local per=()
    case "$BENCH_FORMAT" in jsonl*) per=(--per-file "$BENCH_PER_FILE") ;; esac
    "$XB" sample "$data/next-$BENCH_NEW_TERM/resub" --count "$count" --format "$BENCH_FORMAT" \
        "${per[@]}" --out "$nightly" >>"$LOGS/n$n-sample.log"
    local new_bytes
    local unpack=cat
    case "$BENCH_FORMAT" in *.gz) unpack="gzip -dc" ;; esac
    new_bytes=$(cat "$nightly"/* | $unpack | wc -c)
    run_timed "$LOGS/n$n-nightly1.log" "$XINYU" --config "$cfg" --db "$BASE dbname=$rdb" \
        run --year "$YEAR"
    xinyu_ok "the nightly run (1% new)"
    local nightly_s=$T_WALL
    read -r -a f <<<"$(run_figures "$rdb" run)"
    record "$n" nightly1 "nightly run, 1% new" "${f[0]}" "$new_bytes" "$T_WALL" "$T_RSS" "$T_CPU" \
        "$T_SRV" "$T_OTHER" \
        "loaded=${f[1]} duplicate=${f[2]} superseded=${f[3]} rejected=${f[4]} ingest_s=${f[6]} report_s=${f[7]}"
    drop_db "$rdb"
    rm -f "$nightly"/* # the data set is again the full run's alone

    # --jobs 1 against --jobs 2: the ingest alone, on the first data set
    local j1="" j2=""
    if [ "$first" = 1 ]; then
        for jobs in 1 2; do
            fresh_db "$db" "$cfg" "$data/schools.csv"
            run_timed "$LOGS/n$n-ingest-j$jobs.log" "$XINYU" --config "$cfg" \
                --db "$BASE dbname=$db" ingest --jobs "$jobs"
            xinyu_ok "ingest --jobs $jobs"
            read -r -a f <<<"$(run_figures "$db" ingest)"
            record "$n" "ingest_j$jobs" "ingest --jobs $jobs" "${f[0]}" "$bytes" "$T_WALL" "$T_RSS" \
                "$T_CPU" "$T_SRV" "$T_OTHER" "ingest_s=${f[6]}"
            if [ "$jobs" = 1 ]; then j1=$T_WALL; else j2=$T_WALL; fi
            drop_db "$db"
        done
    fi

    # workbooks (SUBMISSION.md section 7): the term's submissions of every school as the
    # filled-in template, against the very same submissions as one .json file each
    local wb_s="" wbjson_s="" wb_subs=0
    if [ "$first" = 1 ]; then
        local wbdata=$data/workbooks-$BENCH_NEW_TERM
        if [ "$(cat "$wbdata/.complete" 2>/dev/null)" != "$XB_SUM" ]; then
            say "writing the $BENCH_NEW_TERM submissions of $n schools as workbooks (not timed)"
            rm -rf "$wbdata"
            "$XB" workbooks "$data/spool" --registry "$data/schools.csv" --period "$BENCH_NEW_TERM" \
                --out "$wbdata" >>"$LOGS/prepare.log" || die "xinyu-bench workbooks failed"
            echo "$XB_SUM" >"$wbdata/.complete"
        fi
        for kind in json xlsx; do
            local wcfg=$WORK/xinyu-n$n-$kind.json
            printf '{"registry": "%s", "targets_dir": "%s", "out_dir": "%s", "var_dir": "%s",
 "sources": [{"name": "bench", "kind": "spool", "path": "%s"}],
 "limits": {"batch_size": %s}, "jobs": %s}\n' "$data/schools.csv" "$BENCH/targets" \
                "$BENCH/out/n$n" "$VAR" "$wbdata/$kind" "$BENCH_BATCH" "$BENCH_JOBS" >"$wcfg"
            fresh_db "$db" "$wcfg" "$data/schools.csv"
            run_timed "$LOGS/n$n-ingest-$kind.log" "$XINYU" --config "$wcfg" \
                --db "$BASE dbname=$db" ingest
            xinyu_ok "ingest of the $kind files"
            read -r -a f <<<"$(run_figures "$db" ingest)"
            [ "${f[1]}" = "${f[0]}" ] || die "the $kind files did not all load: ${f[*]}"
            record "$n" "ingest_$kind" "ingest, one $kind file each" "${f[0]}" \
                "$(du -sb "$wbdata/$kind" | cut -f1)" "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" \
                "$T_OTHER" "ingest_s=${f[6]}"
            if [ "$kind" = json ]; then wbjson_s=${f[6]}; else wb_s=${f[6]}; wb_subs=${f[0]}; fi
            drop_db "$db"
        done
    fi

    # the speed goals (docs/BENCHMARK.md; stated for 200,000, every N is shown against them)
    local bound full_goal=2.0 report_goal=3
    bound=$(max "$parse_s" "$copy_s")
    ratio "$n" full_vs_bound "full run / max(parse, COPY)" "$(div "$full_s" "$bound")" "<=" "$full_goal"
    ratio "$n" ingest_vs_bound "ingest phase / max(parse, COPY)" "$(div "$ingest_s" "$bound")" "<=" 1.5
    ratio "$n" full_rate "full run submissions/s" "$(div "$full_subs" "$full_s")" ">=" 5000
    ratio "$n" nightly_vs_full "nightly 1% / full run" "$(div "$nightly_s" "$full_s")" "<=" 0.10
    ratio "$n" full_rss_mb "full run peak RSS MB" "$(div "$full_rss" 1024)" "<=" 256
    ratio "$n" report_s "year report seconds" "$report_s" "<=" 5
    ratio "$n" full_report_s "report phase of the full run, seconds" "${f_report_s}" "<=" "$report_goal"
    # what the goals leave the work on the machine's cores, against what it took: no order of
    # the work on C cores takes less than its CPU seconds / C
    local cores
    cores=$(nproc)
    cpu "$n" "parse + COPY (the bound's work)" "$(sum "$parse_cpu" "$copy_cpu")" - -
    cpu "$n" "full xinyu run (client + server)" "$full_cpu" "$full_s" \
        "$(awk -v g="$full_goal" -v b="$bound" -v c="$cores" 'BEGIN { printf "%.2f", g * b * c }')"
    cpu "$n" "report phase (the machine)" "$report_cpu" "$f_report_s" "$((report_goal * cores))"
    if [ -n "$j2" ]; then
        ratio "$n" jobs2_vs_jobs1 "ingest --jobs 2 / --jobs 1" "$(div "$j2" "$j1")" "<=" 0.9
    fi
    if [ -n "$wb_s" ]; then
        ratio "$n" workbook_rate "workbook submissions/s" "$(div "$wb_subs" "$wb_s")" ">=" 200
        ratio "$n" workbook_vs_json "workbook ingest / the same as JSON" \
            "$(div "$wb_s" "$wbjson_s")" "<=" 10
    fi
    echo "$full_rss" >"$WORK/rss-n$n"

    if [ "$first" = 1 ] && [ "$BENCH_PROFILE" = 1 ]; then
        profile "$n" "$cfg" "$db"
    fi
}

# The first N lines of a perf report that carry a share, without perf's empty columns
# (reads all of its input: no broken pipe).
top_lines() {
    awk -v n="$1" '/^ +[0-9.]+%/ && k++ < n { sub(/[ \t]+-[ \t]+-[ \t]*$/, ""); print }'
}

# perf profiles of one full run: the xinyu process, and the embedded server (the
# postmaster and every backend it starts meanwhile, none of the machine's other work).
profile() {
    local n=$1 cfg=$2 db=$3 pm server
    command -v perf >/dev/null || die "BENCH_PROFILE=1 needs perf (apt-get install linux-perf)"
    local base=${OUT%.txt}
    fresh_db "$db" "$cfg"
    pm=$(head -n 1 "$PGDATA/postmaster.pid")
    say "profiling the full run of $n schools (perf record -g, client and server)"
    perf record -q -g -p "$pm" -o "$WORK/perf-server.data" >>"$LOGS/profile.log" 2>&1 &
    server=$!
    sleep 1 # perf attaches to the server's processes before the run connects
    perf record -q -g -o "$WORK/perf-client.data" -- "$XINYU" --config "$cfg" \
        --db "$BASE dbname=$db" run --year "$YEAR" >>"$LOGS/profile.log" 2>&1 || true
    kill -INT "$server"
    wait "$server" || true
    local report=(perf report --no-children --stdio)
    {
        echo "# xinyu process: share of samples by shared object"
        "${report[@]}" -i "$WORK/perf-client.data" --sort dso 2>/dev/null | top_lines 8
        echo "# xinyu process: top 25 symbols"
        "${report[@]}" -i "$WORK/perf-client.data" --sort dso,symbol 2>/dev/null | top_lines 25
    } >"$base-profile-client.txt"
    {
        echo "# PostgreSQL server: share of samples by shared object (libLLVM is JIT compilation)"
        "${report[@]}" -i "$WORK/perf-server.data" --sort dso 2>/dev/null | top_lines 8
        echo "# PostgreSQL server: top 25 symbols"
        "${report[@]}" -i "$WORK/perf-server.data" --sort dso,symbol 2>/dev/null | top_lines 25
    } >"$base-profile-server.txt"
    drop_db "$db"
    say "profiles in $base-profile-client.txt and $base-profile-server.txt"
}

# ---- side by side: Xinyu against the script a data officer would write ------------------

# BENCH_SIDE valid submissions of one term (each school once: no duplicates, corrections,
# invalid or missing ones) as JSON Lines shards, loaded three ways on the same server: COPY
# of the rows the peer makes (prepared beforehand, not timed), the peer itself
# (scripts/bench/peer_load.py: json.loads, four checks, COPY into two plain tables), and
# xinyu ingest --jobs 2 with everything it keeps.
bench_side() {
    local n=$BENCH_SIDE term=${BENCH_TERMS##*,}
    local data=$BENCH/data/side-n$n-s$BENCH_SEED-f$BENCH_PER_FILE-$term
    local key=side$n db=bench_side
    local sum
    sum="$GEN_SUM $(sha256sum "$PEER" | cut -d' ' -f1)"
    if [ "$(cat "$data/.complete" 2>/dev/null)" != "$sum" ]; then
        say "generating $n valid submissions of $term for the side-by-side case"
        rm -rf "$data" "$data.tmp"
        "$GEN" --schools "$n" --seed "$BENCH_SEED" --terms "$term" --format jsonl \
            --per-file "$BENCH_PER_FILE" --dup-share 0 --resub-share 0 --invalid-share 0 \
            --missing-share 0 --out "$data.tmp" 2>>"$LOGS/gen.log"
        "$PYTHON" "$PEER" prepare "$data.tmp/spool" "$data.tmp/peer-copy" >>"$LOGS/prepare.log"
        echo "$sum" >"$data.tmp/.complete"
        mv "$data.tmp" "$data"
    fi
    local cfg=$WORK/xinyu-side.json
    mkdir -p "$BENCH/out/side"
    printf '{"registry": "%s", "targets_dir": "%s", "out_dir": "%s", "var_dir": "%s",
 "sources": [{"name": "side", "kind": "spool", "path": "%s"}],
 "limits": {"batch_size": %s}, "jobs": 2}\n' "$data/schools.csv" "$BENCH/targets" \
        "$BENCH/out/side" "$VAR" "$data/spool" "$BENCH_BATCH" >"$cfg"
    local bytes
    bytes=$(cat "$data"/spool/*.jsonl | wc -c)

    # the COPY of the finished rows into the peer's two plain tables
    admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    run_timed "$LOGS/side-copy.log" "$PYTHON" "$PEER" copy --db "$BASE dbname=$db" \
        "$data/peer-copy"
    [ "$T_RC" = 0 ] || die "the peer's COPY failed; see $LOGS/side-copy.log"
    local copy_s=$T_WALL
    record "$key" side_copy "COPY of the flattened rows" "$(kv submissions "$T_OUT")" "$bytes" \
        "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" "two plain tables, 1 connection; x1.00"
    drop_db "$db"

    # the peer: json.loads, four checks, COPY per shard
    admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    run_timed "$LOGS/side-peer.log" "$PYTHON" "$PEER" load --db "$BASE dbname=$db" \
        "$data/spool"
    [ "$T_RC" = 0 ] || die "the peer failed; see $LOGS/side-peer.log"
    local peer_s=$T_WALL
    record "$key" side_peer "Python script (json + COPY)" "$(kv submissions "$T_OUT")" "$bytes" \
        "$T_WALL" "$T_RSS" "$T_CPU" "$T_SRV" "$T_OTHER" \
        "skipped=$(kv skipped "$T_OUT"); x$(div "$T_WALL" "$copy_s")"
    drop_db "$db"

    # xinyu ingest --jobs 2 on a new database with the registry loaded
    fresh_db "$db" "$cfg" "$data/schools.csv"
    run_timed "$LOGS/side-ingest.log" "$XINYU" --config "$cfg" --db "$BASE dbname=$db" \
        ingest --jobs 2
    xinyu_ok "the side-by-side ingest"
    local f
    read -r -a f <<<"$(run_figures "$db" ingest)"
    [ "${f[1]}" = "$n" ] || die "the side-by-side ingest did not load every submission: ${f[*]}"
    local ingest_s=$T_WALL
    record "$key" side_ingest "xinyu ingest --jobs 2" "${f[0]}" "$bytes" "$T_WALL" "$T_RSS" \
        "$T_CPU" "$T_SRV" "$T_OTHER" "loaded=${f[1]}; x$(div "$T_WALL" "$copy_s")"
    drop_db "$db"
    ratio "$key" side_vs_peer "xinyu ingest / Python script" "$(div "$ingest_s" "$peer_s")" "<=" 0.8
}

if [ "$BENCH_SIDE" != 0 ]; then
    bench_side
fi

first=1
for n in $BENCH_SCHOOLS; do
    bench_one "$n" "$first"
    first=0
done

# memory must not grow with the number of submissions: the largest against the smallest N
# shellcheck disable=SC2086 # a list of numbers
set -- $BENCH_SCHOOLS
if [ $# -gt 1 ]; then
    large=$(printf '%s\n' "$@" | sort -n | tail -n 1)
    small=$(printf '%s\n' "$@" | sort -n | head -n 1)
    ratio "$large" rss_growth "peak RSS N=$large / N=$small" \
        "$(div "$(cat "$WORK/rss-n$large")" "$(cat "$WORK/rss-n$small")")" "<=" 1.10
fi

# ---- the report: a text table and the same figures as JSON --------------------------------

GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || GIT="$GIT+changes"
MEM_GB=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
PG_VERSION=$("$PG_BIN/postgres" --version 2>/dev/null | awk '{ print $3 }')
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

awk -F'\t' -v started="$STARTED" -v git="$GIT" -v cores="$(nproc)" -v mem="$MEM_GB" \
    -v pg="$PG_VERSION" -v fmt="$BENCH_FORMAT" -v per="$BENCH_PER_FILE" -v seed="$BENCH_SEED" \
    -v terms="$BENCH_TERMS" -v jobs="$BENCH_JOBS" -v batch="$BENCH_BATCH" \
    -v load0="$LOAD_START" -v load1="$LOAD_END" -v ratios="$RATIOS" -v cpus="$CPUS" \
    -v pgopts="${PGOPTIONS:-}" '
function rate(a, s) { return (a ~ /^[0-9.]+$/ && a > 0 && s > 0) ? sprintf("%.0f", a / s) : "-" }
function mbs(b, s) { return (b ~ /^[0-9.]+$/ && b > 0 && s > 0) ? sprintf("%.1f", b / 1e6 / s) : "-" }
function mb(k) { return k ~ /^[0-9]+$/ ? sprintf("%.1f", k / 1024) : "-" }
function verdict(v, op, goal) {
    if (v !~ /^[0-9.]+$/) return "-"
    return (op == "<=" ? v + 0 <= goal + 0 : v + 0 >= goal + 0) ? "PASS" : "MISS"
}
BEGIN {
    printf "Xinyu benchmark, %s, git %s\n", started, git
    printf "machine: %s cores, %s GiB; PostgreSQL %s (embedded); load average %s at start, %s at end\n",
        cores, mem, pg, load0, load1
    printf "data: %s%s, seed %s, terms %s; xinyu jobs %s, batch_size %s\n", fmt,
        (fmt ~ /^jsonl/ ? " shards of " per : ""), seed, terms, jobs, batch
    if (pgopts != "")
        printf "PGOPTIONS for xinyu: %s\n", pgopts
    while ((getline line < ratios) > 0) { split(line, r, "\t"); nr++; R[nr] = line }
    while ((getline line < cpus) > 0) { nc++; C[nc] = line }
}
{
    if (!($1 in seen)) { seen[$1] = 1; order[++nn] = $1 }
    rows[$1] = rows[$1] sprintf("%-32s %11s %9s %9s %8s %8s %8s %8s %8s  %s\n", $3, $4, $6,
        rate($4, $6), mbs($5, $6), mb($7), $8, $9, $10, $11)
    if ($2 == "read" || $2 == "side_copy") { subs[$1] = $4; bytes[$1] = $5 }
    if ($10 ~ /^[0-9.]+$/) { others += $10; timed += $6 }
}
END {
    # other work on the machine: more than a tenth of a core on average inflates the seconds
    if (timed > 0 && others / timed > 0.1)
        printf "warning: other processes used %.0f CPU s during %.0f s of measurements (%.0f%% of a core): seconds are inflated, CPU s less so\n",
            others, timed, 100 * others / timed
    for (i = 1; i <= nn; i++) {
        n = order[i]
        if (n ~ /^side/)
            printf "\nSide by side: %s valid submissions of one term, JSON Lines shards of %s, %.1f MB of JSON\n",
                substr(n, 5), per, bytes[n] / 1e6
        else
            printf "\nN = %s schools: %s submissions, %.1f MB of JSON\n", n, subs[n], bytes[n] / 1e6
        printf "%-32s %11s %9s %9s %8s %8s %8s %8s %8s  %s\n", "case", "submissions", "seconds",
            "subs/s", "MB/s", "RSS MB", "CPU s", "srv CPU", "others", "notes"
        printf "%s", rows[n]
        printf "%-40s %10s %10s  %s\n", "ratio", "value", "goal", "result"
        for (k = 1; k <= nr; k++) {
            split(R[k], r, "\t")
            if (r[1] == n)
                printf "%-40s %10s %10s  %s\n", r[3], r[4], r[5] " " r[6], verdict(r[4], r[5], r[6])
        }
        head = 0
        for (k = 1; k <= nc; k++) {
            split(C[k], c, "\t")
            if (c[1] != n)
                continue
            if (!head++)
                printf "%-40s %8s %9s %10s %14s %12s  %s\n", "CPU on " cores " cores", "CPU s",
                    "seconds", "cores busy", "least seconds", "goal allows", "result"
            busy = (c[3] ~ /^[0-9.]+$/ && c[4] ~ /^[0-9.]+$/ && c[4] > 0) ? sprintf("%.2f", c[3] / c[4]) : "-"
            least = c[3] ~ /^[0-9.]+$/ ? sprintf("%.2f", c[3] / cores) : "-"
            printf "%-40s %8s %9s %10s %14s %12s  %s\n", c[2], c[3], c[4], busy, least, c[5],
                (c[5] ~ /^[0-9.]+$/ ? verdict(c[3], "<=", c[5]) : "-")
        }
    }
}' "$RESULTS" >"$OUT"

# JSON: the same rows, numbers as numbers
awk -F'\t' -v started="$STARTED" -v git="$GIT" -v cores="$(nproc)" -v mem="$MEM_GB" \
    -v pg="$PG_VERSION" -v fmt="$BENCH_FORMAT" -v per="$BENCH_PER_FILE" -v seed="$BENCH_SEED" \
    -v terms="$BENCH_TERMS" -v jobs="$BENCH_JOBS" -v batch="$BENCH_BATCH" \
    -v load0="$LOAD_START" -v load1="$LOAD_END" -v ratios="$RATIOS" -v cpus="$CPUS" \
    -v pgopts="${PGOPTIONS:-}" '
function num(v) { return v ~ /^[0-9]+(\.[0-9]+)?$/ ? v + 0 : "null" }
function str(v) { gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v); return "\"" v "\"" }
function verdict(v, op, goal) {
    if (v !~ /^[0-9.]+$/) return "null"
    return (op == "<=" ? v + 0 <= goal + 0 : v + 0 >= goal + 0) ? "\"PASS\"" : "\"MISS\""
}
BEGIN {
    printf "{\n  \"started\": %s, \"git\": %s, \"cores\": %s, \"mem_gib\": %s, \"postgresql\": %s,\n",
        str(started), str(git), cores, mem, str(pg)
    printf "  \"load_average_start\": %s, \"load_average_end\": %s, \"pgoptions\": %s,\n",
        str(load0), str(load1), str(pgopts)
    printf "  \"format\": %s, \"per_file\": %s, \"seed\": %s, \"terms\": %s, \"jobs\": %s, \"batch_size\": %s,\n",
        str(fmt), per, seed, str(terms), jobs, batch
    printf "  \"cases\": ["
}
{
    s = ($6 > 0 && $4 ~ /^[0-9]+$/) ? sprintf("%.1f", $4 / $6) : "null"
    m = ($6 > 0 && $5 ~ /^[0-9]+$/ && $5 > 0) ? sprintf("%.2f", $5 / 1e6 / $6) : "null"
    r = $7 ~ /^[0-9]+$/ ? sprintf("%.1f", $7 / 1024) : "null"
    printf "%s\n    {\"schools\": %s, \"case\": %s, \"label\": %s, \"submissions\": %s, \"bytes\": %s, \"seconds\": %s, \"submissions_per_s\": %s, \"mb_per_s\": %s, \"peak_rss_mb\": %s, \"client_cpu_s\": %s, \"server_cpu_s\": %s, \"other_cpu_s\": %s, \"notes\": %s}",
        (NR > 1 ? "," : ""), num($1), str($2), str($3), num($4), num($5), num($6), s, m, r, num($8),
        num($9), num($10), str($11)
}
END {
    printf "\n  ],\n  \"ratios\": ["
    k = 0
    while ((getline line < ratios) > 0) {
        split(line, q, "\t")
        printf "%s\n    {\"schools\": %s, \"ratio\": %s, \"label\": %s, \"value\": %s, \"goal\": %s, \"result\": %s}",
            (k++ ? "," : ""), num(q[1]), str(q[2]), str(q[3]), num(q[4]), str(q[5] " " q[6]),
            verdict(q[4], q[5], q[6])
    }
    printf "\n  ],\n  \"cpu\": ["
    k = 0
    while ((getline line < cpus) > 0) {
        split(line, q, "\t")
        printf "%s\n    {\"schools\": %s, \"label\": %s, \"cpu_s\": %s, \"seconds\": %s, \"goal_allows_cpu_s\": %s, \"result\": %s}",
            (k++ ? "," : ""), num(q[1]), str(q[2]), num(q[3]), num(q[4]), num(q[5]),
            (q[5] ~ /^[0-9.]+$/ ? verdict(q[3], "<=", q[5]) : "null")
    }
    printf "\n  ]\n}\n"
}' "$RESULTS" >"$OUT.json"

# Work summaries: precision and recall of the figures read, per field, over the labelled
# corpus of tests/extract, and the time of a ten-page summary (the unit test prints both)
if make -s BUILD="$BUILD" "$BUILD/tests/test_xform_extract" >/dev/null 2>&1; then
    {
        echo
        echo "Work summaries (tests/extract): figures read per field"
        "$ROOT/$BUILD/tests/test_xform_extract" 2>&1 |
            grep -E '^  (field|[a-z_]+\.[a-z_0-9]+ |all fields|approximate|a 10-page)' || true
    } >>"$OUT"
else
    say "cannot build $BUILD/tests/test_xform_extract: no figures for work summaries"
fi

cat "$OUT"
say "figures in $OUT and $OUT.json; logs in $LOGS"
