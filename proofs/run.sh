#!/bin/sh
# make proofs: Frama-C WP over the files listed in proofs/FILES, as a gate.
#
# For each listed file: WP with RTE guards (-wp -wp-rte, plus unsigned
# overflow and unsigned downcast guards; signed overflow and signed downcast
# are on by default), provers Z3 / CVC5 / CVC4 through Why3, and a scratch
# session under build/proofs/session/ unpacked from the committed cache
# proofs/cache/NAME.wpcache (proofs/cache.sh), which makes reruns fast, and
# packed back (pruned after a green run) when the run may update the cache.
# Frama-C exits 0 even when goals stay unproved, so this script counts them:
# it prints one table line per file and exits non-zero unless every goal of
# every file is proved, no property of the file is left unknown, and no count
# fell below proofs/baseline.
#
# Environment:
#   PROOFS_ONLY=pattern     run only the FILES lines whose path contains it
#   PROOFS_SMOKE=0          skip the smoke tests (default 1: look for vacuous
#                           contracts, unreachable code, inconsistent loops)
#   PROOFS_CACHE=mode       WP cache mode (default update; offline replays
#                           the committed cache without running any prover;
#                           offline and replay never change the cache)
#   PROOFS_PRUNE=0          keep every cache entry (default 1: a green run
#                           with the default limits keeps only the entries it
#                           used; see proofs/README.md)
#   PROOFS_UPDATE_BASELINE=1  when everything is proved, rewrite
#                           proofs/baseline with the new counts (commit it)
#   PROOFS_PAR=n            parallel prover processes per file (default 2)
#   PROOFS_TIMEOUT=s        prover time limit per goal (default 20)
#   PROOFS_LEMMA_STEPS=n    Z3 step limit of the lemma runs (default 50000000;
#                           the main runs use 3000000)
#   PROOFS_JOBS=n           files proved at once (default 2)
#   PROOFS_VERBOSE=1        show the Frama-C output of each file
set -u
cd "$(dirname "$0")/.." || exit 4
top=$(pwd)
out=build/proofs
mkdir -p "$out" || exit 4

smoke=${PROOFS_SMOKE:-1}
cache=${PROOFS_CACHE:-update}
par=${PROOFS_PAR:-2}
prune=${PROOFS_PRUNE:-1}

# --- The cache: packed in proofs/cache/, unpacked per run ----------------
# WP keeps its cache in the session directory (one JSON file per goal and
# prover). The committed form is one sorted text file per proved file
# (proofs/cache.sh); each run unpacks it into scratch sessions under build/.
# In the modes that write the cache (update, cleanup), Frama-C runs with
# -wp-cache cleanup: update, and at exit delete from the session every entry
# the run neither read nor wrote. The main run and the lemma run of a file
# each get their own scratch copy, so that one's clean-up cannot delete the
# other's entries; the pack is rewritten from both (pack_back below).
case "$cache" in
    update|cleanup) fcache=cleanup; writes=1 ;;
    rebuild)        fcache=rebuild; writes=1 ;;
    offline|replay|none) fcache=$cache; writes=0 ;;
    *) echo "proofs: unknown PROOFS_CACHE=$cache (update, offline, replay, rebuild, cleanup, none)" >&2; exit 2 ;;
esac
# Only a run with the default limits and the smoke tests may prune: a run
# without smoke tests does not read their entries, and one with other limits
# may read or need other verdicts than the default run.
standard=0
if [ "$smoke" = 1 ] && [ "${PROOFS_TIMEOUT:-20}" = 20 ] &&
   [ "${PROOFS_LEMMA_STEPS:-50000000}" = 50000000 ] && [ "$prune" = 1 ]; then
    standard=1
fi
# A sentinel entry (no goal hashes to it) put in each scratch cache: Frama-C
# cleans up only when the run looked up or wrote at least one entry, so a
# sentinel still there afterwards means no entry of that copy was used.
sentinel=00000000000000000000000000000000.json

for tool in frama-c why3 z3 cvc5; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "proofs: $tool not found (make deps-proofs installs frama-c-base why3 z3 cvc4 cvc5)" >&2
        exit 4
    }
done

