# make bench: performance measured side by side in one run (DESIGN.md
# "Performance", bench/README.md).  Included by GNUmakefile.
#   bench/step.c          train step vs its GEMMs, and the span-mode step
#   bench/torch_step.py   the same step in PyTorch float64 (Debian python3-torch)
#   bench/certify_time.c  certify (fast, mpfr) vs one plain forward+gradient pass
#   bench/polish.sh       the KKT polish against gradient descent (make bench-polish)
#   bench/sweep.sh        bin/sweep's wall time against its cells' (1 and 2 jobs)
#   bench/run.sh          runs everything, writes bench/out/ and bench/summary.json
BENCH_STEP    := $(BUILD)/bench/step
BENCH_CERTIFY := $(BUILD)/bench/certify_time

$(BUILD)/bench/%: bench/%.c $(LIBS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_ALL) $< $(LIBS) $(LDLIBS) $(LDFLAGS) -o $@

.PHONY: bench-train bench-sweep
# The sweep's overhead alone (bench/sweep.sh); `make bench` runs it too.
bench-sweep: $(PROGRAMS)
	@BIN=$(BIN) sh bench/sweep.sh

bench-train: $(BENCH_STEP)
	OPENBLAS_NUM_THREADS=1 $(BENCH_STEP)

.PHONY: bench-polish
bench-polish: $(PROGRAMS)
	@BIN=$(BIN) sh bench/polish.sh

bench: $(PROGRAMS) $(BENCH_STEP) $(BENCH_CERTIFY)
	@BUILD=$(BUILD) BIN=$(BIN) sh bench/run.sh
