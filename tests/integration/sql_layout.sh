# sql/ holds one current definition of every function: schema/ (append-only migrations:
# tables, types, indexes, roles) defines none, and no function is defined in two files of
# functions/. Every function file re-applies as a whole, so it only CREATEs OR REPLACEs.
source "$ROOT/tests/integration/lib.sh"
cd "$ROOT/sql"
defs() { grep -HoiE 'create[[:space:]]+(or[[:space:]]+replace[[:space:]]+)?function[[:space:]]+[a-z_.]+' "$@" |
    sed -E 's/:.*[[:space:]]([a-z_.]+)$/ \1/I'; }
in_schema=$(defs schema/*.sql || true)
[ -z "$in_schema" ] || fail "functions defined in schema migrations: $in_schema"
defs functions/*.sql >"$TEST_TMP/defs"
[ "$(wc -l <"$TEST_TMP/defs")" -ge 25 ] || fail "too few functions found: $(cat "$TEST_TMP/defs")"
twice=$(awk '{print $2}' "$TEST_TMP/defs" | sort | uniq -d)
[ -z "$twice" ] || fail "defined more than once: $twice"
plain=$(grep -HniE '^[[:space:]]*create[[:space:]]+function' functions/*.sql || true)
[ -z "$plain" ] || fail "CREATE FUNCTION without OR REPLACE cannot be applied again: $plain"
echo "sql layout ok: $(wc -l <"$TEST_TMP/defs") functions, one definition each"