# --- Why3 configuration, generated at proof time (never committed) --------
# Why3 1.5.1 detects Z3 and CVC4 but not CVC5 (support came with Why3 1.6):
# CVC5 is registered by hand with the driver proofs/cvc5.drv.in, whose import
# of Why3's CVC4 encoding is resolved against this machine's Why3 data dir.
WHY3CONFIG=$top/proofs/.why3.conf
export WHY3CONFIG
datadir=$(why3 --print-datadir) || exit 4
cvc5ver=$(cvc5 --version 2>/dev/null | sed -n 's/^This is cvc5 version \([^ ]*\).*/\1/p' | head -n 1)
[ -n "$cvc5ver" ] || { echo "proofs: cannot read the version of cvc5" >&2; exit 4; }
sed "s|@WHY3_DRIVERS@|$datadir/drivers|" proofs/cvc5.drv.in > "$out/cvc5.drv" || exit 4
rm -f "$WHY3CONFIG"   # why3 refuses a pre-existing file without its magic line
why3 --config "$WHY3CONFIG" config detect > "$out/why3-detect.log" 2>&1 || {
    echo "proofs: why3 config detect failed (see $out/why3-detect.log)" >&2
    exit 4
}
cat >> "$WHY3CONFIG" <<EOF

[prover]
command = "cvc5 --tlimit=%t000 --lang=smt2 %f"
command_steps = "cvc5 --stats --rlimit=%S --lang=smt2 %f"
driver = "$top/$out/cvc5.drv"
editor = ""
in_place = false
interactive = false
name = "CVC5"
shortcut = "cvc5"
version = "$cvc5ver"
EOF
provers=$(why3 config list-provers 2>/dev/null)
for p in "Z3 " "CVC5 " "CVC4 "; do
    case "$provers" in
        *"$p"*) ;;
        *) echo "proofs: Why3 does not see the prover $p(see $out/why3-detect.log)" >&2; exit 4 ;;
    esac
done

# --- Common Frama-C options ----------------------------------------------
# -warn-special-float none: no NaN/Inf alarms on floating-point operations
# (an assumption, listed in proofs/README.md): non-finite values are
# excluded by validation at input and handled by the rigorous engines.
# spec/acsl holds the ACSL logic (predicates, lemmas) and, in spec/acsl/ext,
# headers that stand in for the external libraries with contracts (the trust
# base); spec/acsl/nrc_trust.h gives contracts to the core functions that
# are not themselves proved (allocation, error messages, hashing).
common="-wp -wp-rte -warn-unsigned-overflow -warn-unsigned-downcast
 -warn-signed-overflow -warn-signed-downcast -warn-special-float none
 -wp-timeout ${PROOFS_TIMEOUT:-20} -wp-steps 3000000 -wp-par $par -wp-cache $fcache
 -wp-smoke-timeout 1"

now() { date +%s.%N 2>/dev/null || date +%s; }

files=0
failed=0
table="$out/table.txt"
newbase="$out/baseline.new"
: > "$table"
: > "$newbase"
printf '%-28s %6s %6s %6s %7s  %s\n' file goals proved smoke time provers > "$table"
rm -f "$out/cachenotes.txt"

# Scratch sessions of one file: $sess for the main run, $lsess for the lemma
# run, each with the whole pack (a file without a pack starts empty) plus
# the sentinel. Entries left in proofs/session/NAME/cache (the layout before
# proofs/cache/, e.g. from a branch merged in) are added, and win.
unpack_sessions() {
    rm -rf "$sess" "$lsess" || return 1
    for s in "$sess" "$lsess"; do
        sh proofs/cache.sh unpack "$pack" "$s/cache" || return 1
        if [ -d "proofs/session/$1/cache" ]; then
            find "proofs/session/$1/cache" -maxdepth 1 -name '*.json' -exec cp -f -t "$s/cache/" {} + || return 1
        fi
        : > "$s/cache/$sentinel" || return 1
    done
}

# After the run, in the modes that write the cache: a green run with the
# default limits (standard=1) rewrites the pack with exactly the entries its
# two runs used (each scratch copy after Frama-C's clean-up, or nothing from
# a copy whose sentinel survived); any other run keeps the pack and adds or
# replaces what it wrote. Offline and replay runs leave the pack alone.
pack_back() {
    [ "$writes" = 1 ] || return 0
    before=$(sh proofs/cache.sh count "$pack")
    sum=none
    [ -f "$pack" ] && sum=$(cksum < "$pack")
    prune_now=0
    [ "$fcache" = cleanup ] && [ "$standard" = 1 ] && [ -z "$2" ] && prune_now=1
    used=""
    for s in "$sess" "$lsess"; do
        if [ -f "$s/cache/$sentinel" ]; then
            rm -f "$s/cache/$sentinel"
            [ "$prune_now" = 1 ] && continue
        fi
        used="$used $s/cache"
    done
    if [ "$prune_now" = 1 ]; then
        how=pruned
        # shellcheck disable=SC2086
        sh proofs/cache.sh pack "$pack" $used /dev/null || return 1
    else
        how=merged
        # shellcheck disable=SC2086
        sh proofs/cache.sh pack "$pack" $used "$pack" || return 1
    fi
    after=$(sh proofs/cache.sh count "$pack")
    [ "$(cksum < "$pack")" = "$sum" ] ||
        printf 'proofs: %s: %s -> %s entries (%s)\n' "$pack" "$before" "$after" "$how" > "$out/$1.cachenote"
}

