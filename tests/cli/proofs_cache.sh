#!/bin/sh
# proofs/cache.sh, the packed WP cache (proofs/README.md "The cache"):
# unpack and pack are inverse, the first source wins on a shared hash, lines
# that are not entries are refused (no file is written from them), the
# committed packs are well-formed and sorted, and the old one-JSON-per-file
# layout imports. No Frama-C needed. Run from the repository root.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
C="sh proofs/cache.sh"
h1=0123456789abcdef0123456789abcdef
h2=fedcba9876543210fedcba9876543210
h3=00000000000000000000000000000001

# A pack with an entry that WP wrote on two lines in its JSON file.
printf '%s { "prover": "Z3:4.8.12", "verdict": "valid", "time": 0.05 }\n' $h3 > "$tmp/p"
printf '%s { "prover": "CVC5:1.0.3", "verdict": "timeout", "time": 1. }\n' $h1 >> "$tmp/p"
printf '%s { "prover": "Z3:4.8.12", "verdict": "valid", "time": 4.73, "steps": 12797989 }\n' $h2 >> "$tmp/p"
LC_ALL=C sort "$tmp/p" > "$tmp/pack"

$C unpack "$tmp/pack" "$tmp/d" && [ "$(ls "$tmp/d" | wc -l)" -eq 3 ] &&
    [ "$(cat "$tmp/d/$h1.json")" = '{ "prover": "CVC5:1.0.3", "verdict": "timeout", "time": 1. }' ] &&
    pass unpack || fail unpack
$C pack "$tmp/pack2" "$tmp/d" && cmp -s "$tmp/pack" "$tmp/pack2" && pass round_trip || fail round_trip
printf '{ "prover": "Z3:4.8.12", "verdict": "valid", "time": 4.73,\n  "steps": 12797989 }\n' > "$tmp/d/$h2.json"
$C pack "$tmp/pack3" "$tmp/d" && cmp -s "$tmp/pack" "$tmp/pack3" && pass two_line_json || fail two_line_json

# Precedence: the first source wins; a directory and a pack mix.
mkdir "$tmp/new"
printf '{ "prover": "CVC5:1.0.3", "verdict": "valid", "time": 3.2 }\n' > "$tmp/new/$h1.json"
$C pack "$tmp/merged" "$tmp/new" "$tmp/pack" &&
    [ "$($C count "$tmp/merged")" -eq 3 ] && grep -q "^$h1 .*\"valid\"" "$tmp/merged" &&
    pass first_source_wins || fail first_source_wins
$C pack "$tmp/merged2" "$tmp/pack" "$tmp/new" && grep -q "^$h1 .*\"timeout\"" "$tmp/merged2" &&
    pass first_source_wins_reversed || fail first_source_wins_reversed
# A pruned pack from nothing is empty; a missing pack unpacks to nothing.
$C pack "$tmp/empty" /dev/null && [ "$($C count "$tmp/empty")" -eq 0 ] && pass empty || fail empty
$C unpack "$tmp/nonexistent" "$tmp/e" && [ -d "$tmp/e" ] && [ -z "$(ls "$tmp/e")" ] &&
    pass missing_pack || fail missing_pack
# Files that are not entries are not packed.
printf 'x\n' > "$tmp/new/notes.txt"; printf '{}\n' > "$tmp/new/short.json"
$C pack "$tmp/m3" "$tmp/new" && [ "$($C count "$tmp/m3")" -eq 1 ] && pass skips_non_entries || fail skips_non_entries

# Bad lines are refused, and nothing is written from them.
i=0
for bad in "../../etc/passwdxxxxxxxxxxxxxxxxx { }" "<<<<<<< HEAD" "$h1" "0123456789ABCDEF0123456789ABCDEF { }"; do
    i=$((i + 1))
    printf '%s\n' "$bad" > "$tmp/bad"
    rm -rf "$tmp/b"
    if $C unpack "$tmp/bad" "$tmp/b" 2> "$tmp/err"; then
        fail "refuse_bad_line: accepted '$bad'"
    elif [ -n "$(ls "$tmp/b" 2>/dev/null)" ] || ! grep -q 'not an entry' "$tmp/err"; then
        fail "refuse_bad_line: '$bad' wrote files or gave no message"
    else
        pass "refuse_bad_line_$i"
    fi
done

# Import of the old layout (proofs/session/NAME/cache/*.json) into packs.
mkdir -p "$tmp/repo/proofs/session/x_c/cache" "$tmp/repo/proofs/cache"
cp proofs/cache.sh "$tmp/repo/proofs/"
cp "$tmp/d/"*.json "$tmp/repo/proofs/session/x_c/cache/"
(cd "$tmp/repo" && sh proofs/cache.sh import > /dev/null) &&
    cmp -s "$tmp/pack" "$tmp/repo/proofs/cache/x_c.wpcache" && pass import || fail import

# The committed packs: every line an entry, sorted, no hash twice.
ok=1
for p in proofs/cache/*.wpcache; do
    [ -f "$p" ] || continue
    if ! sh proofs/cache.sh check "$p" 2> "$tmp/err"; then
        ok=0; fail "committed_pack: $p:"; sed 's/^/    /' "$tmp/err"
    fi
done
[ "$ok" = 1 ] && pass committed_packs
# check refuses an unsorted pack and a hash twice
printf '%s\n' "$(sed -n 2p "$tmp/pack")" "$(sed -n 1p "$tmp/pack")" > "$tmp/unsorted"
sh proofs/cache.sh check "$tmp/unsorted" 2> /dev/null && fail check_unsorted || pass check_unsorted
cat "$tmp/pack" "$tmp/pack" | LC_ALL=C sort > "$tmp/twice"
sh proofs/cache.sh check "$tmp/twice" 2> /dev/null && fail check_twice || pass check_twice
[ "$fails" -eq 0 ]
