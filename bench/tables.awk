# The tables of `make bench` (bench/run.sh): the markdown of bench/out/bench.md
# on stdout and bench/summary.json (the file named by -v summary), from the
# CSV files in this order: train.csv torch.csv certify.csv programs.csv
# exact.csv regime.csv. Variables (-v): torch (1 when PyTorch ran),
# coretype, load, date, summary, elapsed. In a file of its own so that
# tests/cli/bench_tables.sh runs it on small inputs (make check) and a
# syntax error cannot wait for a 6-minute benchmark to show.
function key(n, d, k) { return n "x" d "x" k }
function r(x) { return x == "" ? "-" : sprintf("%.3g", x) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 <= 0) ? "" : a / b }
# least-squares slope of log y against log x over the points of one sweep
function slope(xs, ys, cnt,    i, mx, my, sxx, sxy) {
    mx = my = sxx = sxy = 0
    for (i = 1; i <= cnt; i++) { mx += log(xs[i]); my += log(ys[i]) }
    mx /= cnt; my /= cnt
    for (i = 1; i <= cnt; i++) {
        sxx += (log(xs[i]) - mx) ^ 2; sxy += (log(xs[i]) - mx) * (log(ys[i]) - my)
    }
    return sxx > 0 ? sxy / sxx : ""
}
FNR == 1 { file = FILENAME; sub(".*/", "", file); next }
file == "train.csv"    { K = key($1, $2, $3); st[K] = $6; gm[K] = $8; ob[K] = $10; sp[K] = $11; ch[K] = $13; fr[K] = $14; tr_order[++ntr] = K }
file == "torch.csv"    { to[key($1, $2, $3)] = $6 }
file == "certify.csv"  { K = key($3, $4, $5); if ($2 == "fast") { pl[K] = $7; fa[K] = $8; far[K] = $9; ph[K] = $10 "," $11 "," $12 "," $13 "," $14; fl[K] = $15 "/" $16; cm[K] = $1 } else if ($2 == "mpfr") mp[K] = $8 }
file == "programs.csv" { K = key($2, $3, $4); pc[K, $5] = $6; pm[K, $5] = $8; pe[K, $5] = $9 }
file == "exact.csv"    { ex_shape = $1 "x" $2 "x" $3; ex_g = $4; ex_p = $5; ex_d = $6; ex_ns = $7; ex_pg = $8; ex_gd = $9; ex_ok = $10 }
file == "regime.csv"   { K = key($1, $2, $3); if (!(K in rg)) { rg[K] = 1; rg_order[++nrg] = K; rg_m[K] = $4 }
                         rg_file[K] = $5; rg_lim[K] = $9; rg_cpu[K, $10] = $11; rg_mem[K, $10] = $13 * 1024 }
