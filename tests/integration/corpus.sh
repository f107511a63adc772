# The bad-input corpus (tests/corpus): every case through "xinyu check" (in English, and in
# Chinese, where every reason names its field's path in parentheses) and through a real
# ingest of its own, with the outcome and every expected reason compared, nothing of a
# rejected submission in the core tables, and every run reconciling.
#
# A case is a directory NNN-name holding its input file(s) and an "expected" file:
#   outcome loaded|rejected          the one submission of the case's single input file
#   items N                          the input holds N items (JSON Lines); "item" lines follow
#   item REF OUTCOME                 REF as received (input.jsonl:3, or input.jsonl.gz for an
#                                    item about the whole file); OUTCOME is loaded, rejected,
#                                    superseded or duplicate
#   reject CODE [PATH]               a reason that must be recorded (no PATH: the document)
#   warning CODE [PATH]              a warning that must be recorded
#   period YYYY-YYYY-T               the stored, canonical term of a loaded item
#   school CODE                      the stored school code of a loaded item
#   name verbatim                    the stored school_name equals the input's, byte for byte
# reject/warning/period/school/name lines belong to the outcome or item line before them.
# Lines starting with # are comments. CASES=pattern runs only the cases whose name matches.
source "$ROOT/tests/integration/lib.sh"
set +e

corpus="$ROOT/tests/corpus"
spool="$TEST_TMP/spool"
logs="$TEST_TMP/logs"
conf="$TEST_TMP/corpus.json"
mkdir -p "$spool" "$logs"
setup_fixtures

cases=()
for dir in "$corpus"/[0-9][0-9][0-9]-*/; do
    name=$(basename "$dir")
    [[ -n "${CASES:-}" && "$name" != *"$CASES"* ]] && continue
    [ -f "$dir/expected" ] || fail "$name has no expected file"
    cases+=("$name")
