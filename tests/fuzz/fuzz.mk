# Fuzzing (included from GNUmakefile).  See spec/HOSTILE.md.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_READERS="model cert safetensors numpy examples"]
#                                 run each libFuzzer harness for FUZZ_SECONDS
#                                 (clang -fsanitize=fuzzer,address,undefined),
#                                 seeded with the committed corpus; new inputs
#                                 go to build/fuzz/corpus-<reader>/, crashes to
#                                 build/fuzz/crash-<reader>-*.
#   make fuzz-merge               add to the committed corpus only the new
#                                 inputs that increase coverage (libFuzzer
#                                 -merge=1), for review before committing.
# `make check` replays the committed corpus through the same harness functions
# compiled by gcc: tests/t-fuzz_replay.c includes tests/fuzz/fuzz_*.c.

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
# -gdwarf-4: valgrind 3.19 cannot read clang 14's default DWARF 5.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer -g -gdwarf-4 -O1
FUZZ_CFLAGS  := -std=c17 $(WARN) $(NUMERIC) -D_GNU_SOURCE -DNRC_VERSION='"$(VERSION)"' \
                $(INC_ALL)
# The readers under test and what they need: src/core (model reader, I/O,
# SHA-256), src/check (certificate parser, exact claim checks) and
# src/interop (safetensors, .npy, .npz through libzip).
FUZZ_OBJ     := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(SRC_core) $(SRC_check) $(SRC_interop))
# The readers: make fuzz runs each in turn (FUZZ_READERS=numpy: only that one).
FUZZ_READERS ?= model cert safetensors numpy examples
# Longest input tried (bytes): models of a few neurons, certificates for them.
FUZZ_MAXLEN  := 16384

.SECONDARY: $(FUZZ_OBJ)

$(FUZZ_DIR)/obj/%.o: src/%.c $(HEADERS) GNUmakefile tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/fuzz/fuzz_tensor.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -DNRC_FUZZ_LIBFUZZER -Itests/fuzz \
	    $< $(FUZZ_OBJ) $(LDLIBS) -o $@

# The replay test includes the harness sources.
$(BUILD)/tests/t-fuzz_replay: tests/fuzz/fuzz_model.c tests/fuzz/fuzz_cert.c tests/fuzz/fuzz_common.h \
    tests/fuzz/fuzz_safetensors.c tests/fuzz/fuzz_numpy.c tests/fuzz/fuzz_examples.c tests/fuzz/fuzz_tensor.h

.PHONY: fuzz fuzz-build fuzz-merge
fuzz-build: $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_READERS))

fuzz: fuzz-build
	@for r in $(FUZZ_READERS); do \
	    mkdir -p $(FUZZ_DIR)/corpus-$$r; \
	    echo "fuzz: $$r reader for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_DIR)/fuzz_$$r -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN) \
	        -timeout=10 -print_final_stats=1 \
	        -dict=tests/fuzz/$$r.dict -artifact_prefix=$(FUZZ_DIR)/crash-$$r- \
	        $(FUZZ_DIR)/corpus-$$r tests/fuzz/corpus/$$r || exit 1; \
	done

fuzz-merge: fuzz-build
	@for r in $(FUZZ_READERS); do \
	    mkdir -p $(FUZZ_DIR)/corpus-$$r; \
	    $(FUZZ_DIR)/fuzz_$$r -merge=1 -max_len=$(FUZZ_MAXLEN) \
	        tests/fuzz/corpus/$$r $(FUZZ_DIR)/corpus-$$r || exit 1; \
	done

# `make valgrind-cli`: every CLI script (tests/cli/*.sh) with bin/train and
# bin/certify run under valgrind memcheck (errors and definite/indirect
# leaks turn into exit 99, which the scripts report as a failed case).
# gcc's default DWARF 5 is read by valgrind 3.19; clang objects would need
# -gdwarf-4 (the fuzz objects above use it).  The programs are copied first,
# so that a concurrent relink of bin/ cannot interfere with the long run.
VALGRIND_BIN := $(BUILD)/valgrind-bin
.PHONY: valgrind-cli
valgrind-cli: $(PROGRAMS) $(TESTS)
	@mkdir -p $(VALGRIND_BIN)
	@for p in train certify; do \
	    cp $(BIN)/$$p $(VALGRIND_BIN)/$$p.real; \
	    printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 %s "$$@"\n' \
	        "$(abspath $(VALGRIND_BIN))/$$p.real" > $(VALGRIND_BIN)/$$p; \
	    chmod +x $(VALGRIND_BIN)/$$p; \
	done
	@pass=0; fail=0; for s in tests/cli/*.sh; do \
	    BUILD=$(BUILD) BIN=$(VALGRIND_BIN) OPENBLAS_NUM_THREADS=1 sh $$s > $(VALGRIND_BIN)/out 2>&1; \
	    p=$$(grep -c '^PASS ' $(VALGRIND_BIN)/out); f=$$(grep -c '^FAIL ' $(VALGRIND_BIN)/out); \
	    grep '^FAIL ' $(VALGRIND_BIN)/out | head -20; \
	    printf '%-36s %4d passed %4d failed (valgrind)\n' "cli/$$(basename $$s .sh)" $$p $$f; \
	    pass=$$((pass + p)); fail=$$((fail + f)); \
	done; echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]
