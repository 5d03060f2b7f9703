#!/bin/sh
# CLI tests of bin/sweep (spec/SWEEP.md): usage and spec errors; a local
# sweep whose every done cell re-checks; a re-run that runs nothing; a
# changed axis that runs only its new cells; a failing cell that is recorded
# with its reason and exit code while the others complete; resume after
# SIGINT and after SIGKILL (no cell re-run, none lost, nothing half-written
# counted); the report's files, its LaTeX compiled by pdflatex, its figures.
# Run from the repository root; $BIN = program dir.  Tiny cells (n = 4,
# d = 20, k = 8): the whole script takes seconds.
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
S="$BIN/sweep"
FIX="$(pwd)/tests/fixtures/sweep"
export OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
# expect NAME RC PATTERN cmd...: exit code and a message on stderr
expect() {
    name=$1 want=$2 pat=$3
    shift 3
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc -eq "$want" ] && grep -q -e "$pat" "$tmp/err"; then pass "$name"
    else fail "$name" "exit $rc (want $want), stderr: $(head -c 400 "$tmp/err")"; fi
}
# spec FILE GRIDS [FIGURES]: a tiny spec
spec() {
    cat > "$1" <<EOF
{"format": "nrc-sweep", "version": 1, "name": "t",
 "defaults": {"train": {"n": 4, "d": 20, "k": 8, "m": 2, "steps": 200, "polish": false}},
 "grids": [$2], "figures": [${3:-}]}
EOF
}
results_sum() { # DIR: one line per recorded cell: name and hash of its record
    for r in "$1"/cells/*/result.json; do
        [ -f "$r" ] && echo "$(basename "$(dirname "$r")") $(sha256sum < "$r" | cut -c1-64)"
    done
}

# ---- the layer: sweep runs the programs, it links none of their code ----------
ldd "$S" > "$tmp/ldd" 2>&1
bad=$(nm "$S" 2>/dev/null | grep -E ' [TtDd] (nrc_certify_|nrc_train_|nrc_fast_|nrc_mpfr_|nrc_check_claims|nrc_polish_|nrc_dgemm|cblas_)' | head -3)
if [ -z "$bad" ] && ! grep -q -E 'openblas|mpfr|flint' "$tmp/ldd"; then pass sweep_links_no_certifier_code
else fail sweep_links_no_certifier_code "$bad $(grep -E 'openblas|mpfr|flint' "$tmp/ldd")"; fi

# ---- usage and bad specs -------------------------------------------------------
"$S" --help > "$tmp/out" 2>&1
if grep -q 'sweep run SPEC -o DIR' "$tmp/out" && grep -q 'sweep slurm' "$tmp/out"; then pass sweep_help
else fail sweep_help "$(head -c 300 "$tmp/out")"; fi
expect usage_no_args 2 'usage' "$S"
expect usage_unknown_subcommand 2 "unknown subcommand 'frob'" "$S" frob
expect usage_run_without_o 2 'usage: sweep run' "$S" run "$FIX/tiny.json"
expect usage_bad_jobs 2 'option --jobs' "$S" run "$FIX/tiny.json" -o "$tmp/x" --jobs 0
expect spec_missing 3 'nope.json' "$S" run "$tmp/nope.json" -o "$tmp/x"
echo '{"format": "nrc-sweep", "version": 1, "grids": [{"train": {"dd": [1]}}]}' > "$tmp/bad1.json"
expect spec_unknown_option 3 'bad1.json: grids\[0\].train.dd: unknown option' "$S" run "$tmp/bad1.json" -o "$tmp/x"
echo '{"format": "nrc-sweep", "version": 1, "grids": [{"train": {"data": "cube"}}]}' > "$tmp/bad2.json"
expect spec_bad_word 3 'grids\[0\].train.data\[0\]: "cube" is not one of sphere|gaussian' "$S" run "$tmp/bad2.json" -o "$tmp/x"
echo '{"format": "nrc-sweep", "version": 1, "grids": [{"train": {"n": -3}}]}' > "$tmp/bad3.json"
expect spec_negative 3 'train.n\[0\]: expected a non-negative integer' "$S" run "$tmp/bad3.json" -o "$tmp/x"
echo '{"format": "nrc-sweep", "version": 1, "grids": [{}], "figures": [{"name": "a b", "kind": "flip"}]}' > "$tmp/bad4.json"
expect spec_bad_figure 3 'figures\[0\].name' "$S" run "$tmp/bad4.json" -o "$tmp/x"
printf '{"format": "nrc-sweep", "version": 1, "grids": [' > "$tmp/bad5.json"
expect spec_not_json 3 'bad5.json: line' "$S" run "$tmp/bad5.json" -o "$tmp/x"
if [ ! -e "$tmp/x" ]; then pass spec_errors_create_nothing; else fail spec_errors_create_nothing "$tmp/x exists"; fi
mkdir -p "$tmp/notasweep" && echo keep > "$tmp/notasweep/file"
expect dir_not_a_sweep 2 'not a sweep directory' "$S" run "$FIX/tiny.json" -o "$tmp/notasweep"
if [ "$(cat "$tmp/notasweep/file")" = keep ] && [ "$(ls "$tmp/notasweep")" = file ]; then pass dir_not_a_sweep_untouched
else fail dir_not_a_sweep_untouched "$(ls "$tmp/notasweep")"; fi
expect bin_missing 2 'not an executable program' "$S" run "$FIX/tiny.json" -o "$tmp/y" --bin "$tmp"
"$S" list "$FIX/tiny.json" > "$tmp/list" 2>&1
if [ "$(wc -l < "$tmp/list")" -eq 6 ] && grep -q '^0 [0-9a-f]\{16\} - \["vs_d","polish"\] -n 4 -d 20 -k 8' "$tmp/list"; then
    pass list_spec_dedupes_cells
else
    fail list_spec_dedupes_cells "$(cat "$tmp/list")"
fi

# ---- a local sweep --------------------------------------------------------------
"$S" run "$FIX/tiny.json" -o "$tmp/a" --jobs 2 > "$tmp/out" 2> "$tmp/err"; rc=$?
n=$(ls -d "$tmp"/a/cells/*/ | wc -l)
if [ $rc -le 1 ] && [ "$n" -eq 6 ] && [ ! -s "$tmp/out" ] && grep -q '^sweep: 6 cells: 0 recorded, 6 to run, 2 jobs' "$tmp/err" &&
   ! grep -q 'remaining' "$tmp/err"; then
    pass run_all_cells_no_progress_on_pipe
