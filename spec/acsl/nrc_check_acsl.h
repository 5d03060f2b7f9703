/* ACSL logic for the checker's claim evaluation (src/check/check_claims.c):
 * what a model accepted by the reader and a certificate accepted by
 * nrc_cert_parse look like in memory. Seen only by Frama-C
 * (include/check/nrc_check_cert.h includes it under #ifdef __FRAMAC__).
 *
 * ASSUMED, not proved (the reader and the parser are not proved to
 * establish these): nrc_model_parse / nrc_model_read leave a model with
 * nrc_check_model_ok, and nrc_cert_parse (src/check/check_parse.c) a
 * certificate with nrc_check_cert_ok. Each conjunct below names the check of
 * the reader or parser that gives it. */
#ifndef NRC_CHECK_ACSL_H
#define NRC_CHECK_ACSL_H

/*@
  // The reader: n, d, k >= 1, each size within NRC_MODEL_DIM_MAX (so every
  // product of two sizes fits 64 bits), and every array allocated with its
  // size (b only with the bias flag, Xt and yt only when m > 0).
  predicate nrc_check_model_ok(nrc_model *M) =
      \valid_read(M) &&
      1 <= M->n <= NRC_MODEL_DIM_MAX && 1 <= M->d <= NRC_MODEL_DIM_MAX &&
      1 <= M->k <= NRC_MODEL_DIM_MAX && M->m <= NRC_MODEL_DIM_MAX &&
      M->n * M->d <= SIZE_MAX && M->k * M->d <= SIZE_MAX &&
      M->m * M->d <= SIZE_MAX && M->n * M->k <= SIZE_MAX &&
      \valid_read(M->W + (0 .. M->k * M->d - 1)) &&
      (M->b == \null || \valid_read(M->b + (0 .. M->k - 1))) &&
      \valid_read(M->v + (0 .. M->k - 1)) &&
      \valid_read(M->X + (0 .. M->n * M->d - 1)) &&
      \valid_read(M->y + (0 .. M->n - 1)) &&
      (M->m == 0 || (\valid_read(M->Xt + (0 .. M->m * M->d - 1)) &&
                     \valid_read(M->yt + (0 .. M->m - 1))));

  // nrc_cert_parse: n, d, k >= 1 and each size within NRC_MODEL_DIM_MAX
  // (parse_header); direction.indices: n_indices entries, each <= n - 1
  // (parse_direction; "all" sets dir_all and leaves none); flips: n_flips
  // entries in order, train entry r has index r < n, test entry r has index
  // r - n_train < m (parse_flips); lipschitz: k upper bounds when present
  // (parse_lipschitz); kkt, when certified: n multipliers and n_kinks kinks
  // with i <= n - 1, j <= k - 1 (parse_kkt).
  predicate nrc_check_cert_ok(nrc_cert *C) =
      \valid_read(C) &&
      1 <= C->n <= NRC_MODEL_DIM_MAX && 1 <= C->d <= NRC_MODEL_DIM_MAX &&
      1 <= C->k <= NRC_MODEL_DIM_MAX && C->m <= NRC_MODEL_DIM_MAX &&
      (C->dir_all == 0 ==>
         (C->n_indices == 0 || \valid_read(C->indices + (0 .. C->n_indices - 1))) &&
         (\forall integer u; 0 <= u < C->n_indices ==> C->indices[u] < C->n)) &&
      (C->n_flips == 0 || \valid_read(C->flips + (0 .. C->n_flips - 1))) &&
      (\forall integer r; 0 <= r < C->n_flips ==>
         (C->flips[r].test == 0 ==> C->flips[r].index < C->n) &&
         (C->flips[r].test != 0 ==> C->flips[r].index < C->m)) &&
      (C->has_lipschitz != 0 ==> \valid_read(C->neuron_norm_upper + (0 .. C->k - 1))) &&
      (C->kkt_certified != 0 ==>
         \valid_read(C->lambda + (0 .. C->n - 1)) &&
         (C->n_kinks == 0 || \valid_read(C->kinks + (0 .. C->n_kinks - 1))) &&
         (\forall integer t; 0 <= t < C->n_kinks ==>
            C->kinks[t].i < C->n && C->kinks[t].j < C->k));

  // Row-major index bounds (the provers do not find these products alone).
  lemma nrc_check_row_fits:
      \forall integer i, n, d; 0 <= i < n && 0 <= d ==> i * d + d <= n * d;
  lemma nrc_check_index2:
      \forall integer i, j, n, k; 0 <= i < n && 0 <= j < k ==> 0 <= i * k + j < n * k;
*/

#endif
