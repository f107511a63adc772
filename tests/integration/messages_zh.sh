# Reasons in the school's language: "xinyu check" speaks Chinese by default (--lang zh, the
# configuration's report.lang) and names each field by its label with the path in parentheses,
# English with --lang en; an ingest stores both texts, and the registry checks made in SQL give
# the very words "xinyu check --registry" prints, in both languages.
source "$ROOT/tests/integration/lib.sh"
setup_fixtures
ex="$ROOT/tests/fixtures/spec-examples"
spool="$TEST_TMP/spool"
mkdir -p "$spool"
cp "$ex/submission-rejected.json" "$spool/"
cp "$ROOT/tests/fixtures/xform/validate/04-warnings-only/input.json" "$spool/warnings.json"
sed 's/"3201020001"/"3201029999"/' "$ex/submission-full.json" >"$spool/unknown-school.json"
printf '\037\213\010\000\000\000\000\000\000\003broken' >"$spool/broken.json.gz"
write_config "$TEST_TMP/conf.json" "$spool"
x() { "$XINYU" --config "$TEST_TMP/conf.json" "$@"; }

cert_a_zh='专兼职心理教师中持A证人数(staff.psych_cert_a)为 4，超过专职与兼职心理教师人数之和 3'
cert_a_en='staff.psych_cert_a: 4 exceeds psych_fulltime + psych_parttime (3)'

# check, default language (zh): the status word and the reason with its label
set +e
x check --registry "$TEST_TMP/schools.csv" "$ex/submission-rejected.json" >"$TEST_TMP/zh.out" 2>&1
rc=$?
set -e
expect_eq "check exit status" 1 "$rc"
grep -qxF "submission-rejected.json: 退回" "$TEST_TMP/zh.out" || fail "no 退回: $(cat "$TEST_TMP/zh.out")"
grep -qxF "    错误：$cert_a_zh" "$TEST_TMP/zh.out" || fail "no Chinese reason: $(cat "$TEST_TMP/zh.out")"
grep -qF "班主任及德育管理者人数(staff.head_teachers)应为非负整数，实际为文本“18”" "$TEST_TMP/zh.out" ||
    fail "no Chinese type reason: $(cat "$TEST_TMP/zh.out")"
grep -qxF "共 1 份：通过 0 份，仅有警告 0 份，退回 1 份" "$TEST_TMP/zh.out" || fail "no Chinese summary"
# no English word and no path outside parentheses
if sed -e 's/^submission-rejected\.json: //' -e 's/([^)]*)//g' "$TEST_TMP/zh.out" |
    grep -E '[a-z]+_[a-z_]+|[a-z]+\.[a-z]+|rejected|error|expected'; then
    fail "English left in the Chinese output"
fi

# --lang en: as before, word for word
set +e
x check --lang en --registry "$TEST_TMP/schools.csv" "$ex/submission-rejected.json" >"$TEST_TMP/en.out" 2>&1
set -e
grep -qxF "submission-rejected.json: rejected" "$TEST_TMP/en.out" || fail "no English status"
grep -qxF "    error: $cert_a_en" "$TEST_TMP/en.out" || fail "no English reason: $(cat "$TEST_TMP/en.out")"
grep -qxF "1 submission(s): 0 ok, 0 with warnings only, 1 rejected" "$TEST_TMP/en.out" || fail "no English summary"

# report.lang en in the configuration, and --lang over it
write_config "$TEST_TMP/conf-en.json" "$spool" '"report": {"lang": "en"}'
set +e
"$XINYU" --config "$TEST_TMP/conf-en.json" check "$ex/submission-rejected.json" >"$TEST_TMP/conf-en.out" 2>&1
"$XINYU" --config "$TEST_TMP/conf-en.json" check --lang zh "$ex/submission-rejected.json" >"$TEST_TMP/conf-zh.out" 2>&1
"$XINYU" check --lang fr "$ex/submission-rejected.json" >/dev/null 2>"$TEST_TMP/fr.err"
rc=$?
set -e
grep -qxF "    error: $cert_a_en" "$TEST_TMP/conf-en.out" || fail "report.lang en is not followed"
grep -qxF "    错误：$cert_a_zh" "$TEST_TMP/conf-zh.out" || fail "--lang zh does not win over report.lang"
expect_eq "--lang fr" 2 "$rc"
grep -q -- "--lang must be zh or en" "$TEST_TMP/fr.err" || fail "no word on --lang fr"

