#!/bin/sh
# One CLI (spec/CLI.md): every program's (train, certify, certify --check,
# nrc-check, sweep, import, export) --help and --version, and the exit status table, the
# same text in every --help, in README.md and in spec/CLI.md. Run from the repository root with $BIN set.
BIN=${BIN:-bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# The table as README.md and spec/CLI.md hold it: the indented block that
# starts with "Exit status (the same", indentation removed.
block() { # FILE
    awk '/^    Exit status \(the same/ {on = 1} on && !/^    / {exit} on {print substr($0, 5)}' "$1"
}
block README.md > "$tmp/readme"
block spec/CLI.md > "$tmp/spec"
[ "$(wc -l < "$tmp/readme")" -ge 10 ] && pass readme_has_table || fail readme_has_table "no table in README.md"
cmp -s "$tmp/readme" "$tmp/spec" && pass spec_same_table || fail spec_same_table "$(diff "$tmp/readme" "$tmp/spec" | head -5)"

prog_case() { # NAME VERSION-PROG COMMAND...
    name=$1; vprog=$2; shift 2
    "$@" --help > "$tmp/out" 2> "$tmp/err"; rc=$?
    sed -n '/^Exit status (the same/,$p' "$tmp/out" > "$tmp/table"
    if [ $rc -ne 0 ] || [ -s "$tmp/err" ] || ! grep -q '^usage: ' "$tmp/out"; then
        fail "${name}_help" "rc=$rc, stderr: $(head -c 200 "$tmp/err")"
    elif ! cmp -s "$tmp/table" "$tmp/readme"; then
        fail "${name}_help_table" "differs from README.md: $(diff "$tmp/table" "$tmp/readme" | head -4)"
    else
        pass "${name}_help"
    fi
    "$@" --version > "$tmp/out" 2> "$tmp/err"; rc=$?
    if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -l < "$tmp/out")" -eq 1 ] &&
       grep -q "^$vprog (nrc) [0-9][0-9.]*\( (commit [0-9a-f]*\(-dirty\)\{0,1\})\)\{0,1\}$" "$tmp/out"; then
        pass "${name}_version"
    else
        fail "${name}_version" "rc=$rc: $(cat "$tmp/out" "$tmp/err")"
    fi
}
prog_case train train "$BIN/train"
prog_case certify certify "$BIN/certify"
prog_case certify_check certify "$BIN/certify" --check
prog_case nrc_check nrc-check "$BIN/nrc-check"
prog_case sweep sweep "$BIN/sweep"
prog_case import import "$BIN/import"
prog_case export export "$BIN/export"
# the same version and commit everywhere
for p in train certify nrc-check sweep import export; do "$BIN/$p" --version | sed 's/^[a-z-]* //'; done | sort -u > "$tmp/v"
[ "$(wc -l < "$tmp/v")" -eq 1 ] && pass same_version || fail same_version "$(cat "$tmp/v")"

# README's headings: "The two commands" lists two
n=$(awk '/^## The two commands/ {on = 1; next} /^## / {on = 0} on && /^    make [a-z]/ {c++} /^Both work/ {on = 0} END {print c + 0}' README.md)
[ "$n" -eq 2 ] && pass readme_two_commands || fail readme_two_commands "$n commands under the heading"
[ "$fails" -eq 0 ]
