/* ACSL logic for the checker's claim evaluation (src/check/check_*.c):
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
  // Sizes the reader accepts: n, d, k >= 1, each at most NRC_MODEL_DIM_MAX
  // = 2^31, so every product of two sizes fits 64 bits.
  predicate nrc_check_sizes(integer n, integer d, integer k) =
      1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX &&
      1 <= k <= NRC_MODEL_DIM_MAX &&
      n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;

  // A network's sizes and arrays, as the reader leaves them: every array
  // allocated with its size (b NULL without the bias flag, Xt read only
  // when m > 0). Stated on values, so that the model (nrc_check_model_ok)
  // and the checker's view of it (nrc_cnet_ok) are the same predicate on
  // the same values: the provers then need no arithmetic to pass from one
  // to the other (restated, the products timed out).
  predicate nrc_net_arrays(integer n, integer d, integer k, integer m, double *W,
                           double *b, double *v, double *X, double *y, double *Xt) =
      nrc_check_sizes(n, d, k) && m <= NRC_MODEL_DIM_MAX && m * d <= SIZE_MAX &&
      \valid_read(W + (0 .. k * d - 1)) &&
      (b == \null || \valid_read(b + (0 .. k - 1))) &&
      \valid_read(v + (0 .. k - 1)) && \valid_read(X + (0 .. n * d - 1)) &&
      \valid_read(y + (0 .. n - 1)) &&
      (m == 0 || \valid_read(Xt + (0 .. m * d - 1)));

  // The reader (nrc_model_parse, nrc_model_read): the sizes and arrays of
  // the model, and the test labels when m > 0.
  predicate nrc_check_model_ok(nrc_model *M) =
      \valid_read(M) &&
      nrc_net_arrays(M->n, M->d, M->k, M->m, M->W, M->b, M->v, M->X, M->y, M->Xt) &&
      (M->m == 0 || \valid_read(M->yt + (0 .. M->m - 1)));

  // nrc_cert_parse: the arrays of the certificate, each allocated with its
  // size: direction.indices (n_indices entries unless "all",
  // parse_direction), flips (n_flips entries, parse_flips),
  // lipschitz.neuron_norm_upper (k values when present, parse_lipschitz),
  // kkt.lambda (n values) and kkt.kinks (n_kinks entries) when the KKT
  // claims are asserted (parse_kkt). What the entries hold (indices in
  // range, ascending) the checks do not assume: they test what they use.
  predicate nrc_cert_arrays(nrc_cert *C, integer n, integer k) =
      (C->dir_all == 0 ==>
         C->n_indices == 0 || \valid_read(C->indices + (0 .. C->n_indices - 1))) &&
      (C->n_flips == 0 || \valid_read(C->flips + (0 .. C->n_flips - 1))) &&
      (C->has_lipschitz != 0 ==> \valid_read(C->neuron_norm_upper + (0 .. k - 1))) &&
      (C->kkt_certified != 0 ==>
         \valid_read(C->lambda + (0 .. n - 1)) &&
         (C->n_kinks == 0 || \valid_read(C->kinks + (0 .. C->n_kinks - 1))));

  // nrc_cert_parse: n, d, k >= 1 and each size within NRC_MODEL_DIM_MAX
  // (parse_header), and the arrays.
  predicate nrc_check_cert_ok(nrc_cert *C) =
      \valid_read(C) &&
      1 <= C->n <= NRC_MODEL_DIM_MAX && 1 <= C->d <= NRC_MODEL_DIM_MAX &&
      1 <= C->k <= NRC_MODEL_DIM_MAX && C->m <= NRC_MODEL_DIM_MAX &&
      nrc_cert_arrays(C, C->n, C->k);

  // Row-major index bounds (the provers do not find these products alone).
  lemma nrc_check_row_fits:
      \forall integer i, n, d; 0 <= i < n && 0 <= d ==> i * d + d <= n * d;
  lemma nrc_check_index2:
      \forall integer i, j, n, k; 0 <= i < n && 0 <= j < k ==> 0 <= i * k + j < n * k;
*/

#endif
