/* Exact products of many vectors for the checker (src/check/check_fix.c):
 * the GMP glue over the digit kernels of include/check/nrc_check_digits.h. */
#ifndef NRC_CHECK_GEMM_H
#define NRC_CHECK_GEMM_H
#include "nrc_check_digits.h"
#include "nrc_check_exact.h"

/* Exact products of many vectors (check_fix.c): C[i ldc + j] = <A[i], B[j]>
 * for i < na, j < nb, every vector of the same length. Through the digit
 * kernels (include/check/nrc_check_kernels.h) when every magnitude fits
 * 104 bits, blocked so that the work buffers stay small (about 3 MB)
 * whatever the sizes; otherwise pair by pair with nrc_cfix_dot. The same
 * values as nrc_cfix_dot for every pair. NRC_ERR_SYSTEM when memory runs
 * out (C is then partly written). */
/*@ requires na == 0 || \valid_read(A + (0 .. na - 1));
    requires nb == 0 || \valid_read(B + (0 .. nb - 1));
    requires \forall integer i; 0 <= i < na ==> nrc_cfix_valid((nrc_cfix *)&A[i]);
    requires \forall integer j; 0 <= j < nb ==> nrc_cfix_valid((nrc_cfix *)&B[j]);
    requires ldc >= nb && (na == 0 || \valid(C + (0 .. (na - 1) * ldc + nb - 1)));
    requires err == \null || \valid(err);
    assigns C[0 .. (na - 1) * ldc + nb - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_cfix_gemm(nrc_cdy *C, size_t ldc, const nrc_cfix *A, size_t na,
                         const nrc_cfix *B, size_t nb, nrc_error *err);

#endif
