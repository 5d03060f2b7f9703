# make bench: performance measured side by side in one run (DESIGN.md).
# Training part: one training step vs the two GEMMs of that step (bench/step.c).
# Included by GNUmakefile (-include bench/bench.mk); other parts hang their
# own targets on `bench` the same way.
BENCH_STEP := $(BUILD)/bench/step

$(BENCH_STEP): bench/step.c $(LIBS) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(LIBS) $(LDLIBS) $(LDFLAGS) -o $@

.PHONY: bench-train
bench-train: $(BENCH_STEP)
	OPENBLAS_NUM_THREADS=1 $(BENCH_STEP)

bench: bench-train