else
    fail run_all_cells_no_progress_on_pipe "exit $rc, $n cells, stderr: $(cat "$tmp/err")"
fi
ok=1
for d in "$tmp"/a/cells/*/; do
    if grep -q '"status": "done"' "$d/result.json"; then
        "$BIN/nrc-check" "$d/cert.json" "$d/model.bin" > /dev/null 2>&1 || { ok=0; echo "    $d: check fails"; }
        h=$(sha256sum < "$d/model.bin" | cut -c1-64)
        grep -q "\"sha256\": \"$h\"" "$d/cert.json" || { ok=0; echo "    $d: cert does not name the model"; }
        grep -q "\"model_sha256\": \"$h\"" "$d/result.json" || { ok=0; echo "    $d: record has another model hash"; }
    fi
    [ -f "$d/options.json" ] && [ -f "$d/train.log" ] && [ -f "$d/certify.log" ] || { ok=0; echo "    $d: files missing"; }
done
[ $ok = 1 ] && pass done_cells_recheck_against_model_hash || fail done_cells_recheck_against_model_hash "see above"
if grep -q '"--threads",' "$tmp/a/plan.json" || grep -q 'threads' "$tmp"/a/cells/*/options.json; then
    fail cells_single_threaded_not_in_key "--threads in the options"
