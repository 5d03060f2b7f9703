/* ACSL logic for the training kernels (include/train/nrc_train.h; spec/TRAINING.md):
 * seen only by Frama-C (include/train/nrc_train.h includes it under
 * #ifdef __FRAMAC__). WP uses the lemmas as hypotheses of every goal of a
 * file that includes this one; the gate's lemma run (proofs/run.sh) proves
 * them once per such file. The ghost lemma functions are proved as ordinary
 * functions (selected in proofs/FILES). */
#ifndef NRC_TRAIN_ACSL_H
#define NRC_TRAIN_ACSL_H

/*@
  // Products of non-negative integers are non-negative: with it in context
  // the provers prove nrc_train_row_end's postcondition.
  lemma nrc_train_mul_nonneg:
      \forall integer a, b; 0 <= a && 0 <= b ==> 0 <= a * b;
*/

/* A lemma function (ghost code: the compiler never sees it): row i of a
 * row-major (rows, cols) matrix ends within the matrix. Called as
 * `ghost nrc_train_row_end(i, rows, cols)` before the loop over row i, its
 * postcondition makes the bounds of i * cols + j linear facts for the
 * provers, which prove the nested bound in a small context (here) but not
 * in the context of a kernel (measured: Z3 and CVC5 time out on
 * i * k + k <= n * k as an assertion in nrc_train_forward_d). Every proved
 * file that calls it selects it with -wp-fct, so its contract is proved. */
/*@ ghost
  /@ requires 0 <= i < rows;
     assigns \nothing;
     ensures i * cols + cols <= rows * cols;
  @/
  static void nrc_train_row_end(size_t i, size_t rows, size_t cols) { }
*/

/* Likewise, element i <= last of a strided vector is within its range:
 * i * inc <= last * inc. */
/*@ ghost
  /@ requires 0 <= i <= last;
     assigns \nothing;
     ensures i * inc <= last * inc;
  @/
  static void nrc_train_mul_le(size_t i, size_t last, size_t inc) { }
*/

#endif
