#!/usr/bin/env bash
# extract.sh - "xinyu extract" on real files: the seed summaries, a LibreOffice .docx and a
# GB18030 .txt against their UTF-8 text, and bad files refused with a reason in bounded memory.
. "$(dirname "$0")/lib.sh"
fx=$ROOT/tests/fixtures/extract
t=$TEST_TMP

# jq-free JSON reading: python3 is a test dependency
field() { # FILE.json EXPR  (EXPR over the object d)
    python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$1" "$2"
}
# the figures of an extraction without positions: draft, other, approximate (field, text)
figures() {
    python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
print(json.dumps([d["draft"], d["other"], sorted((a["field"], a["text"]) for a in d["approximate"])],
                 ensure_ascii=False, sort_keys=True))' "$1"
}

# seed 000: two full-time and 35 part-time teachers, one lesson a week; 80 % is approximate
"$XINYU" extract "$ROOT/tests/extract/000-seed-primary-report.txt" >"$t/000.json"
expect_eq "seed 000 full-time" 2 "$(field "$t/000.json" 'd["draft"]["staff"]["psych_fulltime"]')"
expect_eq "seed 000 part-time" 35 "$(field "$t/000.json" 'd["draft"]["staff"]["psych_parttime"]')"
expect_eq "seed 000 lessons" 1.0 "$(field "$t/000.json" 'd["other"]["curriculum.lessons_per_class_week"]')"
expect_eq "seed 000 approximate" "home_school.home_visit_rate 80%左右" \
    "$(field "$t/000.json" '" ".join(a["field"] + " " + a["text"] for a in d["approximate"])')"
expect_eq "seed 000 evidence sentence" True \
    "$(field "$t/000.json" 'any(e["text"] == "2名" and "专职心理教师2名" in e["sentence"] and e["line"] == 26 for e in d["evidence"])')"
# the text form speaks Chinese
"$XINYU" extract --format text "$ROOT/tests/extract/003-seed-template.txt" >"$t/003.txt"
grep -q '个体咨询人次 (counseling.individual_sessions) = 65' "$t/003.txt" || fail "text form: $(cat "$t/003.txt")"
grep -q '“300余人次” — 约数' "$t/003.txt" || fail "text form lacks the approximate 300余人次"

# a .docx written by LibreOffice gives the figures of the same text as .txt
"$XINYU" extract "$fx/summary-lo.txt" >"$t/lo-txt.json"
"$XINYU" extract "$fx/summary-lo.docx" >"$t/lo-docx.json"
expect_eq "docx format" docx "$(field "$t/lo-docx.json" 'd["format"]')"
expect_eq "committed docx = txt" "$(figures "$t/lo-txt.json")" "$(figures "$t/lo-docx.json")"
expect_eq "docx table row" 880 "$(field "$t/lo-docx.json" 'd["draft"]["home_school"]["parent_attendees"]')"
if command -v soffice >/dev/null; then
    mkdir -p "$t/regen"
    "$fx/regen.sh" "$t/regen" || fail "soffice could not convert the fixture"
    "$XINYU" extract "$t/regen/summary-lo.docx" >"$t/regen.json"
    expect_eq "freshly converted docx = txt" "$(figures "$t/lo-txt.json")" "$(figures "$t/regen.json")"
    # the UTF-8 text itself through LibreOffice's text import
    cp "$ROOT/tests/extract/010-arabic-plain.txt" "$t/regen/plain.txt"
    (cd "$t/regen" && soffice -env:UserInstallation=file://"$t/regen/profile" --headless \
        --infilter='Text (encoded):UTF8,LF,,,' --convert-to docx plain.txt >/dev/null 2>&1)
    "$XINYU" extract "$t/regen/plain.txt" >"$t/plain-txt.json"
    "$XINYU" extract "$t/regen/plain.docx" >"$t/plain-docx.json"
    expect_eq "text imported by LibreOffice" "$(figures "$t/plain-txt.json")" "$(figures "$t/plain-docx.json")"
else
    echo "soffice not installed: the committed .docx only"
fi

# GB18030 gives the same as UTF-8
iconv -f UTF-8 -t GB18030 "$ROOT/tests/extract/011-chinese-numerals.txt" >"$t/gb.txt"
"$XINYU" extract "$ROOT/tests/extract/011-chinese-numerals.txt" >"$t/utf8.json"
"$XINYU" extract "$t/gb.txt" >"$t/gb.json"
expect_eq "GB18030 detected" GB18030 "$(field "$t/gb.json" 'd["encoding"]')"
expect_eq "GB18030 = UTF-8" "$(figures "$t/utf8.json")" "$(figures "$t/gb.json")"

# bad files: refused with a reason, exit status 1, memory bounded
refused() { # NAME FILE WORDS MAXKB
    local rc=0
    /usr/bin/time -f '%M' -o "$t/$1.rss" "$XINYU" extract "$2" >"$t/$1.json" 2>"$t/$1.err" || rc=$?
    expect_eq "$1 exit status" 1 "$rc"
    local why
    why=$(field "$t/$1.json" 'd["error"]')
    [[ "$why" == *"$3"* ]] || fail "$1: reason \"$why\" lacks \"$3\""
    [ "$(field "$t/$1.json" 'd["error_zh"] != "无法读取该总结"')" = True ] || fail "$1: no reason in Chinese"
    local kb
    kb=$(tail -1 "$t/$1.rss")
    [ "$kb" -le "$4" ] || fail "$1: $kb KB of memory, more than $4"
    echo "ok: $1 refused (\"$why\"), $kb KB"
}
head -c 3000 "$fx/summary-lo.docx" >"$t/corrupt.docx"
refused corrupt-docx "$t/corrupt.docx" "not a readable .docx" 60000
python3 - "$t/bomb.docx" <<'PY'
import sys, zipfile
# 300 MB of text in one paragraph, some 300 KB compressed
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    with z.open("word/document.xml", "w") as f:
        f.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
        chunk = "专职心理教师2名".encode() * 40000
        for _ in range(300 * 1024 * 1024 // len(chunk)):
            f.write(chunk)
        f.write(b"</w:t></w:r></w:p></w:body></w:document>")
PY
refused zip-bomb "$t/bomb.docx" "larger than" 60000
python3 - "$t/laughs.docx" <<'PY'
import sys, zipfile
lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>'
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("word/document.xml", lol)
PY
refused entities "$t/laughs.docx" "DOCTYPE" 60000
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest of an old word file' >"$t/old.docx"
refused legacy-doc "$t/old.docx" "legacy .doc" 60000
truncate -s 50M "$t/big.txt"
refused 50mb-text "$t/big.txt" "above the limit" 60000
head -c 200000 /dev/urandom >"$t/junk.txt"
refused binary-junk "$t/junk.txt" "not a text summary" 60000
printf 'just text' >"$t/notes.pdf"
refused other-kind "$t/notes.pdf" ".docx or .txt" 60000

# several files: one JSON line each, exit status 1 when one was refused
rc=0
"$XINYU" extract "$fx/summary-lo.txt" "$t/junk.txt" >"$t/two.json" || rc=$?
expect_eq "two files exit status" 1 "$rc"
expect_eq "two files lines" 2 "$(wc -l <"$t/two.json")"
echo "extract: ok"