elif grep -l 'OPENBLAS' "$tmp"/a/cells/*/train.log > /dev/null 2>&1; then
    fail cells_single_threaded_not_in_key "train complained"
else
    pass cells_single_threaded_not_in_key
fi

# --progress draws the progress line even on a pipe
"$S" run "$FIX/tiny.json" -o "$tmp/p" --jobs 2 --progress > /dev/null 2> "$tmp/err"
if grep -q 'cells done, .* failed, .* undecided, elapsed .*, remaining' "$tmp/err"; then pass progress_when_asked
else fail progress_when_asked "$(cat "$tmp/err")"; fi

# on a terminal the progress line is drawn without being asked
if command -v script > /dev/null 2>&1; then
    script -qec "'$S' run '$FIX/tiny.json' -o '$tmp/tty' --jobs 2" /dev/null < /dev/null > "$tmp/tty.out" 2>&1
    if grep -q 'cells done, .* elapsed .*, remaining' "$tmp/tty.out"; then pass progress_on_a_terminal
    else fail progress_on_a_terminal "$(cat "$tmp/tty.out")"; fi
else
    echo "SKIP progress_on_a_terminal: script(1) not found"
fi

# shards (what Slurm array tasks run): two shards of the plan give the same cells
mkdir -p "$tmp/sh/cells" && cp "$tmp/a/plan.json" "$tmp/sh/"
"$S" shard "$tmp/sh" 0 2 --quiet; rc0=$?
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$S" shard "$tmp/sh" --quiet; rc1=$?
same=1
for d in "$tmp"/a/cells/*/; do
    k=$(basename "$d")
    cmp -s "$d/cert.json" "$tmp/sh/cells/$k/cert.json" && cmp -s "$d/model.bin" "$tmp/sh/cells/$k/model.bin" || same=0
done
if [ $rc0 -le 1 ] && [ $rc1 -le 1 ] && [ $same = 1 ] && [ "$(ls "$tmp/sh/cells" | wc -l)" -eq 6 ]; then
    pass shards_equal_the_local_run
else
    fail shards_equal_the_local_run "exits $rc0 $rc1, same $same, $(ls "$tmp/sh/cells" | wc -l) cells"
fi
expect shard_bad_task 2 'usage: sweep shard' "$S" shard "$tmp/sh" 2 2

# a second run records nothing new and changes no record
results_sum "$tmp/a" > "$tmp/sum1"
"$S" run "$FIX/tiny.json" -o "$tmp/a" > /dev/null 2> "$tmp/err"
results_sum "$tmp/a" > "$tmp/sum2"
if cmp -s "$tmp/sum1" "$tmp/sum2" && grep -q '6 recorded, 0 to run' "$tmp/err"; then pass rerun_runs_nothing
else fail rerun_runs_nothing "$(cat "$tmp/err")"; fi

# a changed axis (d: 20, 40 -> 20, 60) runs only the two new cells
sed 's/"d": \[20, 40\]/"d": [20, 60]/' "$FIX/tiny.json" > "$tmp/tiny2.json"
"$S" run "$tmp/tiny2.json" -o "$tmp/a" > /dev/null 2> "$tmp/err"
results_sum "$tmp/a" > "$tmp/sum3"
if grep -q '6 cells: 4 recorded, 2 to run' "$tmp/err" && [ "$(comm -12 "$tmp/sum1" "$tmp/sum3" | wc -l)" -eq 6 ] &&
   [ "$(wc -l < "$tmp/sum3")" -eq 8 ]; then
    pass changed_axis_runs_only_its_cells
else
    fail changed_axis_runs_only_its_cells "$(cat "$tmp/err"); $(diff "$tmp/sum1" "$tmp/sum3")"
fi
# the report covers the current plan only (6 cells, two of them new)
"$S" report "$tmp/a" > /dev/null 2> "$tmp/err"
if [ "$(($(wc -l < "$tmp/a/report/cells.csv") - 1))" -eq 6 ] && grep -q ',60,' "$tmp/a/report/cells.csv"; then
    pass report_follows_the_current_plan
else
    fail report_follows_the_current_plan "$(cat "$tmp/err")"
fi

# ---- a failing cell is recorded, the others complete ------------------------------
spec "$tmp/fail.json" '{"group": "g", "train": {"seed": [1, 2, 3]}},
 {"group": "bad", "train": {"schedule": "constant", "lr": 1e300, "seed": 1}}'
