/* Stand-in for <gmp.h> seen only by Frama-C (make proofs): the Debian header
 * is not on Frama-C's include path (it runs with -nostdinc), and only the
 * type names are needed by the proved files (include/check/nrc_check_exact.h:
 * nrc_cdy holds an mpz_t). Same type names and layout as GMP 6 on x86_64.
 * TRUST BASE: GMP itself (its arithmetic is used by the unproved
 * src/check/check_dy.c and check_fix.c, whose contracts are in
 * include/check/nrc_check_exact.h). */
#ifndef NRC_ACSL_EXT_GMP_H
#define NRC_ACSL_EXT_GMP_H
#include <stddef.h>

typedef unsigned long int mp_limb_t;
typedef unsigned long int mp_bitcnt_t;
typedef long int mp_size_t;
typedef struct {
    int _mp_alloc;
    int _mp_size;
    mp_limb_t *_mp_d;
} __mpz_struct;
typedef __mpz_struct mpz_t[1];
typedef __mpz_struct *mpz_ptr;
typedef const __mpz_struct *mpz_srcptr;

#endif
