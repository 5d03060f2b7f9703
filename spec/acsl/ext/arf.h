/* Stand-in for Arb's <arf.h> under Frama-C (make proofs only; the compiler
 * uses the real header): the type names the project headers mention and the
 * two functions src/certify/engine_fast.c's (unproved) self-test calls.
 * The proved functions make no use of Arb. TRUST BASE: arf_init / arf_clear
 * touch only the given number. */
#ifndef NRC_ACSL_ARF_H
#define NRC_ACSL_ARF_H
typedef struct {
    long exp_stub;
    long mant_stub[2];
} arf_struct;
typedef arf_struct arf_t[1];
typedef arf_struct *arf_ptr;
typedef const arf_struct *arf_srcptr;

/*@ requires \valid(x); assigns *x; */
void arf_init(arf_ptr x);
/*@ requires \valid(x); assigns *x; */
void arf_clear(arf_ptr x);
#endif
