# A database made before sql/ was split into schema/ and functions/ (the demo city loaded
# by Xinyu at migration 012, committed as a dump) upgrades in place with "db migrate":
# every row kept, the same functions and tables as a database made new, and the same
# reports as the same demo loaded into a new database. An applied migration that was
# edited afterwards is an error; a function file whose text changed is applied again.
source "$ROOT/tests/integration/lib.sh"
fixture="$ROOT/tests/fixtures/upgrade/layout-012-demo.sql.gz"
legacy="${PGDATABASE}_legacy"
fresh=$PGDATABASE

# the roles are the cluster's: a migrated database makes them before the dump's grants need them
"$XINYU" db migrate --db "dbname=$fresh" >/dev/null 2>&1
createdb "$legacy"
gzip -dc "$fixture" | psql -X -q -v ON_ERROR_STOP=1 -d "$legacy" >/dev/null ||
    fail "cannot restore the fixture"

rows() { # DB: every table of the schema with its row count
    psql -X -A -t -q -d "$1" -c "SELECT format('SELECT %L || '' '' || count(*) FROM %I.%I;',
        c.relname, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'xinyu' AND c.relkind = 'r' AND c.relname NOT IN ('schema_migration', 'function_set')
        ORDER BY c.relname" | psql -X -A -t -q -d "$1"
}
rows "$legacy" >"$TEST_TMP/rows-before"
[ "$(grep -c . "$TEST_TMP/rows-before")" -ge 10 ] || fail "the fixture has too few tables"
grep -q '^submission [1-9]' "$TEST_TMP/rows-before" || fail "the fixture has no submissions"

"$XINYU" db migrate --db "dbname=$legacy" 2>"$TEST_TMP/migrate.log" || {
    cat "$TEST_TMP/migrate.log" >&2
    fail "the upgrade failed"
}
grep -q 'recorded for the schema/functions layout' "$TEST_TMP/migrate.log" ||
    fail "the upgrade did not record the layout: $(cat "$TEST_TMP/migrate.log")"
rows "$legacy" >"$TEST_TMP/rows-after"
# every table that was there keeps its rows (later migrations may add tables of their own)
missing=$(grep -vxF -f "$TEST_TMP/rows-after" "$TEST_TMP/rows-before" || true)
[ -z "$missing" ] || fail "rows changed in the upgrade: $missing (after: $(cat "$TEST_TMP/rows-after"))"

# a second migrate has nothing to do
"$XINYU" db migrate --db "dbname=$legacy" 2>"$TEST_TMP/migrate2.log"
if grep -q 'applied\|recorded' "$TEST_TMP/migrate2.log"; then
    fail "a second migrate did something: $(cat "$TEST_TMP/migrate2.log")"
fi

# the same demo loaded into a new database: as it was when the fixture was made, before the
# demo had workbooks (config/demo/spool/workbooks)
cd "$ROOT"
cp -r config/demo/spool "$TEST_TMP/spool"
rm -rf "$TEST_TMP/spool/workbooks"
sed "s|\"config/demo/spool\"|\"$TEST_TMP/spool\"|" config/xinyu.json >"$TEST_TMP/demo.json"
grep -q "$TEST_TMP/spool" "$TEST_TMP/demo.json" || fail "cannot point the demo at its old spool"
# one worker: the raw ids, which the lists show, follow the files' order as in the fixture,
# not the order in which two workers happen to claim them
"$XINYU" run --config "$TEST_TMP/demo.json" --db "dbname=$fresh" --var "$TEST_TMP/var" -q \
    --jobs 1 >/dev/null 2>&1 || [ $? -eq 1 ] || fail "the demo run failed"
rm -rf out.fresh 2>/dev/null || true

# the same functions (definitions, comments, grants) and the same tables
catalog() {
    psql -X -A -t -q -d "$1" -c "SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid),
            coalesce(obj_description(p.oid, 'pg_proc'), ''), coalesce(p.proacl::text, '')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'xinyu' ORDER BY 1"
}
catalog "$legacy" >"$TEST_TMP/functions-legacy"
catalog "$fresh" >"$TEST_TMP/functions-fresh"
[ "$(grep -c 'FUNCTION xinyu\.' "$TEST_TMP/functions-fresh")" -ge 25 ] || fail "too few functions"
diff "$TEST_TMP/functions-legacy" "$TEST_TMP/functions-fresh" >"$TEST_TMP/functions.diff" ||
    fail "the functions differ after the upgrade: $(head -40 "$TEST_TMP/functions.diff")"
schema_of() {
    pg_dump --schema-only --no-owner -d "$1" | grep -v '^--' | grep -v '^\\\(un\)\?restrict'
}
schema_of "$legacy" >"$TEST_TMP/schema-legacy"
schema_of "$fresh" >"$TEST_TMP/schema-fresh"
diff "$TEST_TMP/schema-legacy" "$TEST_TMP/schema-fresh" >"$TEST_TMP/schema.diff" ||
    fail "the schema differs after the upgrade: $(head -40 "$TEST_TMP/schema.diff")"