done
[ ${#cases[@]} -gt 0 ] || fail "no corpus cases under $corpus"

# Each case is a source of its own, so that its items are attributed by run_item.source
# and a case that breaks a run cannot hide the results of the others.
{
    printf '{\n  "registry": "%s",\n  "targets_dir": "%s",\n  "out_dir": "%s",\n  "var_dir": "%s",\n  "sources": [' \
        "$TEST_TMP/schools.csv" "$TEST_TMP/targets" "$TEST_TMP/out" "$TEST_TMP/var"
    sep=
    for name in "${cases[@]}"; do
        mkdir -p "$spool/$name"
        find "$corpus/$name" -maxdepth 1 -type f ! -name expected -exec cp {} "$spool/$name/" \;
        printf '%s\n    {"name": "%s", "kind": "spool", "path": "%s"}' "$sep" "$name" "$spool/$name"
        sep=,
    done
    printf '\n  ]\n}\n'
} >"$conf"

"$XINYU" --config "$conf" --db "" -q db migrate >"$logs/migrate" 2>&1 || fail "migrate: $(cat "$logs/migrate")"
"$XINYU" --config "$conf" --db "" -q registry load >"$logs/registry" 2>&1 || fail "registry load: $(cat "$logs/registry")"

# Checks and ingests, four cases at a time: the ingests share the database as the nightly
# job's processes may. A case that hangs fails on its own (exit status 124).
run_case() {
    local name=$1
    timeout 60 "$XINYU" --config "$conf" check --lang en --registry "$TEST_TMP/schools.csv" \
        "$spool/$name"/* >"$logs/$name.check" 2>&1
    echo $? >"$logs/$name.check.rc"
    timeout 60 "$XINYU" --config "$conf" check --registry "$TEST_TMP/schools.csv" "$spool/$name"/* \
        >"$logs/$name.check.zh" 2>&1
    echo $? >"$logs/$name.check.zh.rc"
    timeout 60 "$XINYU" --config "$conf" --db "" -q ingest --source "$name" --jobs 1 \
        >"$logs/$name.ingest" 2>&1
    echo $? >"$logs/$name.ingest.rc"
}
export -f run_case
export XINYU conf spool logs TEST_TMP
printf '%s\n' "${cases[@]}" | xargs -P 4 -I{} bash -c 'run_case "$1"' _ {}
echo "checked and ingested in ${SECONDS}s" >&2

# tsv QUERY: rows with tab-separated columns (the values hold no tabs or newlines)
tsv() {
    psql -X -A -t -q -F $'\t' -v ON_ERROR_STOP=1 -c "$1"
}

# What the database holds for every case, once.
tsv "SELECT ri.source, ri.ref, ri.outcome, ri.run_id, coalesce(s.period, '-'),
            coalesce(s.school_code, '-'), coalesce(s.is_current::text, '-'),
            (SELECT count(*) FROM xinyu.submission_grade g WHERE g.submission_id = s.submission_id),
            coalesce(encode(sha256(convert_to(s.school_name_reported, 'UTF8')), 'hex'), '-'),
            coalesce(encode(r.sha256, 'hex'), '-'), r.body_gz IS NOT NULL OR r.block_id IS NOT NULL
           FROM xinyu.run_item ri
           LEFT JOIN xinyu.raw_submission r ON r.raw_id = ri.raw_id
           LEFT JOIN xinyu.submission s ON s.raw_id = ri.raw_id AND ri.outcome <> 'duplicate'
           ORDER BY ri.item_id" >"$logs/items.tsv" || fail "cannot read the run items"
tsv "SELECT ri.source, ri.ref, i.severity, i.code, i.path
           FROM xinyu.run_item ri JOIN xinyu.submission_issue i ON i.raw_id = ri.raw_id
           WHERE ri.outcome <> 'duplicate' ORDER BY i.raw_id, i.seq" >"$logs/issues.tsv" ||
    fail "cannot read the issues"
tsv "SELECT r.source, count(*) FROM xinyu.submission s JOIN xinyu.raw_submission r USING (raw_id)
           GROUP BY r.source" >"$logs/stored.tsv" || fail "cannot count the submissions"
tsv "SELECT r.source, count(*) FROM xinyu.raw_submission r GROUP BY r.source" \
    >"$logs/raw.tsv" || fail "cannot count the raw submissions"
tsv "SELECT ri.source, count(DISTINCT ri.run_id),
            bool_and(r.received = r.loaded + r.duplicate + r.superseded + r.rejected
                     AND r.received = t.n AND r.loaded = t.loaded AND r.duplicate = t.duplicate
                     AND r.superseded = t.superseded AND r.rejected = t.rejected)
           FROM xinyu.run_item ri
           JOIN xinyu.run r USING (run_id)
           JOIN (SELECT run_id, count(*) AS n,
                        count(*) FILTER (WHERE outcome = 'loaded') AS loaded,
                        count(*) FILTER (WHERE outcome = 'duplicate') AS duplicate,
                        count(*) FILTER (WHERE outcome = 'superseded') AS superseded,
                        count(*) FILTER (WHERE outcome = 'rejected') AS rejected
                 FROM xinyu.run_item GROUP BY run_id) t USING (run_id)
           GROUP BY ri.source" >"$logs/runs.tsv" || fail "cannot read the runs"

# input_name_sha FILE: SHA-256 (hex) of the school_name of a one-document input, gzip or not
input_name_sha() {
    python3 - "$1" <<'PY'
import gzip, hashlib, json, sys
path = sys.argv[1]
data = open(path, 'rb').read()
if path.endswith('.gz'):
    data = gzip.decompress(data)
if data.startswith(b'\xef\xbb\xbf'):
    data = data[3:]
name = json.loads(data.decode('utf-8'))['school_name']
print(hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest())
PY
}

# check_block REF LOG: the lines "xinyu check" printed for the item REF (status line first)
check_block() {
    awk -v ref="$1" '
        /^[^ ]/ { inside = 0 }
        /^[^ ]/ && index($0, ref ": ") == 1 { rest = substr($0, length(ref) + 3)
            if (rest ~ /^(ok|ok, with warnings|rejected)( \(|$)/) inside = 1 }
        inside' "$2"
}

# check_block_zh REF LOG: the same for the Chinese output (通过, 有警告, 退回)
check_block_zh() {
    awk -v ref="$1" '
        /^[^ ]/ { inside = 0 }
        /^[^ ]/ && index($0, ref ": ") == 1 { rest = substr($0, length(ref) + 3)
            if (rest ~ /^(通过|有警告|退回)(（|$)/) inside = 1 }
        inside' "$2"
}

note() { problems+=("$*"); }
recap=() # one line per failed case, repeated at the end where the harness shows the log's tail
passed=0
failed=0
for name in "${cases[@]}"; do
    problems=()
    inputs=()
    for f in "$corpus/$name"/*; do
        [ "$(basename "$f")" = expected ] || inputs+=("$(basename "$f")")
    done

    # read the expectations
    declare -A outcome=() reasons=() periods=() schools=() names=()
    refs=()
    nitems=
    ref=
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        [[ -z "$line" || "$line" == \#* ]] && continue
        read -r word a b c <<<"$line"
        case "$word" in
        outcome)
            [ ${#inputs[@]} -eq 1 ] || note "expected: \"outcome\" needs exactly one input file"
            ref=${inputs[0]:-none}
            nitems=1
            outcome[$ref]=$a
            refs+=("$ref")
            ;;
        items) nitems=$a ;;
        item)
            ref=$a
            outcome[$ref]=$b
            refs+=("$ref")
            ;;
        reject | warning)
            [ -n "$ref" ] || note "expected: \"$line\" before any outcome or item"
            reasons[$ref]+="$word"$'\t'"$a"$'\t'"${b}"$'\n'
            ;;
        period) periods[$ref]=$a ;;
        school) schools[$ref]=$a ;;
        name) names[$ref]=$a ;;
        *) note "expected: cannot read \"$line\"" ;;
        esac
    done <"$corpus/$name/expected"
    [ -n "$nitems" ] || note "expected: no outcome or items line"
    [ "${#refs[@]}" = "${nitems:-0}" ] || note "expected: items $nitems but ${#refs[@]} item lines"

    any_rejected=0
    for r in "${refs[@]}"; do
        [ "${outcome[$r]}" = rejected ] && any_rejected=1
    done

    # (a) xinyu check
    check_log="$logs/$name.check"
    check_rc=$(cat "$logs/$name.check.rc")
    [ "$check_rc" = "$any_rejected" ] || note "check: exit status $check_rc, expected $any_rejected"
    [ "$(cat "$logs/$name.check.zh.rc")" = "$check_rc" ] ||
        note "check --lang zh: exit status $(cat "$logs/$name.check.zh.rc"), in English $check_rc"
    grep -q "^${nitems:-0} submission(s): " "$check_log" || note "check: did not count ${nitems:-0} submission(s)"
    for r in "${refs[@]}"; do
        block=$(check_block "$r" "$check_log")
        status=$(head -1 <<<"$block")
        status=${status#"$r: "}
        if [ -z "$block" ]; then
            note "check: nothing printed for $r"
            continue
        fi
        # without a database check cannot know a duplicate: it judges the copy on its own
        case "${outcome[$r]}" in
        rejected) [[ "$status" == rejected* ]] || note "check: $r is \"$status\", expected rejected" ;;
        duplicate) ;;
        *) [[ "$status" == ok* ]] || note "check: $r is \"$status\", expected ok" ;;
        esac
        zh=$(check_block_zh "$r" "$logs/$name.check.zh")
        [ -n "$zh" ] || note "check --lang zh: nothing printed for $r"
        while IFS=$'\t' read -r sev code path; do
            [ -n "$sev" ] || continue
            word=error
            [ "$sev" = warning ] && word=warning
            if [ -n "$path" ]; then
                grep -qF -- "    $word: $path: " <<<"$block" || note "check: no $word at $path for $r"
                word=错误
                [ "$sev" = warning ] && word=警告
                # grep -c reads to the end: no SIGPIPE for the first grep under pipefail
                [ "$(grep -F -- "    $word：" <<<"$zh" | grep -cF -- "($path)")" -gt 0 ] ||
                    note "check --lang zh: no $word naming ($path) for $r"
            else
                [ "$(sed -n '2,$p' <<<"$block" | grep -c '^    ')" -gt 0 ] || note "check: no reason for $r"
            fi
        done <<<"${reasons[$r]:-}"
    done

    # (b) the ingest and what the database holds
    ingest_rc=$(cat "$logs/$name.ingest.rc")
    [ "$ingest_rc" = "$any_rejected" ] ||
        note "ingest: exit status $ingest_rc, expected $any_rejected: $(tail -3 "$logs/$name.ingest" | tr '\n' ' ')"
    items=$(awk -F'\t' -v s="$name" '$1 == s' "$logs/items.tsv")
    got=$(grep -c . <<<"$items")
    [ "$got" = "${nitems:-0}" ] || note "ingest: $got item(s) received, expected ${nitems:-0}"
    expect_stored=0
    for r in "${refs[@]}"; do
        row=$(awk -F'\t' -v r="$r" '$2 == r' <<<"$items")
        if [ "$(grep -c . <<<"$row")" != 1 ]; then
            note "ingest: $(grep -c . <<<"$row") run items for $r, expected 1"
            continue
        fi
        IFS=$'\t' read -r _ _ out _ period school current grades name_sha raw_sha kept <<<"$row"
        want=${outcome[$r]}
        [ "$out" = "$want" ] || note "ingest: $r is $out, expected $want"
        # a whole .json file is kept as received, whatever became of it
        if [[ "$r" == *.json || "$r" == *.JSON ]]; then
            [ "$raw_sha" = "$(sha256sum <"$spool/$name/$r" | cut -d' ' -f1)" ] ||
                note "ingest: the raw bytes of $r are recorded with another SHA-256"
            [ "$kept" = t ] || note "ingest: the raw bytes of $r are not kept"
        fi
        case "$want" in
        loaded | superseded)
            expect_stored=$((expect_stored + 1))
            if [ "$period" = - ]; then
                note "ingest: $r has no submission"
            else
                [ "$grades" -gt 0 ] || note "ingest: the submission of $r has no grades"
                [ "$want" = loaded ] && [ "$current" != true ] && note "ingest: $r is not current"
                [ "$want" = superseded ] && [ "$current" != false ] && note "ingest: $r is current"
            fi
            [ -z "${periods[$r]:-}" ] || [ "$period" = "${periods[$r]}" ] ||
                note "ingest: $r stored for term $period, expected ${periods[$r]}"
            [ -z "${schools[$r]:-}" ] || [ "$school" = "${schools[$r]}" ] ||
                note "ingest: $r stored for school $school, expected ${schools[$r]}"
            if [ "${names[$r]:-}" = verbatim ]; then
                [ "$name_sha" = "$(input_name_sha "$spool/$name/${r%:*}")" ] ||
                    note "ingest: the stored school_name of $r differs from the input"
            fi
            ;;
        rejected)
            [ "$period" = - ] || note "ingest: rejected $r has a submission (term $period)"
            ;;
        esac
        issues=$(awk -F'\t' -v s="$name" -v r="$r" '$1 == s && $2 == r { print $3 "\t" $4 "\t" $5 }' "$logs/issues.tsv")
        while IFS=$'\t' read -r sev code path; do
            [ -n "$sev" ] || continue
            grep -qxF -- "$sev"$'\t'"$code"$'\t'"$path" <<<"$issues" ||
                note "ingest: no $sev $code${path:+ at $path} for $r"
        done <<<"${reasons[$r]:-}"
        if [ "$want" != rejected ] && [ "$want" != duplicate ] && grep -q '^reject' <<<"$issues"; then
            note "ingest: $r was not rejected but has reasons: $(grep '^reject' <<<"$issues" | tr '\t\n' ' ;')"
        fi
    done
    stored=$(awk -F'\t' -v s="$name" '$1 == s { print $2 }' "$logs/stored.tsv")
    [ "${stored:-0}" = "$expect_stored" ] ||
        note "ingest: ${stored:-0} submission(s) stored from the case, expected $expect_stored"
    if [ "${nitems:-0}" = 0 ]; then
        raw=$(awk -F'\t' -v s="$name" '$1 == s { print $2 }' "$logs/raw.tsv")
        [ -z "$raw" ] || note "ingest: $raw raw submission(s) kept from an input with no items"
    else
        runs=$(awk -F'\t' -v s="$name" '$1 == s { print $2 " " $3 }' "$logs/runs.tsv")
        [ "$runs" = "1 t" ] || note "ingest: the run does not reconcile with its items ($runs)"
    fi

    if [ ${#problems[@]} -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        printf '       %s\n' "${problems[@]}"
        recap+=("FAIL $name: ${problems[0]}")
    fi
    unset outcome reasons periods schools names
done

# The database as a whole: the registry untouched, nothing half-stored, every run balanced.
consistent=()
[ "$(sql "SELECT count(*) FROM xinyu.school")" = 5 ] || consistent+=("the registry no longer holds 5 schools")
[ "$(sql "SELECT count(*) FROM xinyu.district")" = 3 ] || consistent+=("the registry no longer holds 3 districts")
[ "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS
          (SELECT FROM xinyu.submission_grade g WHERE g.submission_id = s.submission_id)")" = 0 ] ||
    consistent+=("a submission without grades")
# the totals the loader computes in C agree with the grades it stores
[ "$(sql "SELECT count(*) FROM xinyu.submission s
          CROSS JOIN LATERAL (
              SELECT coalesce(sum(e), 0) AS enrolled,
                     coalesce(sum(e) FILTER (WHERE n >= 4), 0) AS enrolled4,
                     coalesce(sum(c), 0) AS classes, sum(l) AS lessons
              FROM unnest(s.grade_enrolled, s.grade_classes, s.grade_lessons)
                   WITH ORDINALITY AS g(e, c, l, n)) d
          WHERE (s.enrolled_total, s.enrolled_grade4_up, s.classes_total, s.lessons_total)
                IS DISTINCT FROM (d.enrolled, d.enrolled4, d.classes, d.lessons)")" = 0 ] ||
    consistent+=("a submission whose totals disagree with its grades")
[ "$(sql "SELECT count(*) FROM xinyu.submission s WHERE NOT EXISTS
          (SELECT FROM xinyu.run_item ri WHERE ri.raw_id = s.raw_id)")" = 0 ] ||
    consistent+=("a submission without a run item")
[ "$(sql "SELECT count(*) FROM xinyu.raw_submission r WHERE NOT EXISTS
          (SELECT FROM xinyu.run_item ri WHERE ri.raw_id = r.raw_id)")" = 0 ] ||
    consistent+=("a raw submission without a run item")
[ "$(sql "SELECT count(*) FROM xinyu.run WHERE status NOT IN ('ok', 'partial')")" = 0 ] ||
    consistent+=("runs that failed: $(sql "SELECT string_agg(run_id || ' ' || status || ' ' || coalesce(message, ''), '; ') FROM xinyu.run WHERE status NOT IN ('ok', 'partial')")")
[ "$(sql "SELECT count(*) FROM xinyu.ingest_file WHERE done_run IS NULL")" = 0 ] ||
    consistent+=("spool files never finished: $(sql "SELECT string_agg(source || '/' || path, ', ') FROM xinyu.ingest_file WHERE done_run IS NULL")")
[ "$(sql "SELECT count(*) FROM xinyu.submission_issue i WHERE i.severity = 'reject' AND EXISTS
          (SELECT FROM xinyu.submission s WHERE s.raw_id = i.raw_id)")" = 0 ] ||
    consistent+=("a stored submission with a rejection reason")
# reasons are shown to operators and in reports: printable and of a readable length, as the
# validator makes its own (the registry checks in SQL must give the same messages)
bad=$(sql "SELECT string_agg(DISTINCT r.source || ' ' || i.code, ', ') FROM xinyu.submission_issue i
           JOIN xinyu.raw_submission r USING (raw_id)
           WHERE i.message ~ '[\x01-\x1f\x7f-\x9f]' OR i.path ~ '[\x01-\x1f\x7f-\x9f]'
              OR i.message_zh ~ '[\x01-\x1f\x7f-\x9f]'
              OR length(i.message) > 1000 OR length(i.message_zh) > 1000")
[ -z "$bad" ] || consistent+=("reasons with control characters or longer than 1000 characters: $bad")
# every reason has its Chinese text, which names the field's path in parentheses
bad=$(sql "SELECT string_agg(DISTINCT r.source || ' ' || i.code, ', ') FROM xinyu.submission_issue i
           JOIN xinyu.raw_submission r USING (raw_id)
           WHERE i.message_zh IS NULL OR i.message_zh = ''
              OR (i.path <> '' AND strpos(i.message_zh, '(' || i.path || ')') = 0)")
[ -z "$bad" ] || consistent+=("reasons without a Chinese text naming their path: $bad")

# Every kept raw submission comes back as it was received: xinyu raw's bytes have the length
# and the SHA-256 recorded at receipt, whether kept in a batch's block or in a member of its own.
kept=0
while IFS=$'\t' read -r raw_id size sha; do
    "$XINYU" --config "$conf" --db "" -q raw "$raw_id" >"$TEST_TMP/raw.bytes" 2>"$TEST_TMP/raw.err" ||
        consistent+=("xinyu raw $raw_id failed: $(cat "$TEST_TMP/raw.err")")
    got=$(sha256sum <"$TEST_TMP/raw.bytes" | cut -d' ' -f1)
    len=$(wc -c <"$TEST_TMP/raw.bytes")
    [ "$got" = "$sha" ] && [ "$len" = "$size" ] ||
        consistent+=("xinyu raw $raw_id: $len bytes with SHA-256 $got, not the $size bytes received")
    kept=$((kept + 1))
done < <(tsv "SELECT raw_id, byte_size, encode(sha256, 'hex') FROM xinyu.raw_submission
              WHERE block_id IS NOT NULL OR body_gz IS NOT NULL ORDER BY raw_id")
[ "$kept" -gt 0 ] || consistent+=("no raw submission kept its bytes")
# an empty file is kept as zero bytes in a block of its own batch
empty=$(sql "SELECT min(raw_id) FROM xinyu.raw_submission WHERE byte_size = 0 AND block_id IS NOT NULL")
[ -n "$empty" ] && [ "$(sql "SELECT count(*) FROM xinyu.raw_block b JOIN xinyu.raw_submission r
                                USING (block_id) WHERE r.raw_id = $empty")" = 1 ] ||
    consistent+=("an empty submission's block: raw id '$empty', no block row")
[ "$(sql "SELECT count(*) FROM xinyu.raw_submission WHERE block_id IS NOT NULL")" -gt 0 ] ||
    consistent+=("no submission of the corpus was kept in a block")
# a raw id that names nothing, and a file that cannot be written, are said
out=$("$XINYU" --config "$conf" --db "" raw 999999999 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] && grep -q "there is no raw submission 999999999" <<<"$out" ||
    consistent+=("xinyu raw of no raw submission: exit $rc, $out")
first=$(sql "SELECT min(raw_id) FROM xinyu.raw_submission WHERE block_id IS NOT NULL")
out=$("$XINYU" --config "$conf" --db "" raw --out "$TEST_TMP/no/such/dir/x.json" "$first" 2>&1)
rc=$?
[ "$rc" = 3 ] && grep -q "cannot write $TEST_TMP/no/such/dir/x.json" <<<"$out" ||
    consistent+=("xinyu raw into a missing directory: exit $rc, $out")
# bytes not kept (unreadable, or over the limit) and damaged bytes are said, not written
lost=$(sql "SELECT min(raw_id) FROM xinyu.raw_submission WHERE block_id IS NULL AND body_gz IS NULL")
if [ -n "$lost" ]; then
    out=$("$XINYU" --config "$conf" --db "" raw "$lost" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" = 2 ] && grep -q "were not kept" <<<"$out" ||
        consistent+=("xinyu raw of bytes not kept: exit $rc, $out")
fi
one=$(sql "SELECT min(raw_id) FROM xinyu.raw_submission WHERE block_id IS NOT NULL AND byte_size > 0")
block=$(sql "SELECT block_id FROM xinyu.raw_submission WHERE raw_id = $one")
sql "CREATE TABLE public.block_saved AS SELECT * FROM xinyu.raw_block WHERE block_id = $block;
     UPDATE xinyu.raw_block SET body_gz = overlay(body_gz PLACING '\\xdeadbeefdeadbeef'::bytea FROM 20)
     WHERE block_id = $block" >/dev/null
out=$("$XINYU" --config "$conf" --db "" raw "$one" 2>&1 >/dev/null)
rc=$?
[ "$rc" = 3 ] && grep -q "are damaged" <<<"$out" || consistent+=("xinyu raw of a damaged block: exit $rc, $out")
sql "UPDATE xinyu.raw_block b SET body_gz = s.body_gz FROM public.block_saved s
     WHERE b.block_id = s.block_id; DROP TABLE public.block_saved" >/dev/null
[ "$("$XINYU" --config "$conf" --db "" -q raw "$one" | sha256sum | cut -d' ' -f1)" = \
    "$(sql "SELECT encode(sha256, 'hex') FROM xinyu.raw_submission WHERE raw_id = $one")" ] ||
    consistent+=("xinyu raw $one after the block was restored")

# The nightly job over the same spools afterwards: nothing new, the reports still written.
if [ ${#cases[@]} -gt 0 ] && [ -z "${CASES:-}" ]; then
    "$XINYU" --config "$conf" --db "" -q run >"$logs/run" 2>&1
    rc=$?
    [ "$rc" = 0 ] || consistent+=("xinyu run afterwards exits $rc: $(tail -3 "$logs/run" | tr '\n' ' ')")
    last=$(sql "SELECT max(run_id) FROM xinyu.run WHERE kind = 'run'")
    [ "$(counts "$last")" = "0 0 0 0 0" ] || consistent+=("xinyu run afterwards received $(counts "$last")")
    [ -s "$TEST_TMP/out/indicators-2024.json" ] || consistent+=("xinyu run wrote no report")
fi

echo
for c in "${recap[@]}"; do
    echo "$c"
done
for c in "${consistent[@]}"; do
    echo "FAIL database: $c"
done
echo "${#cases[@]} cases, $passed passed, $failed failed"
[ "$failed" = 0 ] && [ ${#consistent[@]} = 0 ]
