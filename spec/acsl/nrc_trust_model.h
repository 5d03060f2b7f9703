/* Contracts of the trust base for the proof of src/core/model.c (make
 * proofs pre-includes this file for the proofs/FILES line that names it with
 * +include=spec/acsl/nrc_trust_model.h; the compiler never sees it).
 * Functions declared here are called by proved functions of model.c but not
 * proved themselves; each is listed in proofs/README.md. Each contract is
 * the least the callers need. */
#ifndef NRC_ACSL_TRUST_MODEL_H
#define NRC_ACSL_TRUST_MODEL_H
#include "nrc_alloc.h"

/* src/core/alloc.c: releases a block from nrc_malloc (or does nothing for
 * NULL); WP does not model deallocation, so only "writes nothing the caller
 * can see". The proved callers (nrc_model_clear) set the pointers to NULL
 * right after. Called with a char * (the metadata): a byte cast. */
/*@ assigns \nothing; */
void nrc_free(void *p);

/* src/core/model.c: nrc_free of an array of doubles (the cast to void * is
 * in its body, which is not analysed). */
/*@ assigns \nothing; */
static void free_reals(double *p);

#endif
