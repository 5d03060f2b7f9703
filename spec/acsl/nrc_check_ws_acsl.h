/* ACSL logic of the checker's claim evaluation (include/check/nrc_check_ws.h
 * includes it under #ifdef __FRAMAC__): the model as the steps read it, the
 * exact rows, the workspace and its size table. Seen only by Frama-C.
 *
 * Everything here is stated on VALUES (a struct passed by value is a logic
 * record for WP): what the driver knows about the pointers never needs a
 * frame. Only the rows' well-formedness (nrc_rows_valid, nrc_rows_len) is
 * about memory the steps write; the driver carries it across each step. */
#ifndef NRC_CHECK_WS_ACSL_H
#define NRC_CHECK_WS_ACSL_H

/*@
  // The model as the steps read it (what nrc_check_model_ok gives, on
  // the values the driver reads).
  predicate nrc_cnet_ok(nrc_cnet N) =
      nrc_net_arrays(N.n, N.d, N.k, N.m, (double *)N.W, (double *)N.b, (double *)N.v,
                     (double *)N.X, (double *)N.y, (double *)N.Xt);

  // The certificate's arrays as the steps get them (what nrc_cert_arrays
  // gives, on values).
  predicate nrc_cert_view_ok(nrc_cert_view V, integer n, integer k) =
      (V.dir_all == 0 ==> V.n_indices == 0 || \valid_read(V.indices + (0 .. V.n_indices - 1))) &&
      (V.nnu == \null || \valid_read(V.nnu + (0 .. k - 1))) &&
      (V.n_flips == 0 || \valid_read(V.flips + (0 .. V.n_flips - 1))) &&
      (V.kkt != 0 ==>
         \valid_read(V.lambda + (0 .. n - 1)) &&
         (V.n_kinks == 0 || \valid_read(V.kinks + (0 .. V.n_kinks - 1))));

  // R[0 .. n - 1] are well-formed exact vectors (nrc_rows_valid) of
  // length d (nrc_rows_len): the exact rows of a matrix. Two predicates,
  // one quantifier each, stated in separate clauses: carried across a call
  // that writes elsewhere, each proves in a fraction of a second, where the
  // single "\forall j; valid && len == d" timed out (proofs/README.md).
  predicate nrc_rows_valid(nrc_cfix *R, integer n) =
      \forall integer j; 0 <= j < n ==> nrc_cfix_valid(&R[j]);
  predicate nrc_rows_len(nrc_cfix *R, integer n, integer d) =
      \forall integer j; 0 <= j < n ==> R[j].len == d;

  // The size table of the workspace (check_ws.c): the exact vectors
  // Xr | Wr | Xc (z in a block of its own), and the dyadics in the order of
  // the steps that write them, so that each step writes one range:
  // A | At | q | xxt | ww | qmin | T_full | T_wb (nrc_check_net),
  // xx | wz | rho | Rmin | Rmax | zz | gz (nrc_check_data_q),
  // ap (nrc_check_flips), S | res (nrc_check_kkt).
  logic integer nrc_ws_nfix(integer n, integer d, integer k) = n + k + d;
  logic integer nrc_ws_nnet(integer n, integer k, integer m) = (n + m) * k + n + m + k + 3;
  logic integer nrc_ws_ndata(integer n, integer k) = n + k + 5;
  logic integer nrc_ws_ndy(integer n, integer d, integer k, integer m) =
      nrc_ws_nnet(n, k, m) + nrc_ws_ndata(n, k) + k + d + 1;

  predicate nrc_ws_layout(nrc_check_ws w, integer n, integer d, integer k, integer m) =
      w.Wr == w.Xr + n && w.Xc == w.Wr + k &&
      w.At == w.A + n * k && w.q == w.At + m * k && w.xxt == w.q + n &&
      w.ww == w.xxt + m && w.qmin == w.ww + k &&
      w.T_full == w.qmin + 1 && w.T_wb == w.T_full + 1 &&
      w.xx == w.A + nrc_ws_nnet(n, k, m) && w.wz == w.xx + n && w.rho == w.wz + k &&
      w.Rmin == w.rho + 1 && w.Rmax == w.Rmin + 1 && w.zz == w.Rmax + 1 &&
      w.gz == w.zz + 1 &&
      w.ap == w.xx + nrc_ws_ndata(n, k) && w.S == w.ap + k && w.res == w.S + d &&
      w.sn == w.sp + NRC_CHECK_ACC_LIMBS;

  // The workspace of nrc_check_ws_alloc: the sizes, the parts at their
  // places, each block valid for the size table, each part's block (what
  // the layout implies, restated: the provers then reach "in different
  // blocks" by equalities, without offsets), and the seven blocks apart. One
  // predicate, not nested: these facts nested one predicate deeper left
  // frame goals unproved (proofs/README.md).
  predicate nrc_ws_ok(nrc_check_ws w, integer n, integer d, integer k, integer m) =
      nrc_check_sizes(n, d, k) && m <= NRC_MODEL_DIM_MAX && nrc_ws_layout(w, n, d, k, m) &&
      \valid(w.Xr + (0 .. nrc_ws_nfix(n, d, k) - 1)) && \valid(w.z) &&
      \valid(w.A + (0 .. nrc_ws_ndy(n, d, k, m) - 1)) &&
      \valid(w.coef + (0 .. n - 1)) && \valid(w.support + (0 .. n - 1)) &&
      \valid(w.is_kink + (0 .. n * k - 1)) &&
      \valid(w.sp + (0 .. 2 * NRC_CHECK_ACC_LIMBS - 1)) &&
      \base_addr(w.Wr) == \base_addr(w.Xr) && \base_addr(w.Xc) == \base_addr(w.Xr) &&
      \base_addr(w.At) == \base_addr(w.A) && \base_addr(w.xxt) == \base_addr(w.A) &&
      \base_addr(w.q) == \base_addr(w.A) && \base_addr(w.ww) == \base_addr(w.A) &&
      \base_addr(w.qmin) == \base_addr(w.A) && \base_addr(w.T_full) == \base_addr(w.A) &&
      \base_addr(w.T_wb) == \base_addr(w.A) && \base_addr(w.xx) == \base_addr(w.A) &&
      \base_addr(w.wz) == \base_addr(w.A) && \base_addr(w.rho) == \base_addr(w.A) &&
      \base_addr(w.Rmin) == \base_addr(w.A) && \base_addr(w.Rmax) == \base_addr(w.A) &&
      \base_addr(w.zz) == \base_addr(w.A) && \base_addr(w.gz) == \base_addr(w.A) &&
      \base_addr(w.ap) == \base_addr(w.A) &&
      \base_addr(w.S) == \base_addr(w.A) && \base_addr(w.res) == \base_addr(w.A) &&
      \base_addr(w.sn) == \base_addr(w.sp) &&
      \base_addr(w.Xr) != \base_addr(w.z) && \base_addr(w.Xr) != \base_addr(w.A) &&
      \base_addr(w.Xr) != \base_addr(w.coef) && \base_addr(w.Xr) != \base_addr(w.support) &&
      \base_addr(w.Xr) != \base_addr(w.is_kink) && \base_addr(w.Xr) != \base_addr(w.sp) &&
      \base_addr(w.z) != \base_addr(w.A) && \base_addr(w.z) != \base_addr(w.coef) &&
      \base_addr(w.z) != \base_addr(w.support) && \base_addr(w.z) != \base_addr(w.is_kink) &&
      \base_addr(w.z) != \base_addr(w.sp) &&
      \base_addr(w.A) != \base_addr(w.coef) && \base_addr(w.A) != \base_addr(w.support) &&
      \base_addr(w.A) != \base_addr(w.is_kink) && \base_addr(w.A) != \base_addr(w.sp) &&
      \base_addr(w.coef) != \base_addr(w.support) &&
      \base_addr(w.coef) != \base_addr(w.is_kink) &&
      \base_addr(w.coef) != \base_addr(w.sp) &&
      \base_addr(w.support) != \base_addr(w.is_kink) &&
      \base_addr(w.support) != \base_addr(w.sp) &&
      \base_addr(w.is_kink) != \base_addr(w.sp);

  // The workspace's blocks apart from the error record and the report
  // (fresh allocations).
  predicate nrc_ws_apart_err(nrc_check_ws w, nrc_error *err) =
      err == \null ||
      (\base_addr(err) != \base_addr(w.Xr) && \base_addr(err) != \base_addr(w.z) &&
       \base_addr(err) != \base_addr(w.A) && \base_addr(err) != \base_addr(w.coef) &&
       \base_addr(err) != \base_addr(w.support) &&
       \base_addr(err) != \base_addr(w.is_kink) && \base_addr(err) != \base_addr(w.sp));
  predicate nrc_ws_apart(nrc_check_ws w, nrc_check_report *rep, nrc_error *err) =
      \base_addr(rep) != \base_addr(w.Xr) && \base_addr(rep) != \base_addr(w.z) &&
      \base_addr(rep) != \base_addr(w.A) && \base_addr(rep) != \base_addr(w.coef) &&
      \base_addr(rep) != \base_addr(w.support) && \base_addr(rep) != \base_addr(w.is_kink) &&
      \base_addr(rep) != \base_addr(w.sp) && nrc_ws_apart_err(w, err);

  // The allocation of the workspace (check_ws.c): a fresh block's base
  // address b is none of the blocks allocated before it (g, NULL where
  // not yet allocated), the report's or the error record's.
  predicate nrc_ws_fresh(char *b, nrc_check_ws g, nrc_check_report *rep, nrc_error *err) =
      (g.Xr == \null || b != \base_addr(g.Xr)) && (g.z == \null || b != \base_addr(g.z)) &&
      (g.A == \null || b != \base_addr(g.A)) && (g.coef == \null || b != \base_addr(g.coef)) &&
      (g.support == \null || b != \base_addr(g.support)) &&
      (g.is_kink == \null || b != \base_addr(g.is_kink)) &&
      b != \base_addr(rep) && (err == \null || b != \base_addr(err));

  // The seven blocks of a workspace valid for the size table, apart from
  // each other, from the report and from the error record.
  predicate nrc_ws_blocks_ok(nrc_check_ws w, integer n, integer d, integer k, integer m,
                             nrc_check_report *rep, nrc_error *err) =
      \valid(w.Xr + (0 .. nrc_ws_nfix(n, d, k) - 1)) && \valid(w.z) &&
      \valid(w.A + (0 .. nrc_ws_ndy(n, d, k, m) - 1)) &&
      \valid(w.coef + (0 .. n - 1)) && \valid(w.support + (0 .. n - 1)) &&
      \valid(w.is_kink + (0 .. n * k - 1)) &&
      \valid(w.sp + (0 .. 2 * NRC_CHECK_ACC_LIMBS - 1)) &&
      \base_addr(w.Xr) != \base_addr(w.z) && \base_addr(w.Xr) != \base_addr(w.A) &&
      \base_addr(w.Xr) != \base_addr(w.coef) && \base_addr(w.Xr) != \base_addr(w.support) &&
      \base_addr(w.Xr) != \base_addr(w.is_kink) && \base_addr(w.Xr) != \base_addr(w.sp) &&
      \base_addr(w.z) != \base_addr(w.A) && \base_addr(w.z) != \base_addr(w.coef) &&
      \base_addr(w.z) != \base_addr(w.support) && \base_addr(w.z) != \base_addr(w.is_kink) &&
      \base_addr(w.z) != \base_addr(w.sp) &&
      \base_addr(w.A) != \base_addr(w.coef) && \base_addr(w.A) != \base_addr(w.support) &&
      \base_addr(w.A) != \base_addr(w.is_kink) && \base_addr(w.A) != \base_addr(w.sp) &&
      \base_addr(w.coef) != \base_addr(w.support) &&
      \base_addr(w.coef) != \base_addr(w.is_kink) &&
      \base_addr(w.coef) != \base_addr(w.sp) &&
      \base_addr(w.support) != \base_addr(w.is_kink) &&
      \base_addr(w.support) != \base_addr(w.sp) &&
      \base_addr(w.is_kink) != \base_addr(w.sp) &&
      nrc_ws_apart(w, rep, err);
*/

