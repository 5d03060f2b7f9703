/* Contracts of the trust base for the check proofs (make proofs pre-includes
 * this file for the proofs/FILES lines that name it with
 * +include=spec/acsl/nrc_trust_check.h; the compiler never sees it). Functions
 * declared here are called by proved files but not proved themselves; each
 * is listed in proofs/README.md. */
#ifndef NRC_ACSL_TRUST_CHECK_H
#define NRC_ACSL_TRUST_CHECK_H

#endif
