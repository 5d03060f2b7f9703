/* Stand-in for GCC's <xmmintrin.h> under Frama-C (make proofs only; the
 * compiler uses its own header): the one intrinsic the sources call.
 * TRUST BASE: reads the MXCSR register, nothing else. */
#ifndef NRC_ACSL_XMMINTRIN_H
#define NRC_ACSL_XMMINTRIN_H
/*@ assigns \result \from \nothing; */
unsigned int _mm_getcsr(void);
#endif
