#!/usr/bin/env bash
# make-binary-cases.sh - writes the corpus inputs that are not UTF-8 text (bad bytes, gzip).
#
# Run once from anywhere; its outputs are committed next to each case's expected file, so the
# tests never depend on this script or on the gzip version that ran it. Every input is made
# from the spec's full example with one change; a case that loads gets a term of its own so
# that no case supersedes another.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base="$here/../fixtures/spec-examples/submission-full.json"
[ -f "$base" ] || { echo "make-binary-cases: cannot find $base" >&2; exit 1; }

# out NAME FILE: the path of FILE in the case directory whose name ends in -NAME
out() {
    local dirs=("$here"/[0-9][0-9][0-9]-"$1")
    [ -d "${dirs[0]}" ] || { echo "make-binary-cases: no case directory for $1" >&2; exit 1; }
    echo "${dirs[0]}/$2"
}

# with_period P: the example with its term replaced by P
with_period() {
    sed "s/\"period\": \"2024-2025-1\"/\"period\": \"$1\"/" "$base"
}

# one_line P: the example for term P on a single line (a JSON Lines record)
one_line() {
    with_period "$1" | tr -d '\n'
}

name_sub() { # the example with school_name's value replaced by the raw bytes of $1 (printf form)
    local raw
    raw=$(printf '%b' "$1")
    sed "s/\"school_name\": \"玄武区示范小学\"/\"school_name\": \"$raw\"/" "$base"
}

# ---- bytes that are not allowed in a JSON document ----
name_sub '玄武区\xff示范小学' >"$(out invalid-utf8-in-string input.json)"
sed 's/"psych_fulltime": 2,/"psych\xfe_fulltime": 2,/' "$base" >"$(out invalid-utf8-in-key input.json)"
name_sub '\xc0\xaf' >"$(out overlong-utf8 input.json)"
name_sub '\xed\xa0\x80' >"$(out utf8-encoded-surrogate input.json)"
name_sub '玄武区\xe7\xa4' >"$(out truncated-utf8-sequence input.json)"
# sed cannot write a NUL through a replacement portably: splice it with head and tail
{
    off=$(grep -b -o '"school_name": "' "$base" | head -1 | cut -d: -f1)
    head -c $((off + 16)) "$base"
    printf '\0'
    tail -c +$((off + 17)) "$base"
} >"$(out raw-nul-byte input.json)"
name_sub '玄武区\x01示范小学' >"$(out raw-control-char input.json)"
with_period 2099-2100-1 | sed 's/"school_name": "玄武区示范小学"/"school_name": "玄武区\x7f示范小学"/' \
    >"$(out raw-del-char input.json)"
# the PNG signature and the start of an IHDR chunk, then the example
{
    printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00'
    cat "$base"
} >"$(out png-as-json input.json)"
iconv -f UTF-8 -t UTF-16 "$base" >"$(out utf16-json input.json)"
sed 's/"papers": 2/"papers": 3/' "$base" | gzip -n -9 >"$(out gzip-named-json input.json)"

# ---- .json.gz ----
sed 's/"papers": 2/"papers": 4/' "$base" >"$(out gz-not-gzip input.json.gz)"
printf '\x1f\x8b' >"$(out gz-magic-only input.json.gz)"
sed 's/"papers": 2/"papers": 5/' "$base" | gzip -n -9 | head -c 10 >"$(out gz-header-only input.json.gz)"
packed=$(mktemp)
trap 'rm -f "$packed"' EXIT
sed 's/"papers": 2/"papers": 6/' "$base" | gzip -n -9 >"$packed"
head -c $(($(stat -c %s "$packed") / 2)) "$packed" >"$(out gz-truncated input.json.gz)"
# the CRC is the trailer's first four bytes: flip one bit of it
sed 's/"papers": 2/"papers": 7/' "$base" | gzip -n -9 >"$packed"
size=$(stat -c %s "$packed")
{
    head -c $((size - 8)) "$packed"
    crc0=$(tail -c 8 "$packed" | head -c 1 | od -An -tu1 | tr -d ' ')
    printf '%b' "\\x$(printf '%02x' $((crc0 ^ 1)))"
    tail -c 7 "$packed"
} >"$(out gz-bad-crc input.json.gz)"
{
    sed 's/"papers": 2/"papers": 8/' "$base" | gzip -n -9
    printf 'this is not gzip\n'
} >"$(out gz-trailing-garbage input.json.gz)"
with_period 2099-2100-2 >"$packed"
half=$(($(stat -c %s "$packed") / 2))
{
    head -c "$half" "$packed" | gzip -n -9
    tail -c +$((half + 1)) "$packed" | gzip -n -9
} >"$(out gz-concatenated-members input.json.gz)"
printf ' \n\t\n' | gzip -n -9 >"$(out gz-blank-content input.json.gz)"
# 64 MiB of spaces inside a string value: about 64 KiB compressed
{
    printf '{"schema": "mhe.submission/1", "pad": "'
    head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' ' '
    printf '"}\n'
} | gzip -n -9 >"$(out gz-bomb input.json.gz)"

# ---- .jsonl.gz ----
{
    one_line 2098-2099-1
    printf '\n{"schema": "mhe.submission/1", "pad": "'
    head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
    printf '"}\n'
    one_line 2098-2099-2
    printf '\n'
} | gzip -n -9 >"$(out jsonl-gz-over-cap-line input.jsonl.gz)"
{
    one_line 2097-2098-1
    printf '\n'
    one_line 2097-2098-2
    printf '\n'
    # a third line that hardly compresses, so that a cut near the end falls inside it
    printf '{"schema": "mhe.submission/1", "pad": "'
    for i in $(seq 1 100); do printf '%s' "$i" | sha256sum | cut -c1-64; done | tr -d '\n'
    printf '"}\n'
} | gzip -n -9 >"$packed"
head -c $(($(stat -c %s "$packed") - 1000)) "$packed" >"$(out jsonl-gz-truncated input.jsonl.gz)"
second=$(one_line 2096-2097-2)
{
    { one_line 2096-2097-1; printf '\n'; } | gzip -n -9
    printf '%s' "${second:0:100}" | gzip -n -9
    printf '%s\n' "${second:100}" | gzip -n -9
} >"$(out jsonl-gz-multi-member input.jsonl.gz)"
head -c $((64 * 1024 * 1024)) /dev/zero | gzip -n -9 >"$(out jsonl-gz-bomb input.jsonl.gz)"
sed 's/"papers": 2/"papers": 10/' "$base" | tr -d '\n' >"$(out jsonl-gz-not-gzip input.jsonl.gz)"
echo "make-binary-cases: done"
