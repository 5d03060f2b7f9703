#!/bin/sh
# make bench's tables (bench/tables.awk, as bench/run.sh calls it) on the
# CSV files of a real run (tests/fixtures/bench/, make bench of 2026-12-08),
# and on the empty exact.csv and regime.csv a failed step leaves: every
# section is printed with the numbers of its rows, and the summary is
# complete, with the ratios read from the right columns. So a change to
# the tables that breaks them shows here, not after a 6-minute benchmark.
FIX=tests/fixtures/bench
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# tables EXACT REGIME: run the program; exit status of awk
tables() {
    awk -F, -v torch=1 -v coretype="(unset)" -v load="1.00 1.00 1.00" -v date="2026-12-08 01:27 UTC" \
        -v summary="$tmp/summary.json" -v elapsed=350 -f bench/tables.awk \
        $FIX/train.csv $FIX/torch.csv $FIX/certify.csv $FIX/programs.csv "$1" "$2" \
        > "$tmp/bench.md" 2> "$tmp/err"
}

if tables $FIX/exact.csv $FIX/regime.csv && [ ! -s "$tmp/err" ]; then ok runs; else bad runs "$(cat "$tmp/err")"; fi
for h in "## Training: one gradient-descent step" "## Certify (fast engine) against one plain" \
         "## How cost grows" "## Exact products of the checker" "## Peak memory"; do
    if grep -q -F "$h" "$tmp/bench.md"; then ok "section $h"; else bad "section" "no '$h'"; fi
done
# the 1000^3 row of the certify table: certify/plain 4.23, check/certify 5.31
row=$(grep '^| 1000x1000x1000 | 0.302 |' "$tmp/bench.md")
case $row in
*"| 4.23 |"*"| 5.31 |") ok certify_row ;;
*) bad certify_row "got '$row'" ;;
esac
if grep -q '^| 1.42 | 1.42 | 3.38 | 2.38 | 0.14 | 10.1 | yes |$' "$tmp/bench.md"; then ok exact_row
else bad exact_row "$(grep -A3 'Exact products' "$tmp/bench.md")"; fi
if jq -e '.regime | length == 2' "$tmp/summary.json" > /dev/null 2>&1; then ok summary_json_regime
else bad summary_json_regime "$(head -c 600 "$tmp/summary.json")"; fi
v=$(jq -r '.regime[0].check_vs_certify' "$tmp/summary.json" 2>/dev/null)
case $v in 4.4*) ok summary_check_vs_certify ;; *) bad summary_check_vs_certify "got $v" ;; esac

# a run whose exact and regime steps failed: empty files, no such sections
: > "$tmp/e.csv"; : > "$tmp/r.csv"
if tables "$tmp/e.csv" "$tmp/r.csv" && [ ! -s "$tmp/err" ]; then ok runs_without_exact_regime
else bad runs_without_exact_regime "$(cat "$tmp/err")"; fi
if grep -q "Exact products of the checker" "$tmp/bench.md"; then bad no_exact_section "printed"
else ok no_exact_section; fi
if jq -e . "$tmp/summary.json" > /dev/null 2>&1; then ok summary_json_valid_without_regime
else bad summary_json_valid_without_regime "$(head -c 600 "$tmp/summary.json")"; fi
[ $fails -eq 0 ]
