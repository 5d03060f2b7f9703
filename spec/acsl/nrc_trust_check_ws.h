/* Contracts of the trust base for the proof of src/check/check_ws.c (make
 * proofs pre-includes this file for the proofs/FILES line that names it
 * with +include=spec/acsl/nrc_trust_check_ws.h; the compiler never sees
 * it): the typed block allocators of the workspace. Each body calls
 * nrc_malloc_array (or nrc_calloc) and initializes every entry; WP does not
 * analyse it (it converts nrc_malloc's void *). Listed in proofs/README.md.
 *
 * A fresh block is apart from every block live at the call; WP in Frama-C
 * 25 has no \fresh, so the caller names the blocks it holds in ghost
 * parameters (g: the workspace's blocks so far, NULL where not yet
 * allocated; the report; the error record), as src/core/model.c's
 * alloc_meta does. */
#ifndef NRC_ACSL_TRUST_CHECK_WS_H
#define NRC_ACSL_TRUST_CHECK_WS_H
#include "nrc_check_ws.h"

/* count exact vectors, each nrc_cfix_init'ed (len 0, buffers NULL). */
/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static nrc_cfix *cfix_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/* count dyadics, each nrc_cdy_init'ed. */
/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static nrc_cdy *cdy_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static double *double_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static size_t *size_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static unsigned char *byte_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/*@ assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. count - 1)) && nrc_ws_fresh(\base_addr(\result), g, rep, err));
*/
static uint64_t *u64_block(size_t count)
    /*@ ghost (nrc_check_ws g, nrc_check_report *rep, nrc_error *err) */;

/* The releases: every entry cleared (exact vectors, dyadics), the block
 * freed (NULL: nothing). WP does not model deallocation. */
/*@ requires a == \null || \valid(a + (0 .. count - 1));
    assigns \nothing; */
static void cfix_block_free(nrc_cfix *a, size_t count);
/*@ requires a == \null || \valid(a + (0 .. count - 1));
    assigns \nothing; */
static void cdy_block_free(nrc_cdy *a, size_t count);
/*@ assigns \nothing; */
static void double_block_free(double *a);
/*@ assigns \nothing; */
static void size_block_free(size_t *a);
/*@ assigns \nothing; */
static void byte_block_free(unsigned char *a);
/*@ assigns \nothing; */
static void u64_block_free(uint64_t *a);

#endif