# One FILES line: run Frama-C, write $out/NAME.row (table line), NAME.base
# (proved count) and, when anything is wrong, NAME.fail.
prove_one() {
    file=$1
    opts=$2
    name=$(printf '%s' "$file" | sed 's|^src/||; s|[/.]|_|g')
    rm -f "$out/$name.row" "$out/$name.base" "$out/$name.fail" "$out/$name.cachenote"
    log="$out/$name.log"
    csv="$out/$name.csv"
    sess="$out/session/$name"
    lsess="$out/session/$name.lemmas"
    pack="proofs/cache/$name.wpcache"
    rm -f "$csv"
    unpack_sessions "$name" || { echo "FAIL $file: cannot unpack $pack" > "$out/$name.fail"; return; }
    smokeopt=""
    [ "$smoke" = 1 ] && smokeopt="-wp-smoke-tests"
    # "+include=FILE" in a FILES line: one more contract header of the trust
    # base (spec/acsl/nrc_trust_*.h) pre-included for that file only.
    incs=""
    for o in $opts; do
        case "$o" in +include=*) incs="$incs -include ${o#+include=}" ;; esac
    done
    opts=$(printf '%s\n' "$opts" | sed 's/+include=[^ ]*//g')
    t0=$(now)
    # shellcheck disable=SC2086  # word splitting of the option lists is wanted
    frama-c $common $smokeopt -wp-session "$sess" \
        -cpp-extra-args="-D_GNU_SOURCE -Iinclude/core -Iinclude/train -Iinclude/certify -Iinclude/check -Ispec/acsl/ext -Ispec/acsl -include spec/acsl/nrc_trust.h$incs" \
        $opts "$file" -then -report-csv "$csv" > "$log" 2>&1
    rc=$?
    t1=$(now)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    [ "${PROOFS_VERBOSE:-0}" = 1 ] && cat "$log"
    proved=$(sed -n 's/^\[wp\] Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    total=$(sed -n 's/^\[wp\] Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\2/p' "$log" | tail -n 1)
    spass=$(grep -c "^\[wp\] \[Passed\] Smoke-test" "$log")
    sfail=$(grep -c "^\[wp\] \[Failed\] Smoke-test" "$log")
    nsmoke=$((spass + sfail))
    # "Qed: 18 (..)", "Z3 4.8.12: 2 (..)" -> "Qed 18, Z3 2"
    byprover=$(awk '/^\[wp\] Proved goals:/ { on = 1; next }
                    on && /^  [A-Za-z]/ { split($0, a, ":"); p = a[1]; sub(/^ */, "", p);
                                          sub(/ [0-9.]+$/, "", p); split(a[2], b, " ");
                                          printf "%s%s %s", sep, p, b[1]; sep = ", " }
                    on && !/^  / { on = 0 }' "$log")
    problems=""
    if [ "$rc" -ne 0 ] || [ -z "$proved" ] || [ -z "$total" ]; then
        problems="frama-c failed (exit $rc)"
        proved=${proved:-0}; total=${total:-0}
    fi
    # Smoke tests are counted apart: a passed one is "proved" in WP's total.
    total=$((total - nsmoke)); proved=$((proved - spass))
    [ "$proved" -ne "$total" ] && problems="$problems $((total - proved)) goal(s) unproved"
    [ "$sfail" -ne 0 ] && problems="$problems smoke test failed (vacuous contract or dead code)"
    # Every property of the selected functions (in the file or in the project
    # headers and spec/acsl logic it includes) must be Valid. Excluded: the
    # trust base (Frama-C's libc, spec/acsl/ext, spec/acsl/nrc_trust*.h:
    # "Considered valid"), and "precondition" rows, whose status merges the
    # call sites of callers that are not selected.
    fcts=$(printf '%s\n' "$opts" | awk '{ for (i = 1; i < NF; i++) if ($i == "-wp-fct") print $(i + 1) }')
    if [ -f "$csv" ]; then
        bad=$(awk -F'\t' -v fcts="$fcts" '
              BEGIN { n = split(fcts, a, ","); for (i = 1; i <= n; i++) sel[a[i]] = 1 }
              NR > 1 && NF >= 7 && $1 !~ /^FRAMAC_SHARE/ && $1 != "spec/acsl/ext" \
                && !($1 == "spec/acsl" && $2 ~ /^nrc_trust.*\.h$/) && $5 != "precondition" \
                && (n == 0 || ($4 in sel) || $5 == "lemma") && $6 != "Valid" {
                  print $1 "/" $2 ":" $3 ": " $4 ": " $5 ": " $6 ": " $7 }' "$csv")
        if [ -n "$bad" ]; then
            problems="$problems $(printf '%s\n' "$bad" | wc -l) propert(y/ies) not valid"
            printf '%s\n' "$bad" | sed 's/^/    /' > "$out/$name.bad"
        fi
    elif [ -z "$problems" ]; then
        problems="no report"
    fi
    # -wp-model Typed+cast treats pointer casts as address-preserving: allowed
    # only between the 1-byte character types (char / unsigned char / void *,
    # which WP sees as sint8*); any other incompatible cast fails the gate.
    badcast=$(grep -A1 'Cast with incompatible pointers types' "$log" | grep 'source:' |
              grep -v -E '\(source: (u|s)int8\*\) \(target: (u|s)int8\*\)' | sort -u)
    if [ -n "$badcast" ]; then
        problems="$problems pointer cast between non-byte types:$(printf '%s' "$badcast" | head -n 3)"
    fi
    # Lemmas: WP does not prove them under -wp-fct (they are hypotheses of
    # every goal), so a second run proves every lemma this file sees. A lemma
    # that stays unproved fails the gate unless proofs/ASSUMED names it (each
    # such entry is an assumption, argued in proofs/README.md).
    lopts=$(printf '%s\n' "$opts" | awk '{ for (i = 1; i <= NF; i++) {
                if ($i == "-wp-fct" || $i == "-wp-prover") { i++; continue }
                printf "%s ", $i } }')
    # The lemmas are few and nonlinear: Z3 needs about 13 million steps for
    # nrc_check_index2 among check_claims.c's axioms (unknown at 3 million), so
    # their run gets a larger step budget; the time limit still bounds it.
    lemlog="$out/$name.lemmas.log"
    # shellcheck disable=SC2086
    frama-c -wp -wp-prop=@lemma -wp-prover z3,cvc5,cvc4 -warn-special-float none \
        -wp-timeout ${PROOFS_TIMEOUT:-20} -wp-steps ${PROOFS_LEMMA_STEPS:-50000000} \
        -wp-par $par -wp-cache $fcache \
        -wp-session "$lsess" \
        -cpp-extra-args="-D_GNU_SOURCE -Iinclude/core -Iinclude/train -Iinclude/certify -Iinclude/check -Ispec/acsl/ext -Ispec/acsl -include spec/acsl/nrc_trust.h$incs" \
        $lopts "$file" > "$lemlog" 2>&1 || problems="$problems lemma run failed"
    lemmas=$(grep -c '^\[wp\] \[[^]]*\] Goal typed_\(cast_\)\{0,1\}lemma_' "$lemlog")
    lassumed=0
    for l in $(sed -n 's/^\[wp\] \[[^]]*\] Goal typed_\(cast_\)\{0,1\}lemma_\([A-Za-z0-9_]*\) : Valid.*/\2/p;
                     s/^\[wp\] \[Failed\] Goal typed_\(cast_\)\{0,1\}lemma_\([A-Za-z0-9_]*\)$/-\2/p' "$lemlog" |
               grep '^-' | sed 's/^-//'); do
        if grep -q "^$l\( \|$\)" proofs/ASSUMED 2>/dev/null; then
            lassumed=$((lassumed + 1))
        else
            problems="$problems lemma $l unproved"
        fi
    done
    nvalid=$(grep -c '^\[wp\] \[[^]]*\] Goal typed_\(cast_\)\{0,1\}lemma_[A-Za-z0-9_]* : Valid' "$lemlog")
    [ $((nvalid + lassumed)) -ne "$lemmas" ] && problems="$problems lemma results unclear (see $lemlog)"
    byprover="$byprover; lemmas $nvalid/$lemmas proved${lassumed:+, $lassumed assumed}"
    base=$(awk -v f="$file" '$1 == f { print $2 }' proofs/baseline 2>/dev/null | tail -n 1)
    if [ -n "$base" ] && [ "$proved" -lt "$base" ]; then
        problems="$problems proved $proved < baseline $base"
    fi
    pack_back "$name" "$problems" || problems="$problems cannot write $pack"
    printf '%-28s %6s %6s %6s %6ss  %s\n' "$file" "$total" "$proved" "$nsmoke" "$secs" "$byprover" > "$out/$name.row"
    printf '%s %s\n' "$file" "$proved" > "$out/$name.base"
    if [ -n "$problems" ]; then
        {
            echo "FAIL $file:$problems (log: $log)"
            [ -f "$out/$name.bad" ] && head -n 30 "$out/$name.bad"
            grep -E '^\[wp\] .*(Unknown|Timeout|Failed|Stepout|Warning: Failed)' "$log" | head -n 30 | sed 's/^/    /'
        } > "$out/$name.fail"
        rm -f "$out/$name.bad"
    fi
}

# The selected lines, in FILES order.
sel="$out/selected.txt"
: > "$sel"
while read -r file opts; do
    case "$file" in ''|'#'*) continue ;; esac
    case "$file" in *"${PROOFS_ONLY:-}"*) ;; *) continue ;; esac
    printf '%s %s\n' "$file" "$opts" >> "$sel"
