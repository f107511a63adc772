# Two indicator reports of one scope at once: the one whose snapshot is older finds the kept
# facts written meanwhile by the other, says so (xinyu.indicator_facts_refresh returns false),
# writes nothing and computes its rows itself; its transaction goes on and ends normally.
# Both ways the kept facts can be found written: the first facts of a scope (a key taken), and
# a school's row computed again (a row changed).
source "$ROOT/tests/integration/lib.sh"
demo_city_run

periods=$(sql "SELECT array_agg(DISTINCT period ORDER BY period)::text FROM xinyu.submission")
deadlines=$(sql "SELECT array_agg(date '2025-01-20' ORDER BY period)::text
                 FROM (SELECT DISTINCT period FROM xinyu.submission) p")
args="'$periods'::text[], '$deadlines'::date[], '{\"min_hours\": 11}'::jsonb"

# session A: psql on a pipe; a_sql STATEMENT prints what it returns
coproc A { psql -X -A -t -q -v ON_ERROR_STOP=0 2>&1; }
# its pid kept now: bash unsets A_PID as soon as the coprocess has ended, which under load can be
# before the wait at the end reads it
a_pid=$A_PID
a_sql() {
    printf '%s\n\\echo --end--\n' "$1" >&"${A[1]}"
    local line out=""
    while IFS= read -r -t 60 line <&"${A[0]}"; do
        [ "$line" = "--end--" ] && break
        out+="$line"
    done
    printf '%s' "$out"
}
a_sql "SET ROLE xinyu_report;" >/dev/null
# a_snapshot: A begins a transaction and takes its snapshot
a_snapshot() {
    a_sql "BEGIN ISOLATION LEVEL REPEATABLE READ;" >/dev/null
    a_sql "SELECT count(*) FROM xinyu.submission;" >/dev/null
}
# b_refresh: session B brings the kept facts up to date, as a report would, and commits
b_refresh() { sql "SET ROLE xinyu_report; SELECT xinyu.indicator_facts_refresh($args)"; }

# 1. A's snapshot is taken before B keeps the scope's first facts
a_snapshot
expect_eq "B keeps the facts" "t" "$(b_refresh)"
expect_eq "A finds them written meanwhile" "f" \
    "$(a_sql "SELECT xinyu.indicator_facts_refresh($args);")"
live=$(a_sql "SELECT count(*) FROM xinyu.indicator_rows($args, true, false);")
[ "$live" -gt 0 ] || fail "A cannot compute its rows after the refresh: [$live]"
expect_eq "A's transaction ends normally" "" "$(a_sql "COMMIT;")"
expect_eq "one set of facts kept of these terms" 1 \
    "$(sql "SELECT count(*) FROM xinyu.indicator_fact_scope WHERE periods = '$periods'")"

# 2. a school's row stale before A's snapshot, computed again by B after it
key=$(sql "SELECT xinyu.indicator_fact_key($args)")
school=$(sql "SELECT min(school_code) FROM xinyu.indicator_fact WHERE scope_key = '$key'")
sql "UPDATE xinyu.indicator_fact SET inputs_n = inputs_n + 1
     WHERE scope_key = '$key' AND school_code = '$school'" >/dev/null
a_snapshot
expect_eq "B computes the school again" "t" "$(b_refresh)"
expect_eq "A finds its row changed meanwhile" "f" \
    "$(a_sql "SELECT xinyu.indicator_facts_refresh($args);")"
expect_eq "A's transaction ends normally" "" "$(a_sql "COMMIT;")"

# 3. with nobody else at work, the kept facts are read, and give the rows computed anew
a_sql "BEGIN ISOLATION LEVEL REPEATABLE READ;" >/dev/null
expect_eq "A keeps the facts" "t" "$(a_sql "SELECT xinyu.indicator_facts_refresh($args);")"
expect_eq "the kept rows are the computed ones" "0" \
    "$(a_sql "SELECT count(*) FROM (SELECT * FROM xinyu.indicator_rows($args, true, true)
              EXCEPT ALL SELECT * FROM xinyu.indicator_rows($args, true, false)) x;")"
a_sql "COMMIT;" >/dev/null
exec {A[1]}>&-
wait "$a_pid" 2>/dev/null || true
echo "indicator facts race ok"
