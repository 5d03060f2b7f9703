/* ACSL predicates on the reader's header and layout structs
 * (include/core/nrc_model.h, after their typedefs; Frama-C only). */
#ifndef NRC_LAYOUT_ACSL_H
#define NRC_LAYOUT_ACSL_H

/*@
  // L holds the section offsets of a file with these sizes.
  predicate LayoutOf(nrc_model_layout *L, integer n, integer d, integer k,
                     integer m, integer bias, integer meta_len) =
      L->off_W == NRC_MODEL_HEADER_SIZE &&
      L->off_b == L->off_W + 8 * (k * d) &&
      L->off_v == L->off_b + 8 * k * bias &&
      L->off_X == L->off_v + 8 * k &&
      L->off_y == L->off_X + 8 * (n * d) &&
      L->off_Xt == L->off_y + 8 * n &&
      L->off_yt == L->off_Xt + 8 * (m * d) &&
      L->off_meta == L->off_yt + 8 * m &&
      L->off_sum == L->off_meta + meta_len &&
      L->total == L->off_sum + NRC_SHA256_SIZE;

  // A header the reader accepts (FORMATS.md: magic checked separately).
  // "No unknown flag bit" is stated as flags <= NRC_MODEL_FLAGS_KNOWN, which
  // is the same set because the known flags are the low bits 0..j-1
  // (static assertion in include/core/nrc_model.h); the bitmask form made WP read
  // ~(uint32_t)3 as the integer -4 here but as 0xfffffffc in the code, and no
  // prover related the two.
  predicate HeaderValid(nrc_model_header *h) =
      h->version == NRC_MODEL_VERSION &&
      h->flags <= NRC_MODEL_FLAGS_KNOWN &&
      1 <= h->n && 1 <= h->d && 1 <= h->k &&
      SizesInCaps(h->n, h->d, h->k, h->m, h->meta_len) &&
      h->reserved == 0 &&
      ModelFileSize(h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len)
          <= NRC_MODEL_FILE_MAX;

  // The sections of a layout follow one another in file order, and the last
  // offset is the file size (all sizes are nonnegative).
  lemma layout_ordered{L}:
      \forall nrc_model_layout *L, integer n, d, k, m, bias, meta_len;
          0 <= n && 0 <= d && 0 <= k && 0 <= m && 0 <= bias <= 1 && 0 <= meta_len &&
          LayoutOf(L, n, d, k, m, bias, meta_len) ==>
          L->off_W <= L->off_b <= L->off_v <= L->off_X <= L->off_y <= L->off_Xt <=
          L->off_yt <= L->off_meta <= L->off_sum <= L->total &&
          L->total == ModelFileSize(n, d, k, m, bias, meta_len);

  // The layout of an accepted header.
  predicate HeaderLayout(nrc_model_header *h, nrc_model_layout *L) =
      HeaderValid(h) &&
      LayoutOf(L, h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len);

*/

#endif