done < proofs/FILES
files=$(wc -l < "$sel" | tr -d ' ')

# Frama-C's goal generation and Qed (which is most of a replay from the
# committed cache) run on one core: PROOFS_JOBS files run at once (default
# 2), in lanes balanced by the goal counts of proofs/baseline; each lane
# takes its files in FILES order. Results are gathered in FILES order.
jobs=${PROOFS_JOBS:-2}
i=0
while [ "$i" -lt "$jobs" ]; do : > "$out/lane.$i"; i=$((i + 1)); done
awk -v jobs="$jobs" -v out="$out" '
    FNR == NR { if ($1 !~ /^#/) base[$1] = $2; next }
    { w = ($1 in base) ? base[$1] + 10 : 100; best = 0
      for (l = 1; l < jobs; l++) if (load[l] < load[best]) best = l
      load[best] += w; print > (out "/lane." best) }' proofs/baseline "$sel" 2>/dev/null ||
    cp "$sel" "$out/lane.0"
i=0
while [ "$i" -lt "$jobs" ]; do
    ( while read -r file opts; do prove_one "$file" "$opts"; done < "$out/lane.$i" ) &
    i=$((i + 1))
done
wait
while read -r file opts; do
    name=$(printf '%s' "$file" | sed 's|^src/||; s|[/.]|_|g')
    if [ -f "$out/$name.row" ]; then cat "$out/$name.row" >> "$table"
    else printf '%-28s (no result)\n' "$file" >> "$table"; fi
    [ -f "$out/$name.base" ] && cat "$out/$name.base" >> "$newbase"
    [ -f "$out/$name.cachenote" ] && cat "$out/$name.cachenote" >> "$out/cachenotes.txt"
    if [ -f "$out/$name.fail" ] || [ ! -f "$out/$name.row" ]; then
        failed=$((failed + 1))
        [ -f "$out/$name.fail" ] && cat "$out/$name.fail" >> "$table"
    fi
done < "$sel"

# A file that left the list must not silently take its proofs with it.
if [ -z "${PROOFS_ONLY:-}" ] && [ -f proofs/baseline ]; then
    while read -r file count; do
        case "$file" in ''|'#'*) continue ;; esac
        if ! awk -v f="$file" '$1 == f { found = 1 } END { exit !found }' proofs/FILES; then
            failed=$((failed + 1))
            echo "FAIL $file: in proofs/baseline ($count goals) but not in proofs/FILES" >> "$table"
        fi
    done < proofs/baseline
fi

cat "$table"
if [ -s "$out/cachenotes.txt" ]; then
    cat "$out/cachenotes.txt"
    echo "proofs: commit proofs/cache/ with the code it proves (proofs/README.md)"
fi
if [ "$files" -eq 0 ]; then
    echo "proofs: no file selected" >&2
    exit 1
fi
if [ "$failed" -ne 0 ]; then
    echo "proofs: $failed file(s) failed" >&2
    exit 1
fi
if [ "${PROOFS_UPDATE_BASELINE:-0}" = 1 ] && [ -z "${PROOFS_ONLY:-}" ]; then
    { echo "# file proved-goals (make proofs fails if a count falls below this)"; cat "$newbase"; } > proofs/baseline
    echo "proofs: baseline rewritten; commit proofs/baseline"
fi
echo "proofs: all goals proved in $files file(s)"