"$S" run "$tmp/fail.json" -o "$tmp/f" --jobs 2 > /dev/null 2> "$tmp/err"; rc=$?
bad=$(grep -l '"status": "failed"' "$tmp"/f/cells/*/result.json)
nd=$(grep -l '"status": "done"' "$tmp"/f/cells/*/result.json | wc -l)
if [ $rc -eq 1 ] && [ "$(echo "$bad" | grep -c .)" -eq 1 ] && [ "$nd" -eq 3 ] &&
   grep -q '"stage": "train"' "$bad" && grep -q '"train": 1' "$bad" && grep -q 'training diverged' "$bad" &&
   grep -q '"transient": false' "$bad" && grep -q '1 failed' "$tmp/err"; then
    pass failing_cell_recorded_others_complete
else
    fail failing_cell_recorded_others_complete "exit $rc, failed: $bad, done $nd, stderr: $(cat "$tmp/err")"
fi
"$S" report "$tmp/f" > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q '1 failed' "$tmp/err" && grep -q ',failed,train,1,,,' "$tmp/f/report/cells.csv" &&
   grep -q 'training diverged' "$tmp/f/report/report.md"; then
    pass report_counts_failed_cell
else
    fail report_counts_failed_cell "exit $rc: $(cat "$tmp/err")"
fi
# every CSV row has the header's number of fields (quoted fields may hold commas)
fields() { awk '{ n = 1; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
    if (c == "\"") q = !q; else if (c == "," && !q) n++ } print n }' "$1" | sort -u | wc -l; }
if [ "$(fields "$tmp/f/report/cells.csv")" -eq 1 ]; then pass csv_rows_have_the_header_fields
else fail csv_rows_have_the_header_fields "$(awk -F, '{ print NF }' "$tmp/f/report/cells.csv" | sort | uniq -c)"; fi
# a recorded failure is final (deterministic), unless --retry-failed
"$S" run "$tmp/fail.json" -o "$tmp/f" > /dev/null 2> "$tmp/err"
"$S" run "$tmp/fail.json" -o "$tmp/f" --retry-failed > /dev/null 2> "$tmp/err2"
if grep -q '4 recorded, 0 to run' "$tmp/err" && grep -q '3 recorded, 1 to run' "$tmp/err2"; then pass retry_failed
else fail retry_failed "$(cat "$tmp/err" "$tmp/err2")"; fi