/* A lemma function (ghost code, the pattern of nrc_train_row_end in
 * spec/acsl/nrc_train_acsl.h): row i of a row-major (n, d) matrix ends
 * within it. Called where the fact is needed, it is proved once, in a small
 * context, instead of in the context of the caller; every proved file that
 * calls it selects it with -wp-fct. */
/*@ ghost
  /@ requires 0 <= i < n;
     assigns \nothing;
     ensures 0 <= i * d && i * d + d <= n * d;
  @/
  static void nrc_check_row_end(size_t i, size_t n, size_t d) { }
*/

/* A lemma function: the product of two sizes within NRC_MODEL_DIM_MAX
 * (2^31) fits a size_t (at most 2^62), e.g. m k for the test points'
 * pre-activations, which no size predicate states. */
/*@ ghost
  /@ requires a <= NRC_MODEL_DIM_MAX && b <= NRC_MODEL_DIM_MAX;
     assigns \nothing;
     ensures a * b <= SIZE_MAX;
  @/
  static void nrc_check_dims_product(size_t a, size_t b)
  {
      /@ assert a * b <= NRC_MODEL_DIM_MAX * b; @/
      /@ assert NRC_MODEL_DIM_MAX * b <= NRC_MODEL_DIM_MAX * NRC_MODEL_DIM_MAX; @/
  }
*/

#endif
