/* Contracts of the trust base for the train proofs (make proofs pre-includes
 * this file for the proofs/FILES lines that name it with
 * +include=spec/acsl/nrc_trust_train.h; the compiler never sees it). Functions
 * declared here are called by proved files but not proved themselves; each
 * is listed in proofs/README.md. */
#ifndef NRC_ACSL_TRUST_TRAIN_H
#define NRC_ACSL_TRUST_TRAIN_H

#endif
