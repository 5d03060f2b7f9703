# make bench: performance measured side by side in one run (DESIGN.md
# "Performance", bench/README.md).  Included by GNUmakefile.
#   bench/step.c          train step vs its GEMMs, and the span-mode step
#   bench/torch_step.py   the same step in PyTorch float64 (Debian python3-torch)
#   bench/certify_time.c  certify (fast, mpfr) vs one plain forward+gradient pass
#   bench/exact_gemm.c    the checker's exact X W^T: digit kernels vs pairs vs dgemm
#   bench/polish.sh       the KKT polish against gradient descent (make bench-polish)
#   bench/sweep.sh        bin/sweep's wall time against its cells' (1 and 2 jobs)
#   bench/regime.sh       the paper's regime shapes (d >> n^2): CPU time and peak
#                         memory of train, certify, nrc-check against the file
#                         and against the limit (bench/limit.c)
#   bench/run.sh          runs everything, writes bench/out/ and bench/summary.json
BENCH_STEP    := $(BUILD)/bench/step
BENCH_CERTIFY := $(BUILD)/bench/certify_time
BENCH_LIMIT   := $(BUILD)/bench/limit
BENCH_EXACT   := $(BUILD)/bench/exact_gemm

$(BUILD)/bench/%: bench/%.c bench/plain_pass.h $(LIBS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_ALL) $< $(LIBS) $(LDLIBS) $(LDFLAGS) -o $@

.PHONY: bench-train bench-sweep bench-regime
# The regime shapes alone (bench/regime.sh, ~2-4 min); `make bench` runs them too.
bench-regime: $(PROGRAMS) $(BENCH_LIMIT)
	@BUILD=$(BUILD) BIN=$(BIN) sh bench/regime.sh
# The sweep's overhead alone (bench/sweep.sh); `make bench` runs it too.
bench-sweep: $(PROGRAMS)
	@BIN=$(BIN) sh bench/sweep.sh

bench-train: $(BENCH_STEP)
	OPENBLAS_NUM_THREADS=1 $(BENCH_STEP)

.PHONY: bench-polish
bench-polish: $(PROGRAMS)
	@BIN=$(BIN) sh bench/polish.sh

bench: $(PROGRAMS) $(BENCH_STEP) $(BENCH_CERTIFY) $(BENCH_LIMIT) $(BENCH_EXACT)
	@BUILD=$(BUILD) BIN=$(BIN) sh bench/run.sh
