/* ACSL logic for the training kernels (include/nrc_train.h; spec/TRAINING.md):
 * seen only by Frama-C (include/nrc_train.h includes it under
 * #ifdef __FRAMAC__). The lemmas are proved as goals of every proof that
 * includes this file. */
#ifndef NRC_TRAIN_ACSL_H
#define NRC_TRAIN_ACSL_H

/*@
  // Row i of a row-major (rows, cols) matrix ends within the matrix:
  // i * cols + cols <= rows * cols. Asserted before the loops over a row so
  // that the provers see linear facts (nested products defeat Z3 and CVC5).
  lemma nrc_train_row_end:
      \forall integer i, rows, cols;
          0 <= i < rows && 0 <= cols ==> i * cols + cols <= rows * cols;
*/

#endif