# ---- resume after a kill --------------------------------------------------------------
# 10 cells of a few hundred ms each, one at a time; stop after two are recorded.
spec "$tmp/long.json" '{"group": "g", "train": {"d": 2000, "steps": 3000, "polish": true, "seed": {"from": 1, "to": 10}}}'
resume_test() { # NAME SIGNAL
    rm -rf "$tmp/r"
    "$S" run "$tmp/long.json" -o "$tmp/r" --jobs 1 > /dev/null 2> "$tmp/err1" &
    pid=$!
    i=0
    while [ "$(ls "$tmp"/r/cells/*/result.json 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
    kill -"$2" $pid
    wait $pid 2> /dev/null
    rc=$?
    sleep 0.3   # workers of a SIGKILLed sweep die with it (PR_SET_PDEATHSIG) and clean up
    results_sum "$tmp/r" > "$tmp/before"
    nb=$(wc -l < "$tmp/before")
    "$S" run "$tmp/long.json" -o "$tmp/r" --jobs 2 > /dev/null 2> "$tmp/err2"
    results_sum "$tmp/r" > "$tmp/after"
    tmps=$(ls -a "$tmp/r/cells" | grep -c '^\.tmp-')
    if [ "$nb" -ge 2 ] && [ "$nb" -lt 10 ] && [ "$(comm -12 "$tmp/before" "$tmp/after" | wc -l)" -eq "$nb" ] &&
       [ "$(wc -l < "$tmp/after")" -eq 10 ] && grep -q "10 cells: $nb recorded, $((10 - nb)) to run" "$tmp/err2" &&
       [ "$tmps" -eq 0 ] && { [ "$2" != INT ] || { [ $rc -eq 130 ] && grep -q 'interrupted' "$tmp/err1"; }; }; then
        pass "$1"
    else
        fail "$1" "exit $rc, $nb recorded before, $(wc -l < "$tmp/after") after, $tmps tmp dirs; $(cat "$tmp/err1" "$tmp/err2")"
    fi
}
resume_test resume_after_sigint INT
resume_test resume_after_sigkill KILL

# ---- the report ----------------------------------------------------------------------------
"$S" report "$tmp/a" > "$tmp/out" 2> "$tmp/err"; rc=$?
R="$tmp/a/report"
hdr=$(head -n 1 "$R/cells.csv")
ok=1
for c in index key groups outcome n d k m data labels loss schedule lr steps init_scale bias fix_second_layer polish \
         seed points direction engine kink_tol eps_data_upper regime train_certified train_total test_certified \
         test_total train_median_rel_upper train_max_rel_upper pred_sqrt_d_over_n pred_z_norm_over_n \
         robust_radius_lower eps_rel_upper train_wall_s certify_wall_s check_wall_s cert_sha256; do
    echo ",$hdr," | grep -q ",$c," || { ok=0; echo "    column $c missing"; }
done
if [ $rc -le 1 ] && [ $ok = 1 ] && [ -s "$R/report.md" ] && grep -q '^| # | groups | n | d' "$R/report.md" &&
   grep -q 'nrc-check cells/KEY/cert.json cells/KEY/model.bin' "$R/report.md"; then
    pass report_csv_and_markdown
else
    fail report_csv_and_markdown "exit $rc: $(cat "$tmp/err")"
fi
if grep -q '\\begin{threeparttable}' "$R/tables.tex" && grep -q 'nrc-check' "$R/tables.tex" &&
   grep -q '\\texttt{[0-9a-f]\{8\}}' "$R/tables.tex" && grep -q 'SHA-256\\\\ \\texttt{[0-9a-f]\{64\}}' "$R/tables.tex" &&
   grep -q 'vs\\_d' "$R/tables.tex"; then
    pass latex_table_hashes_and_recheck_note
else
    fail latex_table_hashes_and_recheck_note "$(head -c 600 "$R/tables.tex")"
fi
if command -v pdflatex > /dev/null 2>&1; then
    (cd "$R" && pdflatex -interaction=nonstopmode -halt-on-error report.tex > latex.out 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ -s "$R/report.pdf" ]; then pass latex_compiles_with_pdflatex
    else fail latex_compiles_with_pdflatex "$(grep -A3 '^!' "$R/latex.out" | head -n 8)"; fi
else
    echo "SKIP latex_compiles_with_pdflatex: pdflatex not found (make deps installs texlive-latex-base)"
fi
if command -v gnuplot > /dev/null 2>&1; then
    ok=1
    for f in flip_vs_d robust kkt lower; do
        for e in png pdf dat gp caption; do [ -s "$R/$f.$e" ] || { ok=0; echo "    $f.$e missing"; }; done
        head -c 8 "$R/$f.png" | od -c | head -n 1 | grep -q 'P   N   G' || { ok=0; echo "    $f.png is not a PNG"; }
        head -c 5 "$R/$f.pdf" | grep -q '%PDF-' || { ok=0; echo "    $f.pdf is not a PDF"; }
        grep -q "'$f.dat'" "$R/$f.gp" || { ok=0; echo "    $f.gp does not plot its data file"; }
    done
    grep -q 'Certified' "$R/flip_vs_d.caption" && grep -q 'Predictions' "$R/flip_vs_d.caption" || { ok=0; echo "    caption"; }
    grep -q '!\[flip_vs_d\](flip_vs_d.png)' "$R/report.md" || { ok=0; echo "    report.md does not show the figure"; }
    [ $ok = 1 ] && pass figures_png_pdf_from_own_data || fail figures_png_pdf_from_own_data "see above"
else
    echo "SKIP figures_png_pdf_from_own_data: gnuplot not found (make deps installs gnuplot-nox)"
fi
# a report of a directory that is not a sweep
expect report_not_a_sweep 3 'plan.json' "$S" report "$tmp/notasweep"
exit $failed