END {
    print "# make bench (" date ")\n"
    print "OPENBLAS_NUM_THREADS=1 on both sides of every comparison; OPENBLAS_CORETYPE=" coretype "; load average at the end " load "; wall time of the whole run " elapsed " s. Times are process CPU time (minimum over repetitions); ratios are measured side by side in one run.\n"
    print "## Training: one gradient-descent step (ms)\n"
    print "| n, d, k | step | 2 GEMMs | step/GEMMs | OpenBLAS 2 GEMMs | PyTorch | step/PyTorch | PyTorch/GEMMs | span step | PyTorch/span | train picks |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= 6; i++) {
        K = tr_order[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", K, r(st[K]), r(gm[K]), r(ratio(st[K], gm[K])), r(ob[K]),
            (K in to) ? r(to[K]) : "skipped", r(ratio(st[K], to[K])), r(ratio(to[K], gm[K])), r(sp[K]), r(ratio(to[K], sp[K])),
            (ch[K] ? "span" : "direct") " (flops " sprintf("%.3g", fr[K]) "x)"
    }
    print "\n## Certify (fast engine) against one plain forward+gradient pass, MPFR, and the checker\n"
    print "Phases are wall seconds inside nrc_certify_run as multiples of the plain pass: margins (forward, fit), data (Gram, rho, z, Lipschitz), flips (with lower bounds), KKT (Gram of the h_i, NNLS), robust reference + theory.\n"
    print "| model n, d, k | plain pass s | certify s | certify/plain | margins | data | flips | KKT | robust+theory | flips certified | mpfr s | mpfr/fast | check/certify (programs) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    nc = split("100x100x100 200x200x200 400x400x400 1000x1000x1000 100x4000x1000", cl, " ")
    for (i = 1; i <= nc; i++) {
        K = cl[i]; split(ph[K], p, ",")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", K, r(pl[K]), r(fa[K]), r(far[K]),
            r(ratio(p[1], pl[K])), r(ratio(p[2], pl[K])), r(ratio(p[3], pl[K])), r(ratio(p[4], pl[K])), r(ratio(p[5], pl[K])),
            fl[K], (K in mp) ? r(mp[K]) : "not run", r(ratio(mp[K], fa[K])), r(ratio(pc[K, "check"], pc[K, "certify"]))
    }
    # exponents: sweeps around the base 200 x 800 x 200 and the n = d = k cubes
    print "\n## How cost grows: fitted exponent e in time ~ size^e (log-log least squares)\n"
    print "| quantity | n (100..400; d 800, k 200) | d (400..1600; n, k 200) | k (100..400; n 200, d 800) | n = d = k (train 250..2000, programs 100..1000) |"
    print "|---|---|---|---|---|"
    nq = split("step gemm span torch certify check mpfr", q, " ")
    for (j = 1; j <= nq; j++) {
        line = "| " q[j]
        for (dim = 1; dim <= 4; dim++) {
            cnt = 0
            # cubes: 250..2000 for the training rows, 100..1000 for the programs
            ncube = split((q[j] == "certify" || q[j] == "check" || q[j] == "mpfr") ? "100 200 400 1000" : "250 500 1000 2000", cube, " ")
            for (t = 1; t <= (dim == 4 ? ncube : 3); t++) {
                v = 100 * 2 ^ (t - 1)
                if (dim == 1) { K = key(v, 800, 200); x = v }
                else if (dim == 2) { K = key(200, 400 * 2 ^ (t - 1), 200); x = 400 * 2 ^ (t - 1) }
                else if (dim == 3) { K = key(200, 800, v); x = v }
                else { x = cube[t]; K = key(x, x, x) }
                if (q[j] == "step") y = st[K]; else if (q[j] == "gemm") y = gm[K]; else if (q[j] == "span") y = sp[K]
                else if (q[j] == "torch") y = to[K]; else if (q[j] == "certify") y = fa[K]; else if (q[j] == "mpfr") y = mp[K]
                else y = pc[K, "check"]
                if (y != "" && y + 0 > 0) { cnt++; xs[cnt] = x; ys[cnt] = y }
            }
            e = cnt >= 2 ? slope(xs, ys, cnt) : ""
            line = line " | " r(e)
            if (q[j] == "mpfr" && dim == 4) e_mpfr = e
            if (q[j] == "certify" && dim == 4) e_fast = e
        }
        print line " |"
    }
    if (ex_shape != "") {
        print "\n## Exact products of the checker: X W^T at " ex_shape " (bench/exact_gemm.c)\n"
        print "Digit kernels (nrc_cfix_gemm) against the pair-by-pair kernels the claim checks call (nrc_cfix_dot) and against the binary64 product (nrc_dgemm); CPU seconds, one thread.\n"
        print "| digit kernels s | ns per term | pair by pair s | pairs / digits | binary64 s | digits / binary64 | same values |"
        print "|---|---|---|---|---|---|---|"
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", r(ex_g), r(ex_ns), r(ex_p), r(ex_pg), r(ex_d), r(ex_gd), ex_ok
    }
    print "\n## Peak memory (MB, maximum resident set) and CPU seconds of each program\n"
    print "| model n, d, k | train | certify | certify --check | train s | certify s | check s |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= nc; i++) {
        K = cl[i]
        printf "| %s | %.1f | %.1f | %.1f | %s | %s | %s |\n", K, pm[K, "train"] / 1024, pm[K, "certify"] / 1024, pm[K, "check"] / 1024,
            r(pc[K, "train"]), r(pc[K, "certify"]), r(pc[K, "check"])
    }
    # summary at n = d = k = 1000
    K = "1000x1000x1000"
    fvm = ratio(mp[K], fa[K]); how = fvm == "" ? "not measured" : "measured"
    if (fvm == "" && e_mpfr != "" && mp["400x400x400"] != "") {
        fvm = ratio(mp["400x400x400"] * 2.5 ^ e_mpfr, fa[K]); how = "extrapolated from mpfr at 400^3 with the fitted n = d = k exponent"
    }
    printf "{\n  \"date\": \"%s\",\n  \"openblas_num_threads\": 1,\n  \"openblas_coretype\": \"%s\",\n  \"load_average\": \"%s\",\n", date, coretype, load > summary
    printf "  \"shape\": {\"n\": 1000, \"d\": 1000, \"k\": 1000},\n" > summary
    printf "  \"train_step_vs_gemm\": %s,\n", js(ratio(st[K], gm[K])) > summary
    printf "  \"train_step_vs_torch\": %s,\n", js(ratio(st[K], to[K])) > summary
    printf "  \"torch_vs_gemm\": %s,\n", js(ratio(to[K], gm[K])) > summary
    printf "  \"span_step_vs_gemm\": %s,\n", js(ratio(sp[K], gm[K])) > summary
    printf "  \"span_step_vs_torch_at_50x2000x1000\": %s,\n", js(ratio(sp["50x2000x1000"], to["50x2000x1000"])) > summary
    printf "  \"certify_vs_forward\": %s,\n", js(far[K]) > summary
    printf "  \"fast_vs_mpfr\": %s,\n  \"fast_vs_mpfr_how\": \"%s\",\n", js(fvm), how > summary
    printf "  \"check_vs_certify\": %s,\n", js(ratio(pc[K, "check"], pc[K, "certify"])) > summary
    printf "  \"exact_xwt\": {\"shape\": \"%s\", \"digits_s\": %s, \"pairs_vs_digits\": %s, \"digits_vs_binary64\": %s},\n", ex_shape, js(ex_g), js(ex_pg), js(ex_gd) > summary
    printf "  \"peak_mb\": {\"train\": %.1f, \"certify\": %.1f, \"check\": %.1f},\n", pm[K, "train"] / 1024, pm[K, "certify"] / 1024, pm[K, "check"] / 1024 > summary
    # the regime shapes (bench/regime.sh): check is bin/nrc-check there
    printf "  \"regime\": [" > summary
    for (i = 1; i <= nrg; i++) {
        R = rg_order[i]; split(R, sh, "x")
        printf "%s\n    {\"n\": %s, \"d\": %s, \"k\": %s, \"m\": %s, \"file_mb\": %.1f, \"limit_s\": %s,\n     \"certify_vs_limit\": %s, \"check_vs_limit\": %s, \"check_vs_certify\": %s,\n     \"peak_over_file\": {\"train\": %s, \"certify\": %s, \"check\": %s}}", (i > 1 ? "," : ""),
            sh[1], sh[2], sh[3], rg_m[R], rg_file[R] / 1e6, js(rg_lim[R]), js(ratio(rg_cpu[R, "certify"], rg_lim[R])),
            js(ratio(rg_cpu[R, "check"], rg_lim[R])), js(ratio(rg_cpu[R, "check"], rg_cpu[R, "certify"])),
            js(ratio(rg_mem[R, "train"], rg_file[R])), js(ratio(rg_mem[R, "certify"], rg_file[R])), js(ratio(rg_mem[R, "check"], rg_file[R])) > summary
    }
    printf "\n  ]\n}\n" > summary
    print "\nbench/summary.json: fast_vs_mpfr at 1000^3 " how "."
}
function js(x) { return x == "" ? "null" : sprintf("%.4g", x) }
