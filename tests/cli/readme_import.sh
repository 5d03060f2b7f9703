#!/bin/sh
# The README's "Certify your own network" example, run as written: its two
# Python blocks (train.py, flip.py) and its commands, with bin/ for the
# tools. Needs Debian's /usr/bin/python3 with python3-torch and
# python3-numpy; without them it prints SKIP (the project's tests need no
# Python). Asserts: every command succeeds, certify certifies every flip,
# the checker accepts the certificate, and flip.py shows N changing sign
# at every exported example.
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
PY=/usr/bin/python3
if ! OMP_NUM_THREADS=1 "$PY" -c 'import torch, numpy' 2> /dev/null; then
    echo "SKIP readme_import (no /usr/bin/python3 with torch and numpy)"
    exit 0
fi
README="$(pwd)/README.md"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
fails=0
pass() { echo "PASS readme_import_$1"; }
fail() { echo "FAIL readme_import_$1: $2"; fails=$((fails + 1)); }

# the section, its ```python blocks and its indented command lines
awk '/^## / { on = ($0 == "## Certify your own network") } on' "$README" > "$T/section"
awk '/^```python$/ {n++; f = (n == 1 ? "train.py" : "flip.py"); next} /^```$/ {f = ""; next}
     f != "" {print > (dir "/" f)}' dir="$T" "$T/section"
grep -E '^    (python3|bin/)' "$T/section" | sed -e 's/#.*$//' \
    -e "s|^    python3 |$PY |" -e "s|^    bin/|$BIN/|" > "$T/commands"
[ -s "$T/train.py" ] && [ -s "$T/flip.py" ] && [ "$(wc -l < "$T/commands")" -eq 6 ] \
    && pass extracted || fail extracted "$(wc -l < "$T/commands") commands"
( cd "$T" && while read -r cmd; do
      echo "\$ $cmd"
      sh -c "$cmd" || { echo "exit $?: $cmd"; exit 1; }
  done < commands ) > "$T/log" 2>&1 && pass commands || fail commands "$(tail -5 "$T/log")"
grep -q '^verdict   CERTIFIED' "$T/log" && pass certified || fail certified "$(grep '^verdict' "$T/log")"
grep -q 'certificate valid' "$T/log" && pass checked || fail checked "no 'certificate valid'"
rows=$(grep -c '^point ' "$T/log")
flipped=$(grep '^point ' "$T/log" | awk '{ a = $5; b = $8; sub(/,$/, "", a); sub(/,$/, "", b);
    if ((a + 0) * (b + 0) < 0) n++ } END { print n + 0 }')
[ "$rows" -gt 0 ] && [ "$rows" -eq "$flipped" ] && pass every_prediction_flips \
    || fail every_prediction_flips "$flipped of $rows points flip"
[ "$fails" -eq 0 ]
