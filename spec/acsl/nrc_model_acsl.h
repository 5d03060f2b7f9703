/* ACSL logic for the model file (FORMATS.md "model.bin", version 1;
 * spec/MODEL.md): seen only by Frama-C (include/core/nrc_model.h includes it
 * under #ifdef __FRAMAC__, after struct nrc_model; the predicates on the
 * header and layout structs are in nrc_layout_acsl.h). The contracts on include/core/nrc_model.h are
 * written with these predicates. */
#ifndef NRC_MODEL_ACSL_H
#define NRC_MODEL_ACSL_H

/*@
  // Exact length in bytes of a model file with these sizes (bias is 0 or 1):
  // header 64 | W 8kd | b 8k (bias) | v 8k | X 8nd | y 8n | Xt 8md | yt 8m
  // | metadata | SHA-256 32. Mathematical integers: no overflow here.
  logic integer ModelFileSize(integer n, integer d, integer k, integer m,
                              integer bias, integer meta_len) =
      64 + 8 * (k * d) + 8 * k * bias + 8 * k + 8 * (n * d) + 8 * n
         + 8 * (m * d) + 8 * m + meta_len + 32;

  predicate SizesInCaps(integer n, integer d, integer k, integer m, integer meta_len) =
      n <= NRC_MODEL_DIM_MAX && d <= NRC_MODEL_DIM_MAX && k <= NRC_MODEL_DIM_MAX &&
      m <= NRC_MODEL_DIM_MAX && meta_len <= NRC_MODEL_META_MAX;

  // Bias flag as 0 / 1.
  logic integer BiasOf(integer flags) = (flags & NRC_FLAG_BIAS) != 0 ? 1 : 0;

  // Little-endian unsigned integers stored at p[0 .. 7] / p[0 .. 3].
  logic integer LE32(unsigned char *p) =
      p[0] + 256 * (p[1] + 256 * (p[2] + 256 * p[3]));
  logic integer LE64(unsigned char *p) =
      LE32(p) + 4294967296 * LE32(p + 4);

  // Finite binary64 value: exponent field not all ones (bits 52 .. 62),
  // i.e. byte 7 & 0x7f != 0x7f or byte 6 & 0xf0 != 0xf0 (little-endian).
  predicate FiniteBits(integer u) = (u & 0x7ff0000000000000) != 0x7ff0000000000000;
  // Exactly +1.0 or -1.0.
  predicate LabelBits(integer u) = u == 0x3ff0000000000000 || u == 0xbff0000000000000;

  // The bits of the t-th binary64 value stored from buf + off. Its own
  // function: with LE64(buf + off + 8 * t) written out inside the
  // quantifiers below, Z3 and CVC5 time out on the one-step lemmas that
  // follow (measured: both fail even on the step of RealsLabels, which has
  // no bitwise operation); through RealAt, CVC5 proves them at once.
  logic integer RealAt(unsigned char *buf, integer off, integer t) = LE64(buf + off + 8 * t);

  // count binary64 values stored from buf + off, all finite (labels: all +-1).
  predicate RealsFinite(unsigned char *buf, integer off, integer count) =
      \forall integer t; 0 <= t < count ==> FiniteBits(RealAt(buf, off, t));
  predicate RealsLabels(unsigned char *buf, integer off, integer count) =
      \forall integer t; 0 <= t < count ==> LabelBits(RealAt(buf, off, t));

  // One more checked value extends the checked prefix.
  lemma reals_finite_step{L}:
      \forall unsigned char *buf, integer off, integer n;
          0 <= n && RealsFinite(buf, off, n) && FiniteBits(RealAt(buf, off, n)) ==>
          RealsFinite(buf, off, n + 1);
  lemma reals_labels_step{L}:
      \forall unsigned char *buf, integer off, integer n;
          0 <= n && RealsLabels(buf, off, n) && LabelBits(RealAt(buf, off, n)) ==>
          RealsLabels(buf, off, n + 1);

  // A byte string with no NUL byte.
  predicate NoNul(unsigned char *s, integer len) =
      \forall integer t; 0 <= t < len ==> s[t] != 0;

  // Overflow test by division, as in mul_ok: b > M / a exactly when a * b > M.
  lemma div_overflow_test:
      \forall integer a, b, M; a > 0 && b >= 0 && M >= 0 ==> (b > M / a <==> a * b > M);

  // Products of indices stay below the product of the bounds.
  lemma mul_mono:
      \forall integer a, b, c; 0 <= a <= b && 0 <= c ==> a * c <= b * c;

  // What the writer (nrc_model_serialize, nrc_model_write) may read of a
  // model in memory: every array that is not NULL holds the count its
  // sizes give (nrc_model_alloc and nrc_model_set_meta establish this);
  // which arrays must be non-NULL, the writer checks itself. Written after
  // the lemmas above so that their line numbers (part of the proof cache's
  // keys) stay as they were.
  predicate ModelArraysReadable(nrc_model *M) =
      (M->W == \null || \valid_read(M->W + (0 .. M->k * M->d - 1))) &&
      (M->b == \null || \valid_read(M->b + (0 .. M->k - 1))) &&
      (M->v == \null || \valid_read(M->v + (0 .. M->k - 1))) &&
      (M->X == \null || \valid_read(M->X + (0 .. M->n * M->d - 1))) &&
      (M->y == \null || \valid_read(M->y + (0 .. M->n - 1))) &&
      (M->Xt == \null || \valid_read(M->Xt + (0 .. M->m * M->d - 1))) &&
      (M->yt == \null || \valid_read(M->yt + (0 .. M->m - 1))) &&
      (M->meta == \null || \valid_read(M->meta + (0 .. M->meta_len - 1)));
*/

#endif