# the ingest stores both texts
x --db "" -q registry load >"$TEST_TMP/registry.log" 2>&1 || fail "registry load: $(cat "$TEST_TMP/registry.log")"
set +e
x --db "" -q ingest >"$TEST_TMP/ingest.log" 2>&1
rc=$?
set -e
expect_eq "ingest exit status" 1 "$rc"
expect_eq "stored Chinese reason" "$cert_a_zh" \
    "$(sql "SELECT message_zh FROM xinyu.submission_issue WHERE path = 'staff.psych_cert_a'")"
expect_eq "stored English reason" "4 exceeds psych_fulltime + psych_parttime (3)" \
    "$(sql "SELECT message FROM xinyu.submission_issue WHERE path = 'staff.psych_cert_a'")"
expect_eq "reasons without a Chinese text" 0 \
    "$(sql "SELECT count(*) FROM xinyu.submission_issue WHERE message_zh IS NULL OR message_zh = ''")"
expect_eq "the corrupt gzip's reason" "gzip" \
    "$(sql "SELECT i.code FROM xinyu.submission_issue i JOIN xinyu.raw_submission r USING (raw_id)
            WHERE r.ref = 'broken.json.gz' AND i.message_zh LIKE 'gzip 压缩文件已损坏%'")"

# every stored reason of a school's file reads as "xinyu check --registry" prints it: the four
# registry checks are made in SQL, the rest in C, with the same catalogue
for f in warnings.json unknown-school.json submission-rejected.json; do
    set +e
    x check --lang en --registry "$TEST_TMP/schools.csv" "$spool/$f" >"$TEST_TMP/$f.en" 2>&1
    x check --lang zh --registry "$TEST_TMP/schools.csv" "$spool/$f" >"$TEST_TMP/$f.zh" 2>&1
    set -e
    n=0
    while IFS=$'\t' read -r severity path message message_zh; do
        n=$((n + 1))
        word=error word_zh=错误
        [ "$severity" = warning ] && word=warning word_zh=警告
        grep -qxF "    $word: $path${path:+: }$message" "$TEST_TMP/$f.en" ||
            fail "$f: stored \"$message\" at $path, check says: $(cat "$TEST_TMP/$f.en")"
        grep -qxF "    $word_zh：$message_zh" "$TEST_TMP/$f.zh" ||
            fail "$f: stored \"$message_zh\", check says: $(cat "$TEST_TMP/$f.zh")"
    done < <(psql -X -A -t -q -F $'\t' -v ON_ERROR_STOP=1 -c "
        SELECT i.severity, i.path, i.message, i.message_zh FROM xinyu.submission_issue i
        JOIN xinyu.raw_submission r USING (raw_id) WHERE r.ref = '$f' ORDER BY i.seq")
    [ "$n" -gt 0 ] || fail "$f: no reasons stored"
    expect_eq "$f: reasons printed and stored" "$n" "$(grep -c '^    ' "$TEST_TMP/$f.zh")"
done
expect_eq "registry checks made in SQL" 4 \
    "$(sql "SELECT count(DISTINCT code) FROM xinyu.submission_issue
            WHERE code IN ('unknown_school', 'inactive_school', 'district_mismatch', 'name_mismatch')")"
sql "SELECT message_zh FROM xinyu.submission_issue WHERE code = 'unknown_school'" |
    grep -qxF "学校代码(school_code)为 3201029999，不在市学校名册中" || fail "unknown school in Chinese"
echo "messages in zh and en: ok"
