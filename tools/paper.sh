#!/bin/sh
# make paper (README "The paper's experiments", spec/SWEEP.md): run the
# sweep paper/$PAPER.json into paper/out-$PAPER (resumable: a second run
# only does what is missing), write the report (CSV, markdown, LaTeX tables,
# figures as PNG and PDF) and compile report.tex with pdflatex.
# Usage: sh tools/paper.sh BIN [small|full] [JOBS]
# Exit: non-zero when the sweep or the report fails with an error (a cell
# that is undecided or failed is counted in the report, not an error here).
set -u
BIN=${1:-bin}
PAPER=${2:-small}
JOBS=${3:-}
SPEC=paper/$PAPER.json
OUT=paper/out-$PAPER
export OPENBLAS_NUM_THREADS=1
[ -f "$SPEC" ] || { echo "paper: $SPEC not found (PAPER=small or full)" >&2; exit 2; }
t0=$(date +%s)
rc=0
"$BIN/sweep" run "$SPEC" -o "$OUT" ${JOBS:+--jobs "$JOBS"} || rc=$?
if [ $rc -gt 1 ]; then echo "paper: sweep run failed (exit $rc)" >&2; exit $rc; fi
rc=0
"$BIN/sweep" report "$OUT" || rc=$?
if [ $rc -gt 1 ]; then echo "paper: sweep report failed (exit $rc)" >&2; exit $rc; fi
if command -v pdflatex > /dev/null 2>&1; then
    (cd "$OUT/report" && pdflatex -interaction=nonstopmode -halt-on-error report.tex > latex.log 2>&1) ||
        { echo "paper: pdflatex report.tex failed, see $OUT/report/latex.log" >&2; exit 4; }
fi
echo "paper: $(( $(date +%s) - t0 )) s; figures $OUT/report/fig*.png and .pdf, tables $OUT/report/cells.csv, report.md, tables.tex, report.pdf"