# the same reports from both. Reasons stored before the message catalogue have no Chinese
# text (message_zh), and letters then quote the English one: the new database's reasons are
# made as old for the comparison; tests/integration/messages_zh.sh checks the Chinese ones.
psql -X -q -d "$fresh" -c "UPDATE xinyu.submission_issue SET message_zh = NULL"
# What the nightly run's report saw first (019) is a record of that database's runs; the
# upgraded one had no nightly run since, so neither keeps one for the comparison.
psql -X -q -d "$fresh" -c "DELETE FROM xinyu.problem_seen"
# the same reports from both
reports() { # DB DIR
    local db=$1 dir=$2
    mkdir -p "$dir"
    "$XINYU" report --config config/xinyu.json --db "dbname=$db" --year 2024 \
        --format json,csv,html --out "$dir" -q
    for p in 2023-2024-2 2024-2025-1; do
        "$XINYU" report --config config/xinyu.json --db "dbname=$db" --period $p \
            --format json,csv --out "$dir" -q
    done
    "$XINYU" audit --config config/xinyu.json --db "dbname=$db" --year 2024 \
        --format json,csv,html --out "$dir" -q || [ $? -eq 1 ]
    "$XINYU" review --config config/xinyu.json --db "dbname=$db" --from 2024 --to 2024 \
        --format json,csv --out "$dir" -q || [ $? -eq 1 ]
    "$XINYU" quality --config config/xinyu.json --db "dbname=$db" --year 2024 --out "$dir" -q ||
        [ $? -eq 1 ]
}
reports "$legacy" "$TEST_TMP/r-legacy"
reports "$fresh" "$TEST_TMP/r-fresh"
n=$(find "$TEST_TMP/r-fresh" -type f | wc -l)
[ "$n" -ge 15 ] || fail "only $n report files"
# generated_at is the time of writing and a received time the time of loading, not data
strip_times() { sed -E 's/20[0-9]{2}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?/TIME/g' "$1"; }
(cd "$TEST_TMP/r-fresh" && find . -type f | sort) >"$TEST_TMP/files-fresh"
(cd "$TEST_TMP/r-legacy" && find . -type f | sort) >"$TEST_TMP/files-legacy"
diff "$TEST_TMP/files-legacy" "$TEST_TMP/files-fresh" || fail "different report files"
same_xlsx() { # cell by cell, but for the times of writing and loading
    /usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys, datetime, openpyxl
time = re.compile(r'20\d\d-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)?')
def cells(path):
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out.append(tuple('TIME' if isinstance(v, datetime.datetime)
                             else time.sub('TIME', v) if isinstance(v, str) else v for v in row))
        out.append((ws.title,))
    return out
a, b = cells(sys.argv[1]), cells(sys.argv[2])
for x, y in zip(a, b):
    if x != y:
        print(x, y, file=sys.stderr)
        break
sys.exit(0 if a == b else 1)
PY
}
while read -r f; do
    if [[ "$f" == *.xlsx ]]; then
        same_xlsx "$TEST_TMP/r-legacy/$f" "$TEST_TMP/r-fresh/$f" || fail "$f differs"
        continue
    fi
    cmp -s <(strip_times "$TEST_TMP/r-legacy/$f") <(strip_times "$TEST_TMP/r-fresh/$f") ||
        fail "$f differs: $(diff <(strip_times "$TEST_TMP/r-legacy/$f") <(strip_times "$TEST_TMP/r-fresh/$f") | head -10)"
done <"$TEST_TMP/files-fresh"

# an applied migration edited afterwards is an error that names it
psql -X -q -d "$legacy" -c "UPDATE xinyu.schema_migration SET sha256 = repeat('0', 64) WHERE version = 10"
rc=0
"$XINYU" db migrate --db "dbname=$legacy" 2>"$TEST_TMP/edited.log" || rc=$?
expect_eq "edited migration exit" 3 "$rc"
grep -q '010_merge_speed.sql was changed after it was applied' "$TEST_TMP/edited.log" ||
    fail "no clear message: $(cat "$TEST_TMP/edited.log")"
psql -X -q -d "$legacy" -c "UPDATE xinyu.schema_migration SET sha256 = (SELECT sha256 FROM xinyu.schema_migration WHERE version = 10) WHERE false"

# a migration this program does not know
psql -X -q -d "$fresh" -c "INSERT INTO xinyu.schema_migration (version, name, sha256) VALUES (999, '999_future.sql', repeat('1', 64))"
rc=0
"$XINYU" db migrate --db "dbname=$fresh" 2>"$TEST_TMP/future.log" || rc=$?
expect_eq "unknown migration exit" 3 "$rc"
grep -q 'has migration 999' "$TEST_TMP/future.log" || fail "no clear message: $(cat "$TEST_TMP/future.log")"
psql -X -q -d "$fresh" -c "DELETE FROM xinyu.schema_migration WHERE version = 999"

# a function file whose text changed is applied again, and only that one
psql -X -q -d "$fresh" -c "UPDATE xinyu.function_set SET sha256 = 'stale' WHERE name = 'audit.sql'"
psql -X -q -d "$fresh" -c "CREATE OR REPLACE FUNCTION xinyu.audit_num(p_value numeric) RETURNS text LANGUAGE sql AS 'SELECT ''changed'''"
"$XINYU" db migrate --db "dbname=$fresh" 2>"$TEST_TMP/refresh.log"
expect_eq "re-applied function files" "applied functions audit.sql" \
    "$(grep -o 'applied functions .*' "$TEST_TMP/refresh.log")"
catalog "$fresh" >"$TEST_TMP/functions-fresh2"
diff "$TEST_TMP/functions-fresh" "$TEST_TMP/functions-fresh2" >/dev/null ||
    fail "the re-applied file did not restore the function"
echo "upgrade ok"
