# lib.sh - shared helpers of the integration tests (sourced, not run).
# The harness (tests/run.sh) sets ROOT, BUILD, XINYU, TEST_TMP and the PG* variables of a
# fresh empty database.
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
}

# sql QUERY: one value, unaligned
sql() {
    psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
}

# write_config FILE SPOOL [extra json members]: a config for the test's own spool and outputs
write_config() {
    local file=$1 spool=$2 extra=${3:-}
    cat >"$file" <<JSON
{
  "registry": "$TEST_TMP/schools.csv",
  "targets_dir": "$TEST_TMP/targets",
  "out_dir": "$TEST_TMP/out",
  "var_dir": "$TEST_TMP/var",
  "sources": [{"name": "spool", "kind": "spool", "path": "$spool"}]${extra:+,
  $extra}
}
JSON
}

# fixtures: the spec's registry and targets in TEST_TMP
setup_fixtures() {
    mkdir -p "$TEST_TMP/targets"
    cp "$ROOT/tests/fixtures/spec-examples/schools.csv" "$TEST_TMP/schools.csv"
    cp "$ROOT/tests/fixtures/spec-examples/targets-2024.json" "$TEST_TMP/targets/2024.json"
}

# counts RUN_ID: "received loaded duplicate superseded rejected"
counts() {
    sql "SELECT received || ' ' || loaded || ' ' || duplicate || ' ' || superseded || ' ' || rejected FROM xinyu.run WHERE run_id = $1"
}

# demo_city_run: the demo city (config/demo) in $TEST_TMP, its configuration in
# $TEST_TMP/conf.json and one nightly run of it, which exits 1 (some submissions are rejected
# on purpose); x runs xinyu with that configuration.
demo_city_run() {
    mkdir -p "$TEST_TMP/targets"
    cp "$ROOT/config/demo/schools.csv" "$TEST_TMP/schools.csv"
    cp "$ROOT/config/demo/targets/2024.json" "$TEST_TMP/targets/2024.json"
    cp -r "$ROOT/config/demo/spool" "$TEST_TMP/spool"
    write_config "$TEST_TMP/conf.json" "$TEST_TMP/spool"
    local rc=0
    "$XINYU" --config "$TEST_TMP/conf.json" run >"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err" || rc=$?
    expect_eq "the demo run (some submissions rejected on purpose)" 1 "$rc"
}
x() { "$XINYU" --config "$TEST_TMP/conf.json" "$@"; }

# spec_spool: the spec's examples as fixtures, an empty spool ($spool) and the configuration
# reading it; $ex is the examples' directory; xq runs xinyu quietly with that configuration.
spec_spool() {
    setup_fixtures
    spool="$TEST_TMP/spool"
    mkdir -p "$spool"
    ex="$ROOT/tests/fixtures/spec-examples"
    write_config "$TEST_TMP/conf.json" "$spool"
}
xq() { "$XINYU" -q --config "$TEST_TMP/conf.json" "$@"; }
