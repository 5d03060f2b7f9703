# make proofs: Frama-C WP (RTE guards, Z3/CVC5/CVC4 through Why3) over the
# files listed in proofs/FILES; fails unless every goal is proved and no
# count fell below proofs/baseline. See proofs/README.md.
# Variables passed through: PROOFS_ONLY, PROOFS_SMOKE, PROOFS_CACHE,
# PROOFS_PAR, PROOFS_PRUNE, PROOFS_UPDATE_BASELINE, PROOFS_VERBOSE (proofs/run.sh).
# The WP cache is committed packed, one file per proved file, in
# proofs/cache/ (proofs/cache.sh; proofs/README.md "The cache").
.PHONY: proofs proofs-baseline
proofs: deps-proofs
	@sh proofs/run.sh

# Rewrite proofs/baseline from a fully green run (then commit it).
proofs-baseline: deps-proofs
	@PROOFS_UPDATE_BASELINE=1 sh proofs/run.sh
