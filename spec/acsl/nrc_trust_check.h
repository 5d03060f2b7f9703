/* Contracts of the trust base for the check proofs (make proofs pre-includes
 * this file for the proofs/FILES lines that name it with
 * +include=spec/acsl/nrc_trust_check.h; the compiler never sees it). Functions
 * declared here are called by proved files but not proved themselves; each
 * is listed in proofs/README.md. */
#ifndef NRC_ACSL_TRUST_CHECK_H
#define NRC_ACSL_TRUST_CHECK_H
#include "nrc_alloc.h"

/* src/core/alloc.c: releases a block from nrc_malloc (or NULL); WP does not
 * model deallocation, so only "writes nothing the caller can see". Used by
 * check_report.c's nrc_check_show on the string of nrc_cdy_get_hex. */
/*@ assigns \nothing; */
void nrc_free(void *p);

#endif
