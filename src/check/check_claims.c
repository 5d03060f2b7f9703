/* Exact evaluation of every certified claim (spec/CERTIFICATE.md, "What each
 * member asserts"; spec/CHECK.md).  All quantities are polynomials in the
 * stored doubles, so they are computed as exact dyadics: dot products with
 * the fixed-point kernels of check_fix.c, everything else with check_dy.c.
 * Divisions are cross-multiplied and square roots squared exactly as the
 * certificate contract states them.  Nothing here rounds.
 *
 * Proofs (make proofs, proofs/FILES): every buffer the claim checks use is
 * allocated once, up front, by ctx_alloc (a trusted set-up whose contract
 * states the context predicate ctx_ok), so the functions that evaluate the
 * claims do no allocation and WP proves their memory safety against the
 * contracts of check_dy.c / check_fix.c (include/check/nrc_check_exact.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"

/* Limbs of each dot-product accumulator. An exact vector of finite doubles
 * needs at most 33 limbs per entry (2^-1074 .. 2^1024: 2098 bits), the
 * direction z (a sum of at most 2^31 such rows) at most 34, so a dot
 * product needs at most 34 + 34 + 1 = 69; dot() checks it anyway. */
#define SCRATCH_LIMBS 80

typedef struct {
    const nrc_cert *C;
    const nrc_model *M;
    size_t n, d, k, m;
    nrc_cfix *Xr;      /* (n) rows of X */
    nrc_cfix *Wr;      /* (k) rows of W */
    nrc_cfix z;        /* direction z = sum_{l in I} y_l x_l, exact */
    nrc_cdy *A;        /* (n, k) a_ij = <w_j, x_i> + b_j */
    nrc_cdy *q;        /* (n) q_i = y_i N(x_i) */
    nrc_cdy *xx;       /* (n) ||x_i||^2 */
    nrc_cdy *ww;       /* (k) ||w_j||^2 */
    nrc_cdy *wz;       /* (k) <w_j, z> */
    nrc_cdy qmin, T_full, T_wb, rho, Rmin, Rmax, zz, gz;
    nrc_cdy res;       /* ||r||^2 of the KKT residual */
    int kkt_fixed;     /* kkt.variant, or the model's flag bit 1 when absent */
    uint64_t *sp, *sn; /* dot-product accumulators (s_limbs each) */
    size_t s_limbs;
    /* scratch of the claim checks, allocated once by ctx_alloc */
    nrc_cdy *a, *ap;        /* (k) check_flips: a_j(x), a_j(x - p s z) */
    double *coef;           /* (n) kkt_residual: y_i lambda_i or 0 */
    size_t *support;        /* (n) kkt_residual: where coef != 0 */
    nrc_cfix *Xc;           /* (d) kkt_residual: columns of X */
    nrc_cdy *S;             /* (d) kkt_residual: sum_i coef_i x_i */
    unsigned char *is_kink; /* (n, k) check_kkt: listed kinks */
    nrc_check_report *rep;
    nrc_error *err;
} ctx_t;

/*@ // The context's own fields, the certificate, the model and the report:
    // valid, apart, with the sizes of the model (which the certificate
    // matches) within the reader's caps.
    predicate ctx_base(ctx_t *c) =
      \valid(c) && \valid_read(c->C) && \valid_read(c->M) && \valid(c->rep) &&
      (c->err == \null || \valid(c->err)) &&
      \separated(c, c->C, c->M, c->rep) &&
      c->n == c->M->n && c->d == c->M->d && c->k == c->M->k && c->m == c->M->m &&
      c->n == c->C->n && c->d == c->C->d && c->k == c->C->k && c->m == c->C->m &&
      1 <= c->n <= NRC_MODEL_DIM_MAX && 1 <= c->d <= NRC_MODEL_DIM_MAX &&
      1 <= c->k <= NRC_MODEL_DIM_MAX && c->m <= NRC_MODEL_DIM_MAX;

    // The dot-product accumulators.
    predicate ctx_scratch(ctx_t *c) =
      1 <= c->s_limbs <= SCRATCH_LIMBS &&
      \valid(c->sp + (0 .. c->s_limbs - 1)) && \valid(c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));

    // Every array of the context valid with its size.
    predicate ctx_arrays(ctx_t *c) =
      \valid(c->Xr + (0 .. c->n - 1)) && \valid(c->Wr + (0 .. c->k - 1)) &&
      \valid(c->A + (0 .. c->n * c->k - 1)) &&
      \valid(c->q + (0 .. c->n - 1)) && \valid(c->xx + (0 .. c->n - 1)) &&
      \valid(c->ww + (0 .. c->k - 1)) && \valid(c->wz + (0 .. c->k - 1)) &&
      \valid(c->a + (0 .. c->k - 1)) && \valid(c->ap + (0 .. c->k - 1)) &&
      \valid(c->coef + (0 .. c->n - 1)) && \valid(c->support + (0 .. c->n - 1)) &&
      \valid(c->Xc + (0 .. c->d - 1)) && \valid(c->S + (0 .. c->d - 1)) &&
      \valid(c->is_kink + (0 .. c->n * c->k - 1));

    // The arrays the checks write (and the scratch) apart from each other
    // and from what they read; coef, the only double array written, apart
    // from the doubles read with it.
    predicate ctx_sep(ctx_t *c) =
      \separated(c, c->C, c->M, c->rep,
                 c->C->flips + (0 .. c->C->n_flips - 1),
                 c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->C->indices + (0 .. c->C->n_indices - 1),
                 c->Xr + (0 .. c->n - 1), c->Wr + (0 .. c->k - 1),
                 c->A + (0 .. c->n * c->k - 1), c->q + (0 .. c->n - 1),
                 c->xx + (0 .. c->n - 1), c->ww + (0 .. c->k - 1),
                 c->wz + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                 c->ap + (0 .. c->k - 1), c->support + (0 .. c->n - 1),
                 c->Xc + (0 .. c->d - 1), c->S + (0 .. c->d - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->coef + (0 .. c->n - 1), c->C,
                 c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->C->lambda + (0 .. c->n - 1),
                 c->M->W + (0 .. c->k * c->d - 1), c->M->b + (0 .. c->k - 1),
                 c->M->v + (0 .. c->k - 1), c->M->X + (0 .. c->n * c->d - 1),
                 c->M->y + (0 .. c->n - 1)) &&
      // The error record (the caller's) apart from the context, the inputs,
      // the report and every array (ctx_alloc requires the first part; the
      // arrays are its fresh allocations).
      (c->err == \null ||
       \separated(c->err, c, c->C, c->M, c->rep,
                  c->C->flips + (0 .. c->C->n_flips - 1),
                  c->C->kinks + (0 .. c->C->n_kinks - 1),
                  c->C->indices + (0 .. c->C->n_indices - 1),
                  c->Xr + (0 .. c->n - 1), c->Wr + (0 .. c->k - 1),
                  c->A + (0 .. c->n * c->k - 1), c->q + (0 .. c->n - 1),
                  c->xx + (0 .. c->n - 1), c->ww + (0 .. c->k - 1),
                  c->wz + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                  c->ap + (0 .. c->k - 1), c->support + (0 .. c->n - 1),
                  c->Xc + (0 .. c->d - 1), c->S + (0 .. c->d - 1),
                  c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)));

    // All of it (ctx_alloc's result). Each function below requires only the
    // part it uses (each a consequence of ctx_ok), which keeps the proof
    // obligations small.
    predicate ctx_ok(ctx_t *c) =
      ctx_base(c) && nrc_check_model_ok((nrc_model *)c->M) &&
      nrc_check_cert_ok((nrc_cert *)c->C) && ctx_scratch(c) && ctx_arrays(c) &&
      ctx_sep(c);

    // What kkt_residual (and check_kkt) use.
    predicate ctx_kkt(ctx_t *c) =
      c->C->kkt_certified != 0 &&
      \valid_read(c->C->lambda + (0 .. c->n - 1)) &&
      (c->C->n_kinks == 0 || \valid_read(c->C->kinks + (0 .. c->C->n_kinks - 1))) &&
      (\forall integer t; 0 <= t < c->C->n_kinks ==>
          c->C->kinks[t].i < c->n && c->C->kinks[t].j < c->k) &&
      c->n * c->k <= SIZE_MAX && c->n * c->d <= SIZE_MAX && c->k * c->d <= SIZE_MAX &&
      \valid_read(c->M->W + (0 .. c->k * c->d - 1)) &&
      (c->M->b == \null || \valid_read(c->M->b + (0 .. c->k - 1))) &&
      \valid_read(c->M->v + (0 .. c->k - 1)) &&
      \valid_read(c->M->X + (0 .. c->n * c->d - 1)) &&
      \valid_read(c->M->y + (0 .. c->n - 1)) &&
      \valid_read(c->A + (0 .. c->n * c->k - 1)) &&
      \valid(c->is_kink + (0 .. c->n * c->k - 1)) &&
      \valid(c->coef + (0 .. c->n - 1)) && \valid(c->support + (0 .. c->n - 1)) &&
      \valid(c->Xc + (0 .. c->d - 1)) && \valid(c->S + (0 .. c->d - 1)) &&
      \separated(c, c->C, c->rep, c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->Xc + (0 .. c->d - 1), c->S + (0 .. c->d - 1),
                 c->support + (0 .. c->n - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->coef + (0 .. c->n - 1), c->C,
                 c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->C->lambda + (0 .. c->n - 1),
                 c->M->W + (0 .. c->k * c->d - 1), c->M->b + (0 .. c->k - 1),
                 c->M->v + (0 .. c->k - 1), c->M->X + (0 .. c->n * c->d - 1),
                 c->M->y + (0 .. c->n - 1));

    // What check_flips uses.
    // (in four parts, so that each part's frame is a small goal)
    predicate flips_idx(ctx_t *c) =
      (c->C->n_flips == 0 || \valid_read(c->C->flips + (0 .. c->C->n_flips - 1))) &&
      (\forall integer r; 0 <= r < c->C->n_flips ==>
         (c->C->flips[r].test == 0 ==> c->C->flips[r].index < c->n) &&
         (c->C->flips[r].test != 0 ==> c->C->flips[r].index < c->m));
    // (flips_arr and flips_rows on plain values, so that their frame is an
    // equality of the values)
    predicate arr_at(integer n, integer k, integer m, integer d, double *Xt, double *b,
                     double *v, nrc_cdy *A, nrc_cdy *xx, nrc_cdy *wz, nrc_cdy *a,
                     nrc_cdy *ap) =
      n * k <= SIZE_MAX && m * d <= SIZE_MAX &&
      (m == 0 || \valid_read(Xt + (0 .. m * d - 1))) &&
      (b == \null || \valid_read(b + (0 .. k - 1))) &&
      \valid_read(v + (0 .. k - 1)) &&
      \valid_read(A + (0 .. n * k - 1)) && \valid_read(xx + (0 .. n - 1)) &&
      \valid_read(wz + (0 .. k - 1)) &&
      \valid(a + (0 .. k - 1)) && \valid(ap + (0 .. k - 1));
    predicate flips_arr(ctx_t *c) =
      arr_at(c->n, c->k, c->m, c->d, c->M->Xt, c->M->b, c->M->v, c->A, c->xx, c->wz,
             c->a, c->ap);
    predicate rows_at(nrc_cfix *Wr, integer k, integer d) =
      \forall integer j; 0 <= j < k ==> nrc_cfix_valid(&Wr[j]) && Wr[j].len == d;
    predicate flips_rows(ctx_t *c) = rows_at(c->Wr, c->k, c->d);
    predicate flips_sep(ctx_t *c) =
      \separated(c, c->C, c->rep, c->C->flips + (0 .. c->C->n_flips - 1),
                 c->Wr + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                 c->ap + (0 .. c->k - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      // what the checks write apart from the model (ctx_sep) ...
      \separated(c->M, c->a + (0 .. c->k - 1), c->ap + (0 .. c->k - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      // ... and the error record apart from what they read and write (ctx_sep)
      (c->err == \null ||
       \separated(c->err, c, c->C, c->M, c->rep,
                  c->C->flips + (0 .. c->C->n_flips - 1), c->Wr + (0 .. c->k - 1),
                  c->a + (0 .. c->k - 1), c->ap + (0 .. c->k - 1),
                  c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)));
    predicate ctx_flips(ctx_t *c) =
      flips_idx(c) && flips_arr(c) && flips_rows(c) && flips_sep(c);

    // The exact rows of X and W (build_rows).
    predicate ctx_rows(ctx_t *c) =
      rows_at(c->Xr, c->n, c->d) && rows_at(c->Wr, c->k, c->d);

    // What build_preactivations writes apart from what it reads (the part of
    // ctx_sep it uses, stated on its own so that its goals stay small).
    predicate ctx_pre(ctx_t *c) =
      c->n * c->k <= SIZE_MAX &&
      \separated(c->A + (0 .. c->n * c->k - 1), c->Xr + (0 .. c->n - 1),
                 c->Wr + (0 .. c->k - 1), c->sp + (0 .. c->s_limbs - 1),
                 c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->q + (0 .. c->n - 1), &c->qmin, c->A + (0 .. c->n * c->k - 1)) &&
      \separated(c->ww + (0 .. c->k - 1), &c->T_wb, &c->T_full, c->Wr + (0 .. c->k - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->Xr + (0 .. c->n - 1), c->ww + (0 .. c->k - 1), &c->T_wb, &c->T_full) &&
      (c->err == \null ||
       \separated(c->err, c->Xr + (0 .. c->n - 1), c->Wr + (0 .. c->k - 1)));
*/

/* ---- helpers ------------------------------------------------------------ */

#ifndef __FRAMAC__
static nrc_status oom(ctx_t *c)
{
    return nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory");
}

static nrc_cdy *cdy_array(size_t count)
{
    nrc_cdy *a = nrc_malloc_array(count ? count : 1, sizeof *a);
    size_t t;
    if (!a)
        return NULL;
    for (t = 0; t < count; t++)
        nrc_cdy_init(&a[t]);
    return a;
}

static void cdy_array_free(nrc_cdy *a, size_t count)
{
    size_t t;
    if (!a)
        return;
    for (t = 0; t < count; t++)
        nrc_cdy_clear(&a[t]);
    nrc_free(a);
}

static nrc_cfix *cfix_array(size_t count)
{
    nrc_cfix *a = nrc_malloc_array(count ? count : 1, sizeof *a);
    size_t t;
    if (!a)
        return NULL;
    for (t = 0; t < count; t++)
        nrc_cfix_init(&a[t]);
    return a;
}

static void cfix_array_free(nrc_cfix *a, size_t count)
{
    size_t t;
    if (!a)
        return;
    for (t = 0; t < count; t++)
        nrc_cfix_clear(&a[t]);
    nrc_free(a);
}
#endif

/* Set-up: every buffer of the context, allocated once (the claim checks
 * below allocate nothing but exact vectors and GMP numbers). Every pointer
 * is NULL or allocated, and every dyadic / vector entry initialized, also on
 * failure, so that ctx_free releases exactly what was allocated.
 * TRUST BASE (not proved: it converts nrc_malloc's void *): its contract. */
/*@ requires \valid(c) && \valid_read(c->M) && \valid_read(c->C);
    requires c->n == c->M->n && c->d == c->M->d && c->k == c->M->k && c->m == c->M->m;
    requires nrc_check_model_ok((nrc_model *)c->M) && nrc_check_cert_ok((nrc_cert *)c->C);
    requires c->n == c->C->n && c->d == c->C->d && c->k == c->C->k && c->m == c->C->m;
    requires \valid(c->rep) && (c->err == \null || \valid(c->err));
    requires c->err == \null ||
             \separated(c->err, c, c->C, c->M, c->rep,
                        c->C->flips + (0 .. c->C->n_flips - 1),
                        c->C->kinks + (0 .. c->C->n_kinks - 1),
                        c->C->indices + (0 .. c->C->n_indices - 1));
    assigns c->Xr, c->Wr, c->A, c->q, c->xx, c->ww, c->wz, c->sp, c->sn,
            c->s_limbs, c->a, c->ap, c->coef, c->support, c->Xc, c->S,
            c->is_kink, c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> ctx_ok(c);
*/
static nrc_status ctx_alloc(ctx_t *c);

#ifndef __FRAMAC__
static nrc_status ctx_alloc(ctx_t *c)
{
    /* Initialize each array as soon as it exists: ctx_free clears every
     * entry of a non-NULL array, also when a later allocation failed. */
    c->Xr = cfix_array(c->n);
    c->Wr = cfix_array(c->k);
    c->A = cdy_array(c->n * c->k);
    c->q = cdy_array(c->n);
    c->xx = cdy_array(c->n);
    c->ww = cdy_array(c->k);
    c->wz = cdy_array(c->k);
    c->a = cdy_array(c->k);
    c->ap = cdy_array(c->k);
    c->S = cdy_array(c->d);
    c->Xc = cfix_array(c->d);
    c->coef = nrc_malloc_array(c->n, sizeof(double));
    c->support = nrc_malloc_array(c->n, sizeof(size_t));
    c->is_kink = nrc_calloc(c->n, c->k);
    c->sp = nrc_malloc_array(SCRATCH_LIMBS, sizeof(uint64_t));
    c->sn = nrc_malloc_array(SCRATCH_LIMBS, sizeof(uint64_t));
    c->s_limbs = SCRATCH_LIMBS;
    if (!c->Xr || !c->Wr || !c->A || !c->q || !c->xx || !c->ww || !c->wz || !c->a ||
        !c->ap || !c->S || !c->Xc || !c->coef || !c->support || !c->is_kink || !c->sp ||
        !c->sn)
        return oom(c);
    return NRC_OK;
}

/* Release what ctx_alloc and the checks allocated (any pointer may be NULL). */
static void ctx_free(ctx_t *c)
{
    cfix_array_free(c->Xr, c->n);
    cfix_array_free(c->Wr, c->k);
    cfix_array_free(c->Xc, c->d);
    nrc_cfix_clear(&c->z);
    cdy_array_free(c->A, c->n * c->k);
    cdy_array_free(c->q, c->n);
    cdy_array_free(c->xx, c->n);
    cdy_array_free(c->ww, c->k);
    cdy_array_free(c->wz, c->k);
    cdy_array_free(c->a, c->k);
    cdy_array_free(c->ap, c->k);
    cdy_array_free(c->S, c->d);
    nrc_cdy_clear(&c->qmin);
    nrc_cdy_clear(&c->T_full);
    nrc_cdy_clear(&c->T_wb);
    nrc_cdy_clear(&c->rho);
    nrc_cdy_clear(&c->Rmin);
    nrc_cdy_clear(&c->Rmax);
    nrc_cdy_clear(&c->zz);
    nrc_cdy_clear(&c->gz);
    nrc_cdy_clear(&c->res);
    nrc_free(c->coef);
    nrc_free(c->support);
    nrc_free(c->is_kink);
    nrc_free(c->sp);
    nrc_free(c->sn);
}
#endif

/* Exact dot product into r with the accumulators sp, sn (sl limbs each):
 * the context-free form, which the loops call so that their frames are
 * stated on plain pointers. */
/*@ requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(r) && nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    assigns *r, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status dot_s(uint64_t *sp, uint64_t *sn, size_t sl, nrc_error *err, nrc_cdy *r,
                        const nrc_cfix *a, const nrc_cfix *b)
{
    /* a->limbs + b->limbs + 1 <= sl, without overflow */
    if (a->limbs >= sl || b->limbs >= sl - a->limbs)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "exact dot product of %zu- and %zu-limb vectors exceeds %zu limbs",
                             a->limbs, b->limbs, sl);
    nrc_cfix_dot(r, a, b, sp, sn);
    return NRC_OK;
}

/* a_j = <w_j, x> (+ b_j when b is not NULL) for every neuron j < k, the
 * rows w_j exact in Wr. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(a + (0 .. k - 1)) && nrc_cfix_valid((nrc_cfix *)x);
    requires \forall integer u; 0 <= u < k ==>
        nrc_cfix_valid((nrc_cfix *)&Wr[u]) && Wr[u].len == x->len;
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \separated(a + (0 .. k - 1), Wr + (0 .. k - 1), x, sp + (0 .. sl - 1),
                        sn + (0 .. sl - 1));
    assigns a[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status neuron_dots(nrc_cdy *a, const nrc_cfix *Wr, size_t k, const nrc_cfix *x,
                              const double *b, uint64_t *sp, uint64_t *sn, size_t sl,
                              nrc_error *err)
{
    size_t j;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop assigns j, st, a[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        /*@ assert a_j_apart: \separated(a + j, x, Wr + (0 .. k - 1), sp + (0 .. sl - 1),
                                         sn + (0 .. sl - 1)); */
        if ((st = dot_s(sp, sn, sl, err, &a[j], &Wr[j], x)))
            break;
        if (b)
            nrc_cdy_add_d(&a[j], &a[j], b[j]);
    }
    return st;
}

/* Exact dot product over the support idx into r with the accumulators sp,
 * sn (sl limbs each); context-free, so that kkt_S states its frame on plain
 * pointers. */
/*@ requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(r) && nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    requires nidx == 0 || \valid_read(idx + (0 .. nidx - 1));
    requires \forall integer u; 0 <= u < nidx ==> idx[u] < a->len;
    assigns *r, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status dot_support(uint64_t *sp, uint64_t *sn, size_t sl, nrc_error *err,
                              nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                              const size_t *idx, size_t nidx)
{
    if (a->limbs >= sl || b->limbs >= sl - a->limbs)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "exact dot product of %zu- and %zu-limb vectors exceeds %zu limbs",
                             a->limbs, b->limbs, sl);
    nrc_cfix_dot_support(r, a, b, idx, nidx, sp, sn);
    return NRC_OK;
}

/* "0x...p-NN (~1.234e-05)" for messages; the hex is exact unless it would
 * not fit, in which case it is cut and marked. */
/*@ requires \valid_read(a);
    requires size >= 1 && \valid(buf + (0 .. size - 1));
    assigns buf[0 .. size - 1];
*/
static void show(const nrc_cdy *a, char *buf, size_t size)
{
    char *h = nrc_cdy_get_hex(a);
    double approx = nrc_cdy_get_d_approx(a);
    const char *tail;
    if (!h) {
        snprintf(buf, size, "~%.17g", approx);
        return;
    }
    if (strlen(h) > 200) {
        tail = strrchr(h, 'p');
        snprintf(buf, size, "%.80s...[%zu hex chars]...%s (~%.17g)", h, strlen(h),
                 tail ? tail : "", approx);
    } else {
        snprintf(buf, size, "%s (~%.17g)", h, approx);
    }
    nrc_free(h);
}

/* Record the first false claim; returns NRC_OK (the check itself ran).
 * TRUST BASE: WP cannot analyse the varargs body (vsnprintf); its contract.
 * claim and fmt are strings (names built with snprintf, literals). */
/*@ requires \valid(c) && \valid(c->rep) && (c->err == \null || \valid(c->err));
    requires \valid_read(claim) && \valid_read(fmt);
    assigns c->rep->valid, c->rep->claim[0 .. 159], c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK && c->rep->valid == 0;
*/
static nrc_status fail(ctx_t *c, const char *claim, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#ifndef __FRAMAC__
static nrc_status fail(ctx_t *c, const char *claim, const char *fmt, ...)
{
    char body[NRC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    c->rep->valid = 0;
    snprintf(c->rep->claim, sizeof c->rep->claim, "%s", claim);
    nrc_error_set(c->err, NRC_OK, "%s: %s", claim, body);
    return NRC_OK;
}
#endif

/* Enclosure [lo, hi] must contain the exact value v. */
/*@ requires \valid(c) && \valid(c->rep) && (c->err == \null || \valid(c->err));
    requires \valid_read(claim) && \valid_read(e + (0 .. 1)) && \valid_read(v);
    assigns c->rep->valid, c->rep->claim[0 .. 159], c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == 0 || \result == 1;
*/
static int enc_holds(ctx_t *c, const char *claim, const double e[2], const nrc_cdy *v)
{
    char sv[320], sb[64];
    if (nrc_cdy_cmp_d(v, e[0]) < 0) {
        show(v, sv, sizeof sv);
        nrc_check_hex_format(e[0], sb, sizeof sb);
        fail(c, claim, "lower end %s > exact value %s", sb, sv);
        return 0;
    }
    if (nrc_cdy_cmp_d(v, e[1]) > 0) {
        show(v, sv, sizeof sv);
        nrc_check_hex_format(e[1], sb, sizeof sb);
        fail(c, claim, "upper end %s < exact value %s", sb, sv);
        return 0;
    }
    return 1;
}

/* ---- model-derived exact quantities ------------------------------------ */

/* A lemma function (ghost code, pattern of nrc_train_row_end in
 * spec/acsl/nrc_train_acsl.h): row i of a row-major (n, d) matrix ends
 * within it. Called where the fact is needed, it is proved once here, in a
 * small context, instead of in the context of the caller. */
/*@ ghost
  /@ requires 0 <= i < n;
     assigns \nothing;
     ensures 0 <= i * d && i * d + d <= n * d;
  @/
  static void ck_row_end(size_t i, size_t n, size_t d) { }
*/

/* R[r] = the exact row r of the (rows, d) matrix X, for r < rows. Ghost:
 * the rows K[0 .. nk - 1], apart from R, stay well-formed (the provers do
 * not carry that through a call that writes a whole array, but they do
 * through each write of this loop). */
/*@ requires 1 <= rows <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX;
    requires rows * d <= SIZE_MAX;
    requires \valid(R + (0 .. rows - 1)) && \valid_read(X + (0 .. rows * d - 1));
    requires err == \null || \valid(err);
    requires \separated(R + (0 .. rows - 1), err);
    requires \separated(R + (0 .. rows - 1), K + (0 .. nk - 1));
    requires rows_at(K, nk, d);
    assigns R[0 .. rows - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> rows_at(R, rows, d);
    ensures rows_at(K, nk, d);
*/
static nrc_status exact_rows(nrc_cfix *R, const double *X, size_t rows, size_t d,
                             nrc_error *err) /*@ ghost (nrc_cfix *K, size_t nk) */
{
    size_t r;
    nrc_status st;
    /*@ loop invariant 0 <= r <= rows;
        loop invariant rows_at(R, r, d);
        loop invariant rows_at(K, nk, d);
        loop assigns r, st, R[0 .. rows - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant rows - r;
    */
    for (r = 0; r < rows; r++) {
        //@ ghost ck_row_end(r, rows, d);
        if ((st = nrc_cfix_set_d(&R[r], X + r * d, d, 1, err)))
            return st;
    }
    return NRC_OK;
}

/*@ requires ctx_ok(c);
    assigns c->Xr[0 .. c->n - 1], c->Wr[0 .. c->k - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> ctx_rows(c);
*/
static nrc_status build_rows(ctx_t *c)
{
    nrc_cfix *const Xr = c->Xr, *const Wr = c->Wr;
    const double *const X = c->M->X, *const W = c->M->W;
    const size_t n = c->n, d = c->d, k = c->k;
    nrc_error *const err = c->err;
    nrc_status st;
    //@ assert r_0: \separated(Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    if ((st = exact_rows(Xr, X, n, d, err) /*@ ghost (Wr, 0) */))
        return st;
    //@ assert r_1: c->Xr == Xr && c->Wr == Wr && c->n == n && c->d == d && c->k == k;
    st = exact_rows(Wr, W, k, d, err) /*@ ghost (Xr, n) */;
    //@ assert r_2: c->Xr == Xr && c->Wr == Wr && c->n == n && c->d == d && c->k == k;
    //@ assert r_3: st == NRC_OK ==> rows_at(Xr, n, d) && rows_at(Wr, k, d);
    return st;
}

/* sum_j v_j relu(a_j) for a (k) pre-activations. */
/*@ requires \valid(out) && \valid(tmp);
    requires \valid_read(a + (0 .. k - 1)) && \valid_read(v + (0 .. k - 1));
    assigns *out, *tmp;
*/
static void eval_net(size_t k, const double *v, nrc_cdy *out, const nrc_cdy *a, nrc_cdy *tmp)
{
    size_t j;
    nrc_cdy_set_si(out, 0);
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, *out, *tmp;
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        if (nrc_cdy_sgn(&a[j]) <= 0)
            continue;
        nrc_cdy_mul_d(tmp, &a[j], v[j]);
        nrc_cdy_add(out, out, tmp);
    }
}

/* A[i k + j] = <w_j, x_i> (+ b_j when b is not NULL) for i < n, j < k: the
 * context-free form of the pre-activations, row i by neuron_dots. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && n * k <= SIZE_MAX;
    requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(A + (0 .. n * k - 1));
    requires rows_at(Xr, n, d) && rows_at(Wr, k, d);
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \separated(A + (0 .. n * k - 1), Xr + (0 .. n - 1), Wr + (0 .. k - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    assigns A[0 .. n * k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status pre_rows(nrc_cdy *A, const nrc_cfix *Xr, size_t n, const nrc_cfix *Wr,
                           size_t k, const double *b, uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, st, A[0 .. n * k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        //@ ghost ck_row_end(i, n, k);
        if ((st = neuron_dots(A + i * k, Wr, k, &Xr[i], b, sp, sn, sl, err)))
            return st;
    }
    return NRC_OK;
}

/* q_i = y_i N(x_i) from the pre-activations A, and *qmin = min_i q_i. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX;
    requires \valid(q + (0 .. n - 1)) && \valid(qmin);
    requires \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(v + (0 .. k - 1)) && \valid_read(y + (0 .. n - 1));
    requires \separated(q + (0 .. n - 1), qmin, A + (0 .. n * k - 1));
    assigns q[0 .. n - 1], *qmin;
*/
static void margins(nrc_cdy *q, nrc_cdy *qmin, const nrc_cdy *A, size_t n, size_t k,
                    const double *v, const double *y)
{
    size_t i;
    nrc_cdy tmp;
    nrc_cdy_init(&tmp);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, tmp, q[0 .. n - 1], *qmin;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        //@ ghost ck_row_end(i, n, k);
        eval_net(k, v, &q[i], &A[i * k], &tmp);
        if (y[i] < 0)
            nrc_cdy_neg(&q[i], &q[i]);
        if (i == 0 || nrc_cdy_cmp(&q[i], qmin) < 0)
            nrc_cdy_set(qmin, &q[i]);
    }
    nrc_cdy_clear(&tmp);
}

/* *T += x[j]^2 unless x is NULL (*tmp is scratch): one call keeps a loop one path. */
/*@ requires \valid(T) && \valid(tmp) && \separated(T, tmp) && (x == \null || \valid_read(x + j));
    assigns *T, *tmp; */
static void add_sq(nrc_cdy *T, nrc_cdy *tmp, const double *x, size_t j)
{
    if (x) {
        nrc_cdy_set_d(tmp, x[j]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(T, T, tmp);
    }
}

/* ww_j = ||w_j||^2, *T_wb = ||(W, b)||^2 and *T_full = ||(W, b, v)||^2. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS && (err == \null || \valid(err));
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1)) && \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \valid(ww + (0 .. k - 1)) && \valid(T_wb) && \valid(T_full);
    requires rows_at(Wr, k, d) && rows_at(K, nk, d);
    requires (b == \null || \valid_read(b + (0 .. k - 1))) && \valid_read(v + (0 .. k - 1));
    requires \separated(ww + (0 .. k - 1), T_wb, T_full, Wr + (0 .. k - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(K + (0 .. nk - 1), ww + (0 .. k - 1), T_wb, T_full,
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Wr + (0 .. k - 1), K + (0 .. nk - 1));
    assigns ww[0 .. k - 1], *T_wb, *T_full, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at((nrc_cfix *)Wr, k, d);
    ensures rows_at(K, nk, d);
*/
static nrc_status param_norms(nrc_cdy *ww, nrc_cdy *T_wb, nrc_cdy *T_full, const nrc_cfix *Wr,
                              size_t k, const double *b, const double *v, uint64_t *sp,
                              uint64_t *sn, size_t sl,
                              nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    size_t j;
    nrc_status st = NRC_OK;
    nrc_cdy tmp;
    nrc_cdy_init(&tmp);
    nrc_cdy_set_si(T_wb, 0);
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop invariant rows_at((nrc_cfix *)Wr, k, d);
        loop invariant rows_at(K, nk, d);
        loop assigns j, st, tmp, ww[0 .. k - 1], *T_wb, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        if ((st = dot_s(sp, sn, sl, err, &ww[j], &Wr[j], &Wr[j])))
            break;
        nrc_cdy_add(T_wb, T_wb, &ww[j]);
        add_sq(T_wb, &tmp, b, j);
    }
    if (!st) {
        nrc_cdy_set(T_full, T_wb);
        /*@ loop invariant 0 <= j <= k;
            loop invariant rows_at((nrc_cfix *)Wr, k, d);
            loop invariant rows_at(K, nk, d);
            loop assigns j, tmp, *T_full;
            loop variant k - j;
        */
        for (j = 0; j < k; j++)
            add_sq(T_full, &tmp, v, j);
    }
    nrc_cdy_clear(&tmp);
    return st;
}

/* The pre-activations A, the margins q and *qmin, ||w_j||^2 and the
 * parameter norms *T_wb, *T_full: the context-free body of
 * build_preactivations (its goals do not carry the whole context). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && n * k <= SIZE_MAX;
    requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(A + (0 .. n * k - 1)) && \valid(q + (0 .. n - 1)) && \valid(qmin);
    requires \valid(ww + (0 .. k - 1)) && \valid(T_wb) && \valid(T_full);
    requires rows_at(Xr, n, d) && rows_at((nrc_cfix *)Wr, k, d);
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1)) && \valid_read(y + (0 .. n - 1));
    requires \separated(A + (0 .. n * k - 1), Xr + (0 .. n - 1), Wr + (0 .. k - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(q + (0 .. n - 1), qmin, A + (0 .. n * k - 1));
    requires \separated(ww + (0 .. k - 1), T_wb, T_full, Wr + (0 .. k - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(Xr + (0 .. n - 1), ww + (0 .. k - 1), T_wb, T_full);
    requires err == \null || \separated(err, Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    assigns A[0 .. n * k - 1], q[0 .. n - 1], *qmin, ww[0 .. k - 1], *T_wb, *T_full,
            sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status preact(nrc_cdy *A, nrc_cdy *q, nrc_cdy *qmin, nrc_cdy *ww, nrc_cdy *T_wb,
                         nrc_cdy *T_full, nrc_cfix *Xr, size_t n, const nrc_cfix *Wr,
                         size_t k, const double *b, const double *v, const double *y,
                         uint64_t *sp, uint64_t *sn, size_t sl,
                         nrc_error *err) /*@ ghost (size_t d) */
{
    nrc_status st;
    if ((st = param_norms(ww, T_wb, T_full, Wr, k, b, v, sp, sn, sl, err)
              /*@ ghost (d, Xr, n) */))
        return st;
    if ((st = pre_rows(A, Xr, n, Wr, k, b, sp, sn, sl, err) /*@ ghost (d) */))
        return st;
    margins(q, qmin, A, n, k, v, y);
    return NRC_OK;
}

/*@ requires ctx_base(c) && nrc_check_model_ok((nrc_model *)c->M) && ctx_scratch(c);
    requires ctx_arrays(c) && ctx_rows(c) && ctx_pre(c);
    assigns c->A[0 .. c->n * c->k - 1], c->q[0 .. c->n - 1], c->ww[0 .. c->k - 1],
            c->qmin, c->T_wb, c->T_full,
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status build_preactivations(ctx_t *c)
{
    const size_t n = c->n, k = c->k;
    return preact(c->A, c->q, &c->qmin, c->ww, &c->T_wb, &c->T_full, c->Xr, n, c->Wr, k,
                  c->M->b, c->M->v, c->M->y, c->sp, c->sn, c->s_limbs, c->err)
        /*@ ghost (c->d) */;
}

/* *m = x when first or x < *m (the branch inside a call, so that a loop
 * calling it has one path and its frames stay small). */
/*@ requires \valid(m) && \valid_read(x);
    assigns *m;
*/
static void keep_min(nrc_cdy *m, const nrc_cdy *x, int first)
{
    if (first || nrc_cdy_cmp(x, m) < 0)
        nrc_cdy_set(m, x);
}

/* *m = x when first or x > *m. */
/*@ requires \valid(m) && \valid_read(x);
    assigns *m;
*/
static void keep_max(nrc_cdy *m, const nrc_cdy *x, int first)
{
    if (first || nrc_cdy_cmp(x, m) > 0)
        nrc_cdy_set(m, x);
}

/* *g = -*g when y < 0. */
/*@ requires \valid(g);
    assigns *g;
*/
static void sign_by(nrc_cdy *g, double y)
{
    if (y < 0)
        nrc_cdy_neg(g, g);
}

/* xx_i = ||x_i||^2 for i < n, *lo = min_i xx_i and *hi = max_i xx_i; the
 * rows stay well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(xx + (0 .. n - 1)) && \valid(lo) && \valid(hi);
    requires rows_at(Xr, n, d);
    requires \separated(xx + (0 .. n - 1), lo, hi, Xr + (0 .. n - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns xx[0 .. n - 1], *lo, *hi, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at((nrc_cfix *)Xr, n, d);
*/
static nrc_status data_norms(nrc_cdy *xx, nrc_cdy *lo, nrc_cdy *hi, const nrc_cfix *Xr,
                             size_t n, uint64_t *sp, uint64_t *sn, size_t sl,
                             nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    /*@ loop invariant 0 <= i <= n;
        loop invariant rows_at((nrc_cfix *)Xr, n, d);
        loop assigns i, st, xx[0 .. n - 1], *lo, *hi, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if ((st = dot_s(sp, sn, sl, err, &xx[i], &Xr[i], &Xr[i])))
            return st;
        keep_min(lo, &xx[i], i == 0);
        keep_max(hi, &xx[i], i == 0);
    }
    return NRC_OK;
}

/* *rho = max(*rho, max_{i < l < n} |<x_i, x_l>|); *g is scratch. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && i < n && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(rho) && \valid(g);
    requires rows_at(Xr, n, d);
    requires \separated(rho, g, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at((nrc_cfix *)Xr, n, d);
*/
static nrc_status rho_row(nrc_cdy *rho, nrc_cdy *g, const nrc_cfix *Xr, size_t i, size_t n,
                          uint64_t *sp, uint64_t *sn, size_t sl,
                          nrc_error *err) /*@ ghost (size_t d) */
{
    size_t l;
    nrc_status st;
    /*@ loop invariant i + 1 <= l <= n;
        loop invariant rows_at((nrc_cfix *)Xr, n, d);
        loop assigns l, st, *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - l;
    */
    for (l = i + 1; l < n; l++) {
        if ((st = dot_s(sp, sn, sl, err, g, &Xr[i], &Xr[l])))
            return st;
        nrc_cdy_abs(g, g);
        keep_max(rho, g, 0);
    }
    return NRC_OK;
}

/* *rho = max_{i != l} |<x_i, x_l>| (0 when n = 1); *g is scratch. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(rho) && \valid(g);
    requires rows_at(Xr, n, d);
    requires \separated(rho, g, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status data_rho(nrc_cdy *rho, nrc_cdy *g, const nrc_cfix *Xr, size_t n,
                           uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    nrc_cdy_set_si(rho, 0);
    /*@ loop invariant 0 <= i <= n;
        loop invariant rows_at((nrc_cfix *)Xr, n, d);
        loop assigns i, st, *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        if ((st = rho_row(rho, g, Xr, i, n, sp, sn, sl, err) /*@ ghost (d) */))
            return st;
    return NRC_OK;
}

/* *gz = gamma_z = min_i y_i <x_i, z>; *g is scratch; the rows of X stay
 * well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(gz) && \valid(g) && \valid_read(y + (0 .. n - 1));
    requires rows_at(Xr, n, d) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires \separated(gz, g, z, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, Xr + (0 .. n - 1));
    assigns *gz, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at((nrc_cfix *)Xr, n, d);
*/
static nrc_status data_gz(nrc_cdy *gz, nrc_cdy *g, const nrc_cfix *z,
                          const nrc_cfix *Xr, size_t n, const double *y, uint64_t *sp,
                          uint64_t *sn, size_t sl, nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    /*@ loop invariant 0 <= i <= n;
        loop invariant rows_at((nrc_cfix *)Xr, n, d);
        loop invariant nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
        loop assigns i, st, *gz, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if ((st = dot_s(sp, sn, sl, err, g, &Xr[i], z)))
            return st;
        sign_by(g, y[i]);
        keep_min(gz, g, i == 0);
    }
    return NRC_OK;
}

/* *zz = ||z||^2; ghost: the rows K[0 .. nk - 1] and z stay well-formed. */
/*@ requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(zz) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires rows_at(K, nk, d);
    requires \separated(zz, z, K + (0 .. nk - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, K + (0 .. nk - 1));
    assigns *zz, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at(K, nk, d);
    ensures nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
*/
static nrc_status sq_norm(nrc_cdy *zz, const nrc_cfix *z, uint64_t *sp, uint64_t *sn,
                          size_t sl, nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    return dot_s(sp, sn, sl, err, zz, z, z);
}

/* wz_j = <w_j, z> for j < k (neuron_dots without bias); ghost: the rows
 * K[0 .. nk - 1] and z stay well-formed. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(wz + (0 .. k - 1));
    requires rows_at(Wr, k, d) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires rows_at(K, nk, d);
    requires \separated(wz + (0 .. k - 1), z, Wr + (0 .. k - 1), K + (0 .. nk - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, Wr + (0 .. k - 1), K + (0 .. nk - 1));
    assigns wz[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures rows_at(K, nk, d);
    ensures nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
*/
static nrc_status dir_dots(nrc_cdy *wz, const nrc_cfix *Wr, size_t k, const nrc_cfix *z,
                           uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    size_t j;
    nrc_status st;
    /*@ loop invariant 0 <= j <= k;
        loop invariant rows_at((nrc_cfix *)Wr, k, d);
        loop invariant rows_at(K, nk, d);
        loop invariant nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
        loop assigns j, st, wz[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++)
        if ((st = dot_s(sp, sn, sl, err, &wz[j], &Wr[j], z)))
            return st;
    return NRC_OK;
}

/* The data quantities once z is built: <w_j, z>, gamma_z, ||z||^2,
 * ||x_i||^2 with Rmin, Rmax, and rho; the context-free body of build_data.
 * Each call passes on, in its postcondition, the rows the next one needs. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(xx + (0 .. n - 1)) && \valid(wz + (0 .. k - 1));
    requires \valid(lo) && \valid(hi) && \valid(rho) && \valid(zz) && \valid(gz);
    requires \valid_read(y + (0 .. n - 1));
    requires rows_at(Xr, n, d) && rows_at((nrc_cfix *)Wr, k, d);
    requires nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires \separated(wz + (0 .. k - 1), z, Wr + (0 .. k - 1), Xr + (0 .. n - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(zz, gz, z, Xr + (0 .. n - 1), sp + (0 .. sl - 1),
                        sn + (0 .. sl - 1));
    requires \separated(xx + (0 .. n - 1), lo, hi, Xr + (0 .. n - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(rho, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, Wr + (0 .. k - 1), Xr + (0 .. n - 1));
    assigns xx[0 .. n - 1], *lo, *hi, *rho, *zz, *gz, wz[0 .. k - 1],
            sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status data_all(nrc_cdy *xx, nrc_cdy *lo, nrc_cdy *hi, nrc_cdy *rho, nrc_cdy *zz,
                           nrc_cdy *gz, nrc_cdy *wz, const nrc_cfix *z, nrc_cfix *Xr,
                           size_t n, const nrc_cfix *Wr, size_t k, const double *y,
                           uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d) */
{
    nrc_status st;
    nrc_cdy g;
    if ((st = dir_dots(wz, Wr, k, z, sp, sn, sl, err) /*@ ghost (d, Xr, n) */))
        return st;
    nrc_cdy_init(&g);
    //@ assert a_1: rows_at(Xr, n, d) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    st = sq_norm(zz, z, sp, sn, sl, err) /*@ ghost (d, Xr, n) */;
    //@ assert a_z: rows_at(Xr, n, d) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    if (!st)
        st = data_gz(gz, &g, z, Xr, n, y, sp, sn, sl, err) /*@ ghost (d) */;
    //@ assert a_2: st == NRC_OK ==> rows_at(Xr, n, d);
    if (!st)
        st = data_norms(xx, lo, hi, Xr, n, sp, sn, sl, err) /*@ ghost (d) */;
    //@ assert a_3: st == NRC_OK ==> rows_at(Xr, n, d);
    if (!st)
        st = data_rho(rho, &g, Xr, n, sp, sn, sl, err) /*@ ghost (d) */;
    nrc_cdy_clear(&g);
    return st;
}

/* What build_data writes apart from what it reads (the part of ctx_sep it
 * uses, stated on its own so that its goals stay small). */
/*@ predicate ctx_dat(ctx_t *c) =
      \separated(&c->z, c->Xr + (0 .. c->n - 1), c->Wr + (0 .. c->k - 1)) &&
      \separated(c->wz + (0 .. c->k - 1), &c->z, c->Wr + (0 .. c->k - 1),
                 c->Xr + (0 .. c->n - 1), c->sp + (0 .. c->s_limbs - 1),
                 c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(&c->zz, &c->gz, &c->z, c->Xr + (0 .. c->n - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->xx + (0 .. c->n - 1), &c->Rmin, &c->Rmax, c->Xr + (0 .. c->n - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(&c->rho, c->Xr + (0 .. c->n - 1), c->sp + (0 .. c->s_limbs - 1),
                 c->sn + (0 .. c->s_limbs - 1)) &&
      (c->err == \null ||
       \separated(c->err, &c->z, c->Xr + (0 .. c->n - 1), c->Wr + (0 .. c->k - 1)));
*/

/* c->z = sum_{l in I} y_l x_l exactly: the chosen rows as GMP integers at
 * the smallest of their exponents, summed with the signs of y.
 * TRUST BASE (not proved: mpz_import reads the limbs through a void *, and
 * the integer vector is allocated through nrc_malloc's void *): its
 * contract. The result is nrc_cfix_set_mpz's; the rows stay well-formed
 * because it writes only c->z and the error record, apart from them. */
/*@ requires ctx_base(c) && nrc_check_model_ok((nrc_model *)c->M);
    requires nrc_check_cert_ok((nrc_cert *)c->C) && ctx_rows(c) && ctx_dat(c);
    assigns c->z, c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> nrc_cfix_valid(&c->z) && c->z.len == c->d;
    ensures ctx_rows(c);
*/
static nrc_status build_z(ctx_t *c);

#ifndef __FRAMAC__
static nrc_status build_z(ctx_t *c)
{
    const nrc_model *M = c->M;
    size_t l, t;
    nrc_status st;
    mpz_t *zi, e;
    long ez = 0;
    int any = 0;

    for (l = 0; l < c->n; l++) {
        int in = c->C->dir_all;
        size_t u;
        for (u = 0; !in && u < c->C->n_indices; u++)
            in = c->C->indices[u] == l;
        if (!in)
            continue;
        if (!any || c->Xr[l].e < ez)
            ez = c->Xr[l].e;
        any = 1;
    }
    zi = nrc_malloc_array(c->d, sizeof *zi);
    if (!zi)
        return oom(c);
    for (t = 0; t < c->d; t++)
        mpz_init(zi[t]);
    mpz_init(e);
    {
        size_t u = 0;
        for (l = 0; l < c->n; l++) {
            if (!c->C->dir_all) {
                if (u >= c->C->n_indices || c->C->indices[u] != l)
                    continue;
                u++;
            }
            for (t = 0; t < c->d; t++) {
                const nrc_cfix *x = &c->Xr[l];
                mpz_import(e, x->limbs, -1, sizeof(uint64_t), 0, 0, x->mag + t * x->limbs);
                mpz_mul_2exp(e, e, (mp_bitcnt_t)(x->e - ez));
                if ((x->neg[t] != 0) != (M->y[l] < 0))
                    mpz_sub(zi[t], zi[t], e);
                else
                    mpz_add(zi[t], zi[t], e);
            }
        }
    }
    mpz_clear(e);
    st = nrc_cfix_set_mpz(&c->z, (const mpz_t *)zi, c->d, ez, c->err);
    for (t = 0; t < c->d; t++)
        mpz_clear(zi[t]);
    nrc_free(zi);
    return st;
}
#endif

/* The data quantities: ||x_i||^2, Rmin, Rmax, rho, the direction z, ||z||^2,
 * gamma_z and <w_j, z>. */
/*@ requires ctx_base(c) && nrc_check_model_ok((nrc_model *)c->M);
    requires nrc_check_cert_ok((nrc_cert *)c->C) && ctx_scratch(c) && ctx_arrays(c);
    requires ctx_rows(c) && ctx_dat(c);
    assigns c->xx[0 .. c->n - 1], c->Rmin, c->Rmax, c->rho, c->z, c->zz, c->gz,
            c->wz[0 .. c->k - 1], c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL || \result == NRC_ERR_SYSTEM;
*/
static nrc_status build_data(ctx_t *c)
{
    nrc_status st;
    if ((st = build_z(c)))
        return st;
    return data_all(c->xx, &c->Rmin, &c->Rmax, &c->rho, &c->zz, &c->gz, c->wz, &c->z, c->Xr,
                    c->n, c->Wr, c->k, c->M->y, c->sp, c->sn, c->s_limbs, c->err)
        /*@ ghost (c->d) */;
}

/* ---- claim families ----------------------------------------------------- */

/*@ requires ctx_base(c) && \valid_read(c->q + (0 .. c->n - 1));
    requires c->rep->fit == 0;
    assigns c->rep->fit, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
static nrc_status check_fit(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const nrc_cdy *const q = c->q;
    const size_t n = c->n;
    size_t i;
    nrc_cdy t;
    char s1[320];
    if (C->all_correct) {
        /*@ loop invariant 0 <= i <= n;
            loop assigns i;
            loop variant n - i;
        */
        for (i = 0; i < n; i++)
            if (nrc_cdy_sgn(&q[i]) <= 0) {
                show(&q[i], s1, sizeof s1);
                return fail(c, "fit.all_correct", "y_i N(x_i) = %s <= 0 at training point %zu", s1, i);
            }
        c->rep->fit++;
    }
    if (!enc_holds(c, "fit.min_margin", C->min_margin, &c->qmin))
        return NRC_OK;
    c->rep->fit++;
    if (C->has_theta_norm_sq) {
        if (!enc_holds(c, "fit.theta_norm_sq", C->theta_norm_sq, &c->T_full))
            return NRC_OK;
        c->rep->fit++;
    }
    /* lo ||theta||^2 <= q_min <= hi ||theta||^2 */
    nrc_cdy_init(&t);
    nrc_cdy_mul_d(&t, &c->T_full, C->normalized_margin[0]);
    if (nrc_cdy_cmp(&t, &c->qmin) > 0) {
        show(&c->qmin, s1, sizeof s1);
        nrc_cdy_clear(&t);
        return fail(c, "fit.normalized_margin", "lower end times ||theta||^2 exceeds q_min = %s", s1);
    }
    nrc_cdy_mul_d(&t, &c->T_full, C->normalized_margin[1]);
    if (nrc_cdy_cmp(&t, &c->qmin) < 0) {
        show(&c->qmin, s1, sizeof s1);
        nrc_cdy_clear(&t);
        return fail(c, "fit.normalized_margin", "upper end times ||theta||^2 is below q_min = %s", s1);
    }
    nrc_cdy_clear(&t);
    c->rep->fit++;
    return NRC_OK;
}

/*@ requires ctx_base(c) && \valid_read(c->M->y + (0 .. c->n - 1));
    requires c->rep->data == 0;
    assigns c->rep->data, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
static nrc_status check_data(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const double *y = c->M->y;
    const size_t n = c->n;
    const double tenth = 0x1.999999999999ap-4;
    nrc_cdy t, u;
    uint64_t npos = 0, nneg = 0;
    size_t i;
    int regime;
    char s1[320];
    if (!enc_holds(c, "data.R_min_sq", C->R_min_sq, &c->Rmin) ||
        !enc_holds(c, "data.R_max_sq", C->R_max_sq, &c->Rmax) ||
        !enc_holds(c, "data.rho", C->rho, &c->rho))
        return NRC_OK;
    c->rep->data += 3;
    /* lo R_min^2 <= (n - 1) rho <= hi R_min^2 */
    nrc_cdy_init(&t);
    nrc_cdy_init(&u);
    nrc_cdy_set_si(&u, (long)(n - 1));
    nrc_cdy_mul(&u, &u, &c->rho);
    nrc_cdy_mul_d(&t, &c->Rmin, C->eps_data[0]);
    if (nrc_cdy_cmp(&t, &u) > 0) {
        show(&u, s1, sizeof s1);
        fail(c, "data.eps_data", "lower end times R_min^2 exceeds (n - 1) rho = %s", s1);
        goto done;
    }
    nrc_cdy_mul_d(&t, &c->Rmin, C->eps_data[1]);
    if (nrc_cdy_cmp(&t, &u) < 0) {
        show(&u, s1, sizeof s1);
        fail(c, "data.eps_data", "upper end times R_min^2 is below (n - 1) rho = %s", s1);
        goto done;
    }
    c->rep->data++;
    if (!enc_holds(c, "data.gamma_z", C->gamma_z, &c->gz) ||
        !enc_holds(c, "data.z_norm_sq", C->z_norm_sq, &c->zz))
        goto done;
    c->rep->data += 2;
    /*@ loop invariant 0 <= i <= n && npos + nneg == i;
        loop assigns i, npos, nneg;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if (y[i] > 0)
            npos++;
        else
            nneg++;
    }
    if (npos != C->n_pos) {
        fail(c, "data.n_pos", "%llu, but the model has %llu positive labels",
             (unsigned long long)C->n_pos, (unsigned long long)npos);
        goto done;
    }
    if (nneg != C->n_neg) {
        fail(c, "data.n_neg", "%llu, but the model has %llu negative labels",
             (unsigned long long)C->n_neg, (unsigned long long)nneg);
        goto done;
    }
    c->rep->data += 2;
    regime = C->eps_data[1] <= tenth && C->gamma_z[0] > 0.0;
    if (regime != C->regime) {
        fail(c, "data.regime", "is %s, but eps_data.hi <= 0.1 and gamma_z.lo > 0 is %s",
             C->regime ? "true" : "false", regime ? "true" : "false");
        goto done;
    }
    c->rep->data++;
done:
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&u);
    return NRC_OK;
}

/*@ requires ctx_base(c);
    requires c->C->has_lipschitz != 0 ==>
        \valid_read(c->C->neuron_norm_upper + (0 .. c->k - 1));
    requires \valid_read(c->ww + (0 .. c->k - 1)) && \valid_read(c->M->v + (0 .. c->k - 1));
    requires c->rep->lipschitz == 0;
    assigns c->rep->lipschitz, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
static nrc_status check_lipschitz(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const double *v = c->M->v;
    const nrc_cdy *const ww = c->ww;
    const size_t k = c->k;
    const double *nnu;
    nrc_cdy t, sum;
    size_t j;
    char name[64], s1[320];
    if (!C->has_lipschitz)
        return NRC_OK;   /* an addition to FORMATS.md: absent, nothing claimed */
    nnu = C->neuron_norm_upper;
    nrc_cdy_init(&t);
    nrc_cdy_init(&sum);
    nrc_cdy_set_si(&sum, 0);
    /*@ loop invariant 0 <= j <= k && c->rep->lipschitz == j;
        loop assigns j, t, sum, name[0 .. 63], c->rep->lipschitz;
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        double u = nnu[j];
        snprintf(name, sizeof name, "lipschitz.neuron_norm_upper[%zu]", j);
        if (!(u >= 0.0)) {
            fail(c, name, "negative");
            goto done;
        }
        nrc_cdy_set_d(&t, u);
        nrc_cdy_mul(&t, &t, &t);
        if (nrc_cdy_cmp(&t, &ww[j]) < 0) {
            show(&ww[j], s1, sizeof s1);
            fail(c, name, "u_j^2 < ||w_j||^2 = %s", s1);
            goto done;
        }
        c->rep->lipschitz++;
        nrc_cdy_set_d(&t, u);
        nrc_cdy_mul_d(&t, &t, v[j] < 0 ? -v[j] : v[j]);
        nrc_cdy_add(&sum, &sum, &t);
    }
    if (nrc_cdy_cmp_d(&sum, C->L_upper) > 0) {
        show(&sum, s1, sizeof s1);
        fail(c, "lipschitz.L_upper", "below sum_j |v_j| u_j = %s", s1);
        goto done;
    }
    c->rep->lipschitz++;
done:
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&sum);
    return NRC_OK;
}

/*@ // What the pre-activations of a flip point use: the scratch, the rows
    // of W, b, and a (written), apart from each other and from the context.
    predicate flip_pre(ctx_t *c) =
      \valid(c) && (c->err == \null || \valid(c->err)) && ctx_scratch(c) &&
      1 <= c->k <= NRC_MODEL_DIM_MAX && 1 <= c->d <= NRC_MODEL_DIM_MAX &&
      \valid(c->a + (0 .. c->k - 1)) &&
      (\forall integer j; 0 <= j < c->k ==>
          nrc_cfix_valid(&c->Wr[j]) && c->Wr[j].len == c->d) &&
      \separated(c, c->Wr + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));

    // What the claims of a flip use: a (read), ap (written), <w_j, z>, v,
    // and the report.
    predicate flip_io(ctx_t *c) =
      \valid(c) && \valid(c->rep) && (c->err == \null || \valid(c->err)) &&
      1 <= c->k <= NRC_MODEL_DIM_MAX &&
      \valid(c->a + (0 .. c->k - 1)) && \valid(c->ap + (0 .. c->k - 1)) &&
      \valid_read(c->wz + (0 .. c->k - 1)) &&
      \separated(c, c->rep, c->a + (0 .. c->k - 1), c->ap + (0 .. c->k - 1));
*/

/* a_j(x_i) and <x_i, x_i> of training point i, from the context. */
/*@ requires \valid(c) && 1 <= c->k <= NRC_MODEL_DIM_MAX && i < c->n;
    requires c->n * c->k <= SIZE_MAX;
    requires \valid_read(c->A + (0 .. c->n * c->k - 1)) && \valid_read(c->xx + (0 .. c->n - 1));
    requires \valid(c->a + (0 .. c->k - 1)) && \separated(c, c->a + (0 .. c->k - 1));
    requires \valid(xx) && \separated(xx, c, c->a + (0 .. c->k - 1));
    assigns c->a[0 .. c->k - 1], *xx;
*/
static void flip_pre_train(ctx_t *c, size_t i, nrc_cdy *xx)
{
    const size_t k = c->k;
    const nrc_cdy *const A = c->A;
    nrc_cdy *const a = c->a;
    size_t j;
    //@ assert i * k + k <= c->n * k;
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, a[0 .. k - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++)
        nrc_cdy_set(&a[j], &A[i * k + j]);
    nrc_cdy_set(xx, &c->xx[i]);
}

/* a_j(x) and <x, x> of test point i, exactly from Xt. */
/*@ requires flip_pre(c) && i < c->m && c->m * c->d <= SIZE_MAX;
    requires \valid_read(c->M) && \valid_read(c->M->Xt + (0 .. c->m * c->d - 1));
    requires c->M->b == \null || \valid_read(c->M->b + (0 .. c->k - 1));
    requires \valid(xx) && \separated(xx, c, c->Wr + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                                      c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));
    assigns c->a[0 .. c->k - 1], *xx, c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static nrc_status flip_pre_test(ctx_t *c, size_t i, nrc_cdy *xx)
{
    const size_t k = c->k, d = c->d;
    const double *const Xt = c->M->Xt, *const b = c->M->b;
    const nrc_cfix *const Wr = c->Wr;
    nrc_cdy *const a = c->a;
    /* The context's scratch in locals, for the context-free calls. */
    uint64_t *const sp = c->sp, *const sn = c->sn;
    const size_t sl = c->s_limbs;
    nrc_error *const err = c->err;
    nrc_cfix xt;
    nrc_status st;
    //@ ghost ck_row_end(i, c->m, d);
    //@ assert i * d + d <= c->m * d;
    nrc_cfix_init(&xt);
    if ((st = nrc_cfix_set_d(&xt, Xt + i * d, d, 1, err)))
        goto done;
    //@ assert xt_apart: \separated(&xt, a + (0 .. k - 1), Wr + (0 .. k - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    if ((st = neuron_dots(a, Wr, k, &xt, b, sp, sn, sl, err)))
        goto done;
    st = dot_s(sp, sn, sl, err, xx, &xt, &xt);
done:
    nrc_cfix_clear(&xt);
    return st;
}

/* The claims of certified flip f (number r, point i), given a_j(x) in c->a
 * and <x, x> in *xx, in order; the first false one is recorded by fail()
 * (rep->valid becomes 0). */
/*@ requires flip_io(c) && \valid_read(xx) && \valid_read(v + (0 .. c->k - 1));
    assigns c->ap[0 .. c->k - 1], c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static void flip_claims(ctx_t *c, nrc_cflip f, size_t r, size_t i, const nrc_cdy *xx,
                        const double *v, double L)
{
    const size_t k = c->k;
    const nrc_cdy *const wz = c->wz, *const a = c->a;
    nrc_cdy *const ap = c->ap;
    const char *const kind = f.test ? "test" : "train";
    nrc_cdy N, Np, t, ps;
    size_t j;
    char name[96], s1[320];
    nrc_cdy_init(&N);
    nrc_cdy_init(&Np);
    nrc_cdy_init(&t);
    nrc_cdy_init(&ps);
    /* p N(x) > 0 */
    eval_net(k, v, &N, a, &t);
    if (f.sign < 0)
        nrc_cdy_neg(&N, &N);
    if (nrc_cdy_sgn(&N) <= 0) {
        show(&N, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].sign", r);
        fail(c, name, "(%s %zu) p N(x) = %s <= 0", kind, i, s1);
        goto done;
    }
    /* s >= 0 and p N(x - p s z) < 0, with a_j(x - p s z) = a_j(x) - p s <w_j, z> */
    if (!(f.s >= 0.0)) {
        snprintf(name, sizeof name, "flips[%zu].scale", r);
        fail(c, name, "(%s %zu) s < 0", kind, i);
        goto done;
    }
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, ps, ap[0 .. k - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        nrc_cdy_mul_d(&ps, &wz[j], f.sign < 0 ? -f.s : f.s);
        nrc_cdy_sub(&ap[j], &a[j], &ps);
    }
    eval_net(k, v, &Np, ap, &t);
    if (f.sign < 0)
        nrc_cdy_neg(&Np, &Np);
    if (nrc_cdy_sgn(&Np) >= 0) {
        show(&Np, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].scale", r);
        fail(c, name, "(%s %zu) p N(x - p s z) = %s >= 0", kind, i, s1);
        goto done;
    }
    /* U >= 0 and s^2 <z, z> <= U^2 */
    nrc_cdy_set_d(&t, f.s);
    nrc_cdy_mul(&t, &t, &t);
    nrc_cdy_mul(&t, &t, &c->zz);
    nrc_cdy_set_d(&ps, f.U);
    nrc_cdy_mul(&ps, &ps, &ps);
    if (!(f.U >= 0.0) || nrc_cdy_cmp(&t, &ps) > 0) {
        show(&t, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].delta_norm_upper", r);
        fail(c, name, "(%s %zu) U < 0 or s^2 <z, z> = %s > U^2", kind, i, s1);
        goto done;
    }
    /* x_norm_lower >= 0 and x_norm_lower^2 <= <x, x> */
    nrc_cdy_set_d(&t, f.x_norm_lower);
    nrc_cdy_mul(&t, &t, &t);
    if (!(f.x_norm_lower >= 0.0) || nrc_cdy_cmp(&t, xx) > 0) {
        show(xx, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].x_norm_lower", r);
        fail(c, name, "(%s %zu) negative, or its square exceeds <x, x> = %s", kind, i, s1);
        goto done;
    }
    /* D >= 0 and D L <= p N(x) (only when dist_lower is present; the
     * parser refuses it without lipschitz) */
    nrc_cdy_set_d(&t, f.D);
    nrc_cdy_mul_d(&t, &t, L);
    if (f.has_D && (!(f.D >= 0.0) || nrc_cdy_cmp(&t, &N) > 0)) {
        show(&N, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].dist_lower", r);
        fail(c, name, "(%s %zu) negative, or D L exceeds p N(x) = %s", kind, i, s1);
        goto done;
    }
done:
    nrc_cdy_clear(&N);
    nrc_cdy_clear(&Np);
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&ps);
}

/*@ // The frame of check_flip / check_flips: what ctx_base, ctx_scratch and
    // ctx_flips read, the same at two states, in four parts (the context's
    // fields; the certificate's and model's scalars; the flips; the rows).
    predicate keep_c1{L1,L2}(ctx_t *c) =
      \at(c->C, L1) == \at(c->C, L2) && \at(c->M, L1) == \at(c->M, L2) &&
      \at(c->rep, L1) == \at(c->rep, L2) && \at(c->err, L1) == \at(c->err, L2) &&
      \at(c->n, L1) == \at(c->n, L2) && \at(c->d, L1) == \at(c->d, L2);
    predicate keep_c2{L1,L2}(ctx_t *c) =
      \at(c->k, L1) == \at(c->k, L2) && \at(c->m, L1) == \at(c->m, L2) &&
      \at(c->A, L1) == \at(c->A, L2) && \at(c->xx, L1) == \at(c->xx, L2) &&
      \at(c->wz, L1) == \at(c->wz, L2) && \at(c->Wr, L1) == \at(c->Wr, L2);
    predicate keep_c3{L1,L2}(ctx_t *c) =
      \at(c->a, L1) == \at(c->a, L2) && \at(c->ap, L1) == \at(c->ap, L2) &&
      \at(c->sp, L1) == \at(c->sp, L2) && \at(c->sn, L1) == \at(c->sn, L2) &&
      \at(c->s_limbs, L1) == \at(c->s_limbs, L2);
    predicate keep_i1{L1,L2}(ctx_t *c) =
      \let C = \at(c->C, L1);
      \at(C->n, L1) == \at(C->n, L2) && \at(C->d, L1) == \at(C->d, L2) &&
      \at(C->k, L1) == \at(C->k, L2) && \at(C->m, L1) == \at(C->m, L2) &&
      \at(C->n_flips, L1) == \at(C->n_flips, L2) &&
      \at(C->flips, L1) == \at(C->flips, L2);
    predicate keep_i2{L1,L2}(ctx_t *c) =
      \let M = \at(c->M, L1);
      \at(M->n, L1) == \at(M->n, L2) && \at(M->d, L1) == \at(M->d, L2) &&
      \at(M->k, L1) == \at(M->k, L2) && \at(M->m, L1) == \at(M->m, L2) &&
      \at(M->Xt, L1) == \at(M->Xt, L2) && \at(M->b, L1) == \at(M->b, L2) &&
      \at(M->v, L1) == \at(M->v, L2);
    predicate keep_flips{L1,L2}(ctx_t *c) =
      \let p = \at(c->C->flips, L1);
      \forall integer r; 0 <= r < \at(c->C->n_flips, L1) ==>
        \at(p[r].test, L1) == \at(p[r].test, L2) &&
        \at(p[r].index, L1) == \at(p[r].index, L2);
    predicate keep_rows{L1,L2}(ctx_t *c) =
      \let w = \at(c->Wr, L1);
      \forall integer j; 0 <= j < \at(c->k, L1) ==>
        \at(w[j].len, L1) == \at(w[j].len, L2) &&
        \at(w[j].limbs, L1) == \at(w[j].limbs, L2) &&
        \at(w[j].mag, L1) == \at(w[j].mag, L2) &&
        \at(w[j].neg, L1) == \at(w[j].neg, L2) &&
        \at(w[j].dig, L1) == \at(w[j].dig, L2);

    // A region check_flip writes apart from what the context predicates
    // read (c, *C, *M, the flips, the rows of W).
    predicate apart_cdy(ctx_t *c, nrc_cdy *p, integer n) =
      \separated(p + (0 .. n - 1), c) && \separated(p + (0 .. n - 1), c->C) &&
      \separated(p + (0 .. n - 1), c->M) &&
      \separated(p + (0 .. n - 1), c->C->flips + (0 .. c->C->n_flips - 1)) &&
      \separated(p + (0 .. n - 1), c->Wr + (0 .. c->k - 1));
    predicate apart_u64(ctx_t *c, uint64_t *p, integer n) =
      \separated(p + (0 .. n - 1), c) && \separated(p + (0 .. n - 1), c->C) &&
      \separated(p + (0 .. n - 1), c->M) &&
      \separated(p + (0 .. n - 1), c->C->flips + (0 .. c->C->n_flips - 1)) &&
      \separated(p + (0 .. n - 1), c->Wr + (0 .. c->k - 1));
    predicate apart_rep(ctx_t *c) =
      \separated(c->rep, c) && \separated(c->rep, c->C) && \separated(c->rep, c->M) &&
      \separated(c->rep, c->C->flips + (0 .. c->C->n_flips - 1)) &&
      \separated(c->rep, c->Wr + (0 .. c->k - 1));
*/

/* The three steps of check_flip, each with its frame (keep_*) and the
 * quantified parts of ctx_flips (flips_idx, rows_at) proved in the small
 * context of its own contract. */
/*@ requires rows_at(c->Wr, c->k, c->d) && flips_idx(c);
    requires \valid(c) && 1 <= c->k <= NRC_MODEL_DIM_MAX && i < c->n;
    requires c->n * c->k <= SIZE_MAX;
    requires \valid_read(c->A + (0 .. c->n * c->k - 1)) && \valid_read(c->xx + (0 .. c->n - 1));
    requires \valid(c->a + (0 .. c->k - 1)) && \separated(c, c->a + (0 .. c->k - 1));
    requires \valid(xx) && \separated(xx, c, c->a + (0 .. c->k - 1));
    requires apart_cdy(c, c->a, c->k) && apart_cdy(c, xx, 1);
    assigns c->a[0 .. c->k - 1], *xx;
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k9: flips_idx(c);
    ensures k8: rows_at(c->Wr, c->k, c->d);
*/
static void kept_pre_train(ctx_t *c, size_t i, nrc_cdy *xx)
{
    flip_pre_train(c, i, xx);
}

/* flip_pre_test with its frame (kept_pre_test adds the quantified parts,
 * from k5 and k6, in a context without the call). */
/*@ requires flip_pre(c) && i < c->m && c->m * c->d <= SIZE_MAX;
    requires \valid_read(c->M) && \valid_read(c->M->Xt + (0 .. c->m * c->d - 1));
    requires c->M->b == \null || \valid_read(c->M->b + (0 .. c->k - 1));
    requires \valid(xx) && \separated(xx, c, c->Wr + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                                      c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));
    requires apart_cdy(c, c->a, c->k) && apart_cdy(c, xx, 1);
    requires apart_u64(c, c->sp, c->s_limbs) && apart_u64(c, c->sn, c->s_limbs);
    assigns c->a[0 .. c->k - 1], *xx, c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k5: keep_flips{Old, Post}(c);
    ensures k6: keep_rows{Old, Post}(c);
*/
static nrc_status pre_test_frame(ctx_t *c, size_t i, nrc_cdy *xx)
{
    return flip_pre_test(c, i, xx);
}

/*@ requires rows_at(c->Wr, c->k, c->d) && flips_idx(c);
    requires flip_pre(c) && i < c->m && c->m * c->d <= SIZE_MAX;
    requires \valid_read(c->M) && \valid_read(c->M->Xt + (0 .. c->m * c->d - 1));
    requires c->M->b == \null || \valid_read(c->M->b + (0 .. c->k - 1));
    requires \valid(xx) && \separated(xx, c, c->Wr + (0 .. c->k - 1), c->a + (0 .. c->k - 1),
                                      c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));
    requires apart_cdy(c, c->a, c->k) && apart_cdy(c, xx, 1);
    requires apart_u64(c, c->sp, c->s_limbs) && apart_u64(c, c->sn, c->s_limbs);
    assigns c->a[0 .. c->k - 1], *xx, c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k9: flips_idx(c);
    ensures k8: rows_at(c->Wr, c->k, c->d);
*/
static nrc_status kept_pre_test(ctx_t *c, size_t i, nrc_cdy *xx)
{
    return pre_test_frame(c, i, xx);
}

/*@ requires rows_at(c->Wr, c->k, c->d) && flips_idx(c);
    requires flip_io(c) && \valid_read(xx) && \valid_read(v + (0 .. c->k - 1));
    requires apart_cdy(c, c->ap, c->k) && apart_rep(c);
    assigns c->ap[0 .. c->k - 1], c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k9: flips_idx(c);
    ensures k8: rows_at(c->Wr, c->k, c->d);
*/
static void kept_claims(ctx_t *c, nrc_cflip f, size_t r, size_t i, const nrc_cdy *xx,
                        const double *v, double L)
{
    flip_claims(c, f, r, i, xx, v, L);
}

/* Set-up and release of check_flip's local <x, x>, with their frames. */
/*@ requires rows_at(c->Wr, c->k, c->d) && flips_idx(c);
    // (apart_cdy(c, xx, 1) spelt out: a predicate applied to xx would make
    // check_flip's local <x, x> an addressed variable, whose allocation the
    // quantified rows_at must then be carried through)
    requires \valid(xx) && \separated(xx, c) && \separated(xx, c->C) && \separated(xx, c->M) &&
             \separated(xx, c->C->flips + (0 .. c->C->n_flips - 1)) &&
             \separated(xx, c->Wr + (0 .. c->k - 1));
    assigns *xx;
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k9: flips_idx(c);
    ensures k8: rows_at(c->Wr, c->k, c->d);
*/
static void kept_init(ctx_t *c, nrc_cdy *xx)
{
    (void)c; /* the context only names the frame of the contract */
    nrc_cdy_init(xx);
}

/*@ requires rows_at(c->Wr, c->k, c->d) && flips_idx(c);
    // (apart_cdy(c, xx, 1) spelt out: a predicate applied to xx would make
    // check_flip's local <x, x> an addressed variable, whose allocation the
    // quantified rows_at must then be carried through)
    requires \valid(xx) && \separated(xx, c) && \separated(xx, c->C) && \separated(xx, c->M) &&
             \separated(xx, c->C->flips + (0 .. c->C->n_flips - 1)) &&
             \separated(xx, c->Wr + (0 .. c->k - 1));
    assigns *xx;
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
    ensures k9: flips_idx(c);
    ensures k8: rows_at(c->Wr, c->k, c->d);
*/
static void kept_clear(ctx_t *c, nrc_cdy *xx)
{
    (void)c; /* the context only names the frame of the contract */
    nrc_cdy_clear(xx);
}

/* The evaluation of check_flip, into the caller's *xx: its pre-activations
 * a_j(x) and <x, x>, then its claims. The assertions split the frame of
 * each step (the kept_* contracts) into small goals. */
/*@ requires ctx_base(c) && ctx_scratch(c) && ctx_flips(c);
    requires r < c->C->n_flips;
    // (apart_cdy(c, xx, 1) spelt out: a predicate applied to xx would make
    // check_flip's local <x, x> an addressed variable, whose allocation the
    // quantified rows_at must then be carried through)
    requires \valid(xx) && \separated(xx, c) && \separated(xx, c->C) && \separated(xx, c->M) &&
             \separated(xx, c->C->flips + (0 .. c->C->n_flips - 1)) &&
             \separated(xx, c->Wr + (0 .. c->k - 1));
    requires \separated(xx, c->a + (0 .. c->k - 1), c->ap + (0 .. c->k - 1),
                        c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1));
    assigns c->a[0 .. c->k - 1], c->ap[0 .. c->k - 1],
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1], *xx;
    ensures ctx_base(c);
    ensures ctx_scratch(c);
    ensures flips_idx(c);
    ensures flips_arr(c);
    ensures flips_rows(c);
    ensures flips_sep(c);
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
*/
static nrc_status flip_eval(ctx_t *c, size_t r, nrc_cdy *xx)
{
    const nrc_cflip f = c->C->flips[r];
    const size_t i = (size_t)f.index;
    const double *const v = c->M->v;
    const double L = c->C->L_upper;
    nrc_status st;
    //@ assert io0: flip_io(c) && \valid_read(v + (0 .. c->k - 1));
    //@ assert apart_x: apart_cdy(c, xx, 1);
    //@ assert apart_a: apart_cdy(c, c->a, c->k);
    //@ assert apart_s: apart_u64(c, c->sp, c->s_limbs) && apart_u64(c, c->sn, c->s_limbs);
    //@ assert apart_c: apart_cdy(c, c->ap, c->k) && apart_rep(c);
    if (!f.test) {
        kept_pre_train(c, i, xx);
        st = NRC_OK;
    } else {
        st = kept_pre_test(c, i, xx);
    }
    //@ assert pre_k1: keep_c1{Pre, Here}(c);
    //@ assert pre_k2: keep_c2{Pre, Here}(c);
    //@ assert pre_k3: keep_c3{Pre, Here}(c);
    //@ assert pre_k4: keep_i1{Pre, Here}(c);
    //@ assert pre_k7: keep_i2{Pre, Here}(c);
    //@ assert pre_io: flip_io(c) && \valid_read(v + (0 .. c->k - 1));
    //@ assert pre_apart: apart_cdy(c, c->ap, c->k) && apart_rep(c);
    //@ assert pre_sep: flips_sep(c);
    if (!st)
        kept_claims(c, f, r, i, xx, v, L);
    //@ assert end_k1: keep_c1{Pre, Here}(c);
    //@ assert end_k2: keep_c2{Pre, Here}(c);
    //@ assert end_k3: keep_c3{Pre, Here}(c);
    //@ assert end_k4: keep_i1{Pre, Here}(c);
    //@ assert end_k7: keep_i2{Pre, Here}(c);
    //@ assert end_arr0: arr_at(\at(c->n, Pre), \at(c->k, Pre), \at(c->m, Pre), \at(c->d, Pre), \at(c->M->Xt, Pre), \at(c->M->b, Pre), \at(c->M->v, Pre), \at(c->A, Pre), \at(c->xx, Pre), \at(c->wz, Pre), \at(c->a, Pre), \at(c->ap, Pre));
    return st;
}

/* One flip r with status "certified" (flip_eval). A false claim is recorded
 * by fail() (rep->valid becomes 0); the result is not NRC_OK only when the
 * evaluation itself could not run. */
/*@ requires ctx_base(c) && ctx_scratch(c) && ctx_flips(c);
    requires r < c->C->n_flips;
    assigns c->a[0 .. c->k - 1], c->ap[0 .. c->k - 1],
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures ctx_base(c);
    ensures ctx_scratch(c);
    ensures flips_idx(c);
    ensures flips_arr(c);
    ensures flips_rows(c);
    ensures flips_sep(c);
    ensures k1: keep_c1{Old, Post}(c);
    ensures k2: keep_c2{Old, Post}(c);
    ensures k3: keep_c3{Old, Post}(c);
    ensures k4: keep_i1{Old, Post}(c);
    ensures k7: keep_i2{Old, Post}(c);
*/
static nrc_status check_flip(ctx_t *c, size_t r)
{
    nrc_cdy xx;
    nrc_status st;
    kept_init(c, &xx);
    //@ assert init_arr0: arr_at(\at(c->n, Pre), \at(c->k, Pre), \at(c->m, Pre), \at(c->d, Pre), \at(c->M->Xt, Pre), \at(c->M->b, Pre), \at(c->M->v, Pre), \at(c->A, Pre), \at(c->xx, Pre), \at(c->wz, Pre), \at(c->a, Pre), \at(c->ap, Pre));
    //@ assert init_base: ctx_base(c);
    //@ assert init_scratch: ctx_scratch(c);
    //@ assert init_idx: flips_idx(c);
    //@ assert init_arr: flips_arr(c);
    //@ assert init_rows: flips_rows(c);
    //@ assert init_sep: flips_sep(c);
    st = flip_eval(c, r, &xx);
    //@ assert eval_k1: keep_c1{Pre, Here}(c);
    //@ assert eval_k2: keep_c2{Pre, Here}(c);
    //@ assert eval_k3: keep_c3{Pre, Here}(c);
    //@ assert eval_k4: keep_i1{Pre, Here}(c);
    //@ assert eval_k7: keep_i2{Pre, Here}(c);
    kept_clear(c, &xx);
    //@ assert end_k1: keep_c1{Pre, Here}(c);
    //@ assert end_k2: keep_c2{Pre, Here}(c);
    //@ assert end_k3: keep_c3{Pre, Here}(c);
    //@ assert end_k4: keep_i1{Pre, Here}(c);
    //@ assert end_k7: keep_i2{Pre, Here}(c);
    //@ assert end_arr0: arr_at(\at(c->n, Pre), \at(c->k, Pre), \at(c->m, Pre), \at(c->d, Pre), \at(c->M->Xt, Pre), \at(c->M->b, Pre), \at(c->M->v, Pre), \at(c->A, Pre), \at(c->xx, Pre), \at(c->wz, Pre), \at(c->a, Pre), \at(c->ap, Pre));
    return st;
}

/* Every flip in order, until the first false claim: certified ones are
 * checked exactly (check_flip), the others only counted. The counts are
 * kept in locals and stored once; the loop's frame is stated on the
 * context's fields read into locals. */
/*@ requires ctx_base(c) && ctx_scratch(c) && ctx_flips(c);
    requires c->rep->flips_train == 0 && c->rep->flips_test == 0 && c->rep->flips_other == 0;
    assigns c->a[0 .. c->k - 1], c->ap[0 .. c->k - 1],
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->rep->flips_train, c->rep->flips_test, c->rep->flips_other,
            c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static nrc_status check_flips(ctx_t *c)
{
    const size_t n_flips = c->C->n_flips;
    const nrc_cflip *const flips = c->C->flips;
    size_t r, ntrain = 0, ntest = 0, nother = 0;
    nrc_status st = NRC_OK;
    /* What the loop writes, fixed at entry, for its loop assigns (stated on
     * c->a, ..., they would be read in the loop's own havoced state). */
    /*@ ghost nrc_cdy *ga = c->a; nrc_cdy *gap = c->ap; */
    /*@ ghost uint64_t *gsp = c->sp; uint64_t *gsn = c->sn; */
    /*@ ghost size_t gk = c->k; size_t gsl = c->s_limbs; */
    /*@ ghost nrc_check_report *grep = c->rep; nrc_error *gerr = c->err; */
    /*@ loop invariant 0 <= r <= n_flips;
        loop invariant ctx_base(c) && ctx_scratch(c) && ctx_flips(c);
        loop invariant keep_c1{Pre, Here}(c);
        loop invariant keep_c2{Pre, Here}(c);
        loop invariant keep_c3{Pre, Here}(c);
        loop invariant keep_i1{Pre, Here}(c);
        loop invariant keep_i2{Pre, Here}(c);
        loop invariant c->C->n_flips == n_flips && c->C->flips == flips;
        loop invariant n_flips == 0 || \valid_read(flips + (0 .. n_flips - 1));
        loop invariant ntrain + ntest + nother <= r;
        loop invariant st == NRC_OK;
        loop assigns r, st, ntrain, ntest, nother,
                     ga[0 .. gk - 1], gap[0 .. gk - 1], gsp[0 .. gsl - 1], gsn[0 .. gsl - 1],
                     grep->valid, grep->claim[0 .. 159],
                     gerr->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n_flips - r;
    */
    for (r = 0; r < n_flips && c->rep->valid; r++) {
        if (flips[r].status != NRC_CFLIP_CERTIFIED) {
            nother++;
            continue;
        }
        if ((st = check_flip(c, r)) || !c->rep->valid)
            break;
        if (flips[r].test)
            ntest++;
        else
            ntrain++;
    }
    c->rep->flips_train = ntrain;
    c->rep->flips_test = ntest;
    c->rep->flips_other = nother;
    return st;
}

/*@ // kkt_residual and check_kkt: is_kink (written by check_kkt) and the
    // error message apart from what the two read and write (integer and
    // pointer memory; the doubles are apart by their type).
    predicate ctx_kkt_sep(ctx_t *c) =
      \separated(c->is_kink + (0 .. c->n * c->k - 1), c, c->C, c->M, c->rep,
                 c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->Xc + (0 .. c->d - 1), c->S + (0 .. c->d - 1),
                 c->support + (0 .. c->n - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->err, c, c->C, c->M, c->rep, c->is_kink + (0 .. c->n * c->k - 1),
                 c->C->kinks + (0 .. c->C->n_kinks - 1),
                 c->Xc + (0 .. c->d - 1), c->S + (0 .. c->d - 1),
                 c->support + (0 .. c->n - 1),
                 c->sp + (0 .. c->s_limbs - 1), c->sn + (0 .. c->s_limbs - 1)) &&
      \separated(c->rep, c->is_kink + (0 .. c->n * c->k - 1),
                 c->C->kinks + (0 .. c->C->n_kinks - 1)) &&
      \separated(c->coef + (0 .. c->n - 1), c, c->M, c->rep, c->err);
*/

/* The columns of X (n entries each, stride d) as exact vectors. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX && n * d <= SIZE_MAX;
    requires \valid(Xc + (0 .. d - 1)) && \valid_read(X + (0 .. n * d - 1));
    requires err == \null || \valid(err);
    requires \separated(err, Xc + (0 .. d - 1));
    assigns Xc[0 .. d - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> \forall integer u; 0 <= u < d ==>
        nrc_cfix_valid(&Xc[u]) && Xc[u].len == n;
*/
static nrc_status kkt_cols(nrc_cfix *Xc, const double *X, size_t n, size_t d, nrc_error *err)
{
    size_t t;
    nrc_status st = NRC_OK;
    //@ ghost ck_row_end(n - 1, n, d);
    /*@ loop invariant 0 <= t <= d;
        loop invariant st == NRC_OK || st == NRC_ERR_SYSTEM;
        loop invariant st == NRC_OK ==> \forall integer u; 0 <= u < t ==>
            nrc_cfix_valid(&Xc[u]) && Xc[u].len == n;
        loop assigns t, st, Xc[0 .. d - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant d - t;
    */
    for (t = 0; t < d && !st; t++) {
        //@ assert (n - 1) * d + t < n * d;
        st = nrc_cfix_set_d(&Xc[t], X + t, n, d, err);
    }
    return st;
}

/* coef_i = y_i lambda_i where a_ij > 0 (exact in binary64: a sign change),
 * 0 where a_ij < 0 or (i, j) is a listed kink: listed pairs (|a_ij| <= eta,
 * possibly nonzero) are added by kkt_kinks with their g, exactly. The
 * support (ascending) into support; returns its size. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX && j < k;
    requires \valid(coef + (0 .. n - 1)) && \valid(support + (0 .. n - 1));
    requires \valid_read(is_kink + (0 .. n * k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    assigns coef[0 .. n - 1], support[0 .. n - 1];
    ensures \result <= n;
    ensures \forall integer u; 0 <= u < \result ==> support[u] < n;
*/
static size_t kkt_coef(double *coef, size_t *support, const unsigned char *is_kink,
                       const nrc_cdy *A, const double *y, const double *lambda, size_t n,
                       size_t k, size_t j)
{
    size_t i, nsup = 0;
    /*@ loop invariant 0 <= i <= n && 0 <= nsup <= i;
        loop invariant \forall integer u; 0 <= u < nsup ==> support[u] < i;
        loop assigns i, nsup, coef[0 .. n - 1], support[0 .. n - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        //@ ghost ck_row_end(i, n, k);
        //@ assert 0 <= i * k + j < n * k;
        coef[i] = !is_kink[i * k + j] && nrc_cdy_sgn(&A[i * k + j]) > 0
                      ? (y[i] < 0 ? -lambda[i] : lambda[i]) : 0.0;
        if (coef[i] != 0.0)
            support[nsup++] = i;
    }
    return nsup;
}

/* S[t] = sum_i coef_i x_i[t] = <cf, Xc[t]> over the support idx. */
/*@ requires 1 <= d <= NRC_MODEL_DIM_MAX && 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(S + (0 .. d - 1)) && nrc_cfix_valid((nrc_cfix *)cf);
    requires \forall integer u; 0 <= u < d ==>
        nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == cf->len;
    requires nidx == 0 || \valid_read(idx + (0 .. nidx - 1));
    requires \forall integer u; 0 <= u < nidx ==> idx[u] < cf->len;
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1), S + (0 .. d - 1), err,
                        cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    requires \separated(S + (0 .. d - 1), err, cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    requires \separated(err, cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    assigns S[0 .. d - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status kkt_S(nrc_cdy *S, const nrc_cfix *cf, const nrc_cfix *Xc, const size_t *idx,
                        size_t nidx, size_t d, uint64_t *sp, uint64_t *sn, size_t sl,
                        nrc_error *err)
{
    size_t t;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= t <= d && st == NRC_OK;
        loop assigns t, st, S[0 .. d - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++)
        if ((st = dot_support(sp, sn, sl, err, &S[t], cf, &Xc[t], idx, nidx)))
            break;
    return st;
}

/* sb = sum_i coef_i (the b-equation). */
/*@ requires \valid(sb) && \valid_read(coef + (0 .. n - 1));
    assigns *sb;
*/
static void kkt_sum(nrc_cdy *sb, const double *coef, size_t n)
{
    size_t i;
    nrc_cdy_set_si(sb, 0);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, *sb;
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        nrc_cdy_add_d(sb, sb, coef[i]);
}

/* S[t] += g x[t] for t < d (tmp: scratch). */
/*@ requires \valid(S + (0 .. d - 1)) && \valid_read(x + (0 .. d - 1));
    requires \valid_read(g) && \valid(tmp);
    assigns *tmp, S[0 .. d - 1];
*/
static void kkt_axpy(nrc_cdy *S, nrc_cdy *tmp, const nrc_cdy *g, const double *x, size_t d)
{
    size_t t;
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, *tmp, S[0 .. d - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++) {
        nrc_cdy_mul_d(tmp, g, x[t]);
        nrc_cdy_add(&S[t], &S[t], tmp);
    }
}

/* The listed kinks of neuron j: g y_i lambda_i, exactly, into sb and
 * g y_i lambda_i x_i into S; wk holds sb, g and tmp (see kkt_loop). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX && n * d <= SIZE_MAX;
    requires n_kinks == 0 || \valid_read(kinks + (0 .. n_kinks - 1));
    requires \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid_read(X + (0 .. n * d - 1));
    requires \valid(S + (0 .. d - 1)) && \valid(wk + (0 .. 2));
    requires \separated(kinks + (0 .. n_kinks - 1), S + (0 .. d - 1), wk + (0 .. 2));
    assigns wk[0 .. 2], S[0 .. d - 1];
*/
static void kkt_kinks(nrc_cdy *wk, nrc_cdy *S,
                      const nrc_ckink *kinks, size_t n_kinks, size_t j, const double *y,
                      const double *lambda, const double *X, size_t n, size_t d)
{
    nrc_cdy *const sb = &wk[0], *const g = &wk[1], *const tmp = &wk[2];
    size_t kk;
    (void)n; /* bounds the kinks' i (ghost ck_row_end) */
    /*@ loop invariant 0 <= kk <= n_kinks;
        loop assigns kk, wk[0 .. 2], S[0 .. d - 1];
        loop variant n_kinks - kk;
    */
    for (kk = 0; kk < n_kinks; kk++) {
        const nrc_ckink *K = &kinks[kk];
        size_t ki;
        if (K->j != j)
            continue;
        ki = (size_t)K->i;
        /* g y_i lambda_i, exactly */
        nrc_cdy_set_d(g, K->g);
        nrc_cdy_mul_d(g, g, y[ki] < 0 ? -lambda[ki] : lambda[ki]);
        nrc_cdy_add(sb, sb, g);
        //@ ghost ck_row_end(ki, n, d);
        kkt_axpy(S, tmp, g, X + ki * d, d);
    }
}

/* rr += sum_t (w[t] - v_j S[t])^2 (the r_w of neuron j). */
/*@ requires \valid(rr) && \valid(tmp);
    requires \valid_read(S + (0 .. d - 1)) && \valid_read(w + (0 .. d - 1));
    assigns *tmp, *rr;
*/
static void kkt_rw(nrc_cdy *rr, nrc_cdy *tmp, const nrc_cdy *S, const double *w, double vj,
                   size_t d)
{
    size_t t;
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, *tmp, *rr;
        loop variant d - t;
    */
    for (t = 0; t < d; t++) {
        nrc_cdy_mul_d(tmp, &S[t], -vj);
        nrc_cdy_add_d(tmp, tmp, w[t]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(rr, rr, tmp);
    }
}

/* sb += sum_i -y_i lambda_i relu(a_ij) (the r_v of neuron j, from sb = v_j). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX && j < k;
    requires \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid(sb) && \valid(tmp);
    assigns *tmp, *sb;
*/
static void kkt_rv(nrc_cdy *sb, nrc_cdy *tmp, const nrc_cdy *A, const double *y,
                   const double *lambda, size_t n, size_t k, size_t j)
{
    size_t i;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, *tmp, *sb;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        const nrc_cdy *a;
        //@ ghost ck_row_end(i, n, k);
        //@ assert 0 <= i * k + j < n * k;
        a = &A[i * k + j];
        if (nrc_cdy_sgn(a) <= 0)
            continue;
        nrc_cdy_mul_d(tmp, a, y[i] < 0 ? lambda[i] : -lambda[i]);
        nrc_cdy_add(sb, sb, tmp);
    }
}

/* The residual terms of neuron j into rr, given S and sb = sum_i coef_i
 * with the kinks' terms: r_w (kkt_rw), r_b when b is not NULL, r_v unless
 * fixed. wk holds sb, g, tmp and rr (see kkt_loop). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && j < k;
    requires n * k <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid_read(W + (0 .. k * d - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(S + (0 .. d - 1)) && \valid(wk + (0 .. 3));
    assigns wk[0 .. 3];
*/
static void kkt_rterms(nrc_cdy *wk, const nrc_cdy *S,
                       const double *y, const double *lambda, const double *W,
                       const double *b, const double *v, const nrc_cdy *A, int fixed, size_t n,
                       size_t k, size_t d, size_t j)
{
    nrc_cdy *const sb = &wk[0], *const tmp = &wk[2], *const rr = &wk[3];
    /* r_w[j][t] = w_j[t] - v_j S[t] */
    //@ ghost ck_row_end(j, k, d);
    kkt_rw(rr, tmp, S, W + j * d, v[j], d);
    if (b) {
        nrc_cdy_mul_d(tmp, sb, -v[j]);
        nrc_cdy_add_d(tmp, tmp, b[j]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(rr, rr, tmp);
    }
    if (!fixed) {
        /* r_v[j] = v_j - sum_i lambda_i y_i relu(a_ij) */
        nrc_cdy_set_d(sb, v[j]);
        kkt_rv(sb, tmp, A, y, lambda, n, k, j);
        nrc_cdy_mul(sb, sb, sb);
        nrc_cdy_add(rr, rr, sb);
    }
}

/* Every neuron j < k: the direction (kkt_coef, kkt_S), the b-equation and
 * the kinks' terms (kkt_sum, kkt_kinks), the residual terms (kkt_rterms)
 * into wk[3]; stops at the first error. The frame facts (Xc, kinks) are
 * asserted after each call. The dyadics sb, g, tmp and the sum rr are one
 * array wk = {sb, g, tmp, rr}: a call's writes are then one region for the
 * provers, not three or four; the frame of Xc through two, three or four
 * separate regions took them 2 s, 16 s, out of reach (each region doubles
 * the cases of the memory). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;
    requires 1 <= sl <= SCRATCH_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(coef + (0 .. n - 1)) && \valid(support + (0 .. n - 1));
    requires \valid_read(is_kink + (0 .. n * k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid_read(X + (0 .. n * d - 1)) && \valid_read(W + (0 .. k * d - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1));
    requires n_kinks == 0 || \valid_read(kinks + (0 .. n_kinks - 1));
    requires \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
    requires \valid(S + (0 .. d - 1)) && \valid(cf);
    requires \valid(wk + (0 .. 3));
    requires \forall integer u; 0 <= u < d ==>
        nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n;
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1), S + (0 .. d - 1), err,
                        cf, Xc + (0 .. d - 1), support + (0 .. n - 1),
                        kinks + (0 .. n_kinks - 1), wk + (0 .. 3));
    assigns coef[0 .. n - 1], support[0 .. n - 1], *cf, S[0 .. d - 1], sp[0 .. sl - 1],
            sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1], wk[0 .. 3];
*/
static nrc_status kkt_loop(nrc_cdy *wk, nrc_cfix *cf,
                           double *coef, size_t *support, nrc_cdy *S, const nrc_cfix *Xc,
                           const unsigned char *is_kink, const nrc_cdy *A, const double *y,
                           const double *lambda, const double *X, const double *W,
                           const double *b, const double *v, const nrc_ckink *kinks,
                           size_t n_kinks, int fixed, size_t n, size_t k, size_t d,
                           uint64_t *sp, uint64_t *sn, size_t sl, nrc_error *err)
{
    size_t j;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop invariant \forall integer u; 0 <= u < d ==>
            nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n;
        loop invariant \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        loop assigns j, st, coef[0 .. n - 1], support[0 .. n - 1], *cf, S[0 .. d - 1],
                     sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
                     wk[0 .. 3];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        size_t nsup;
        /* the direction: coefficients, support, cf = coef, S[t] = <cf, Xc[t]> */
        nsup = kkt_coef(coef, support, is_kink, A, y, lambda, n, k, j);
        //@ assert k_1: \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        /*@ assert x_1: \forall integer u; 0 <= u < d ==>
                nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n; */
        if ((st = nrc_cfix_set_d(cf, coef, n, 1, err)))
            break;
        //@ assert k_2: \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        /*@ assert x_2: \forall integer u; 0 <= u < d ==>
                nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n; */
        if ((st = kkt_S(S, cf, Xc, support, nsup, d, sp, sn, sl, err)))
            break;
        //@ assert k_3: \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        /*@ assert x_3: \forall integer u; 0 <= u < d ==>
                nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n; */
        /* the b-equation and the kinks' terms */
        kkt_sum(&wk[0], coef, n);
        //@ assert k_4: \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        /*@ assert x_4: \forall integer u; 0 <= u < d ==>
                nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n; */
        kkt_kinks(wk, S, kinks, n_kinks, j, y, lambda, X, n, d);
        //@ assert k_5: \forall integer u; 0 <= u < n_kinks ==> kinks[u].i < n;
        /*@ assert x_5: \forall integer u; 0 <= u < d ==>
                nrc_cfix_valid((nrc_cfix *)&Xc[u]) && Xc[u].len == n; */
        kkt_rterms(wk, S, y, lambda, W, b, v, A, fixed, n, k, d, j);
    }
    return st;
}

/* ||r||^2 for r = theta - sum_i lambda_i h_i (MATH.md section 4), over
 * (W, b) and, for the full variant, v, into c->res. is_kink marks the
 * listed kinks. */
/*@ requires ctx_base(c) && ctx_scratch(c) && ctx_kkt(c) && ctx_kkt_sep(c);
    assigns c->res, c->coef[0 .. c->n - 1], c->support[0 .. c->n - 1],
            c->Xc[0 .. c->d - 1], c->S[0 .. c->d - 1],
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static nrc_status kkt_residual(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const nrc_model *M = c->M;
    const size_t n = c->n, d = c->d, k = c->k, n_kinks = C->n_kinks;
    const double *const lambda = C->lambda, *const y = M->y, *const X = M->X;
    const double *const W = M->W, *const b = M->b, *const v = M->v;
    const nrc_ckink *const kinks = C->kinks;
    const nrc_cdy *const A = c->A;
    const unsigned char *const is_kink = c->is_kink;
    const int fixed = c->kkt_fixed;
    double *const coef = c->coef;
    size_t *const support = c->support;
    nrc_cfix *const Xc = c->Xc;
    nrc_cdy *const S = c->S, *const rr = &c->res;
    /* The context's scratch in locals, for the context-free calls. */
    uint64_t *const sp = c->sp, *const sn = c->sn;
    const size_t sl = c->s_limbs;
    nrc_error *const err = c->err;
    size_t t;
    nrc_status st;
    nrc_cfix cf;
    nrc_cdy wk[4]; /* kkt_loop's dyadics: sb, g, tmp and the sum rr */
    nrc_cfix_init(&cf);
    nrc_cdy_init(&wk[0]);
    nrc_cdy_init(&wk[1]);
    nrc_cdy_init(&wk[2]);
    nrc_cdy_init(&wk[3]);
    nrc_cdy_set_si(&wk[3], 0);
    if (!(st = kkt_cols(Xc, X, n, d, err)))
        st = kkt_loop(wk, &cf, coef, support, S, Xc, is_kink, A, y, lambda, X,
                      W, b, v, kinks, n_kinks, fixed, n, k, d, sp, sn, sl, err);
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, Xc[0 .. d - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++)
        nrc_cfix_clear(&Xc[t]);
    nrc_cfix_clear(&cf);
    nrc_cdy_set(rr, &wk[3]);
    nrc_cdy_clear(&wk[0]);
    nrc_cdy_clear(&wk[1]);
    nrc_cdy_clear(&wk[2]);
    nrc_cdy_clear(&wk[3]);
    return st;
}

/* The kinks of check_kkt: listed pairs have |a_ij| <= eta (with eta = 0:
 * exact zeros) and 0 <= g <= 1; every exact zero is listed (kinks are
 * sorted by (i, j), strictly, so one merge pass suffices). is_kink records
 * the listed pairs (every entry is written: listed or not). Returns 1, or 0
 * when a claim is false (recorded by fail(); *t is then cleared). */
/*@ requires \valid(c) && \valid(c->rep) && (c->err == \null || \valid(c->err));
    requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX && n * k <= SIZE_MAX;
    requires \valid(is_kink + (0 .. n * k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires n_kinks == 0 || \valid_read(kinks + (0 .. n_kinks - 1));
    requires \valid(t);
    requires \separated(is_kink + (0 .. n * k - 1), c, t);
    requires \separated(t, c);
    assigns is_kink[0 .. n * k - 1], *t, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == 0 || \result == 1;
*/
static int kkt_kink_scan(ctx_t *c, unsigned char *is_kink, const nrc_cdy *A,
                         const nrc_ckink *kinks, size_t n_kinks, size_t n, size_t k,
                         double eta, nrc_cdy *t)
{
    size_t i, j, kk = 0;
    char name[96], s1[320], s2[320];
    /*@ loop invariant 0 <= i <= n && kk <= n_kinks;
        loop assigns i, j, kk, *t, name[0 .. 95], s1[0 .. 319], s2[0 .. 319],
                     is_kink[0 .. n * k - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        /*@ loop invariant 0 <= j <= k && kk <= n_kinks;
            loop assigns j, kk, *t, name[0 .. 95], s1[0 .. 319], s2[0 .. 319],
                         is_kink[0 .. n * k - 1];
            loop variant k - j;
        */
        for (j = 0; j < k; j++) {
            const nrc_cdy *a;
            int zero, listed;
            //@ ghost ck_row_end(i, n, k);
            //@ assert 0 <= i * k + j < n * k;
            a = &A[i * k + j];
            zero = nrc_cdy_sgn(a) == 0;
            listed = kk < n_kinks && kinks[kk].i == i && kinks[kk].j == j;
            is_kink[i * k + j] = 0;
            if (listed) {
                snprintf(name, sizeof name, "kkt.kinks[%zu]", kk);
                nrc_cdy_abs(t, a);
                if (nrc_cdy_cmp_d(t, eta) > 0) {
                    show(a, s1, sizeof s1);
                    nrc_check_hex_format(eta, s2, sizeof s2);
                    nrc_cdy_clear(t);
                    fail(c, name, "a_ij at (i, j) = (%zu, %zu) is %s: |a_ij| exceeds kkt.kink_tolerance eta = %s%s",
                         i, j, s1, s2, eta == 0.0 ? " (only exact zeros may be listed)" : "");
                    return 0;
                }
                if (!(kinks[kk].g >= 0.0 && kinks[kk].g <= 1.0)) {
                    nrc_cdy_clear(t);
                    fail(c, name, "subgradient g is not in [0, 1]");
                    return 0;
                }
                is_kink[i * k + j] = 1;
                kk++;
            } else if (zero) {
                nrc_cdy_clear(t);
                fail(c, "kkt.kinks", "a_ij = 0 exactly at (i, j) = (%zu, %zu) but the pair is not listed", i, j);
                return 0;
            }
        }
    return 1;
}

/* The KKT claims' preconditions, in this order: the status (fit.all_correct,
 * q_min > 0), the multipliers (lambda_i >= 0), eta = kink_tolerance >= 0
 * (0 when absent). Returns 1, or 0 when a claim is false (recorded by
 * fail()). */
/*@ requires ctx_base(c) && \valid_read(c->C->lambda + (0 .. c->n - 1));
    requires \separated(c->err, c, c->C, c->M, c->rep);
    requires c->rep->kkt == 0;
    assigns c->rep->kkt, c->rep->kink_tolerance, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == 0 || (\result == 1 && c->rep->kkt == 1);
*/
static int kkt_pre(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const size_t n = c->n;
    const double *const lambda = C->lambda;
    size_t i;
    char name[96], s1[320];
    /* asserted KKT claims (status "certified", or absent in a FORMATS.md
     * certificate) require fit.all_correct true, so q_min > 0 */
    if (!C->all_correct) {
        fail(c, "kkt.status", "the KKT claims are asserted, which requires fit.all_correct true");
        return 0;
    }
    if (nrc_cdy_sgn(&c->qmin) <= 0) {
        show(&c->qmin, s1, sizeof s1);
        fail(c, "kkt.status", "\"certified\" requires q_min > 0, but q_min = %s", s1);
        return 0;
    }
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, name[0 .. 95];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        if (!(lambda[i] >= 0.0)) {
            snprintf(name, sizeof name, "kkt.lambda[%zu]", i);
            fail(c, name, "negative multiplier");
            return 0;
        }
    c->rep->kkt++;
    if (!(C->kink_tolerance >= 0.0)) {
        fail(c, "kkt.kink_tolerance", "negative (eta >= 0 is required)");
        return 0;
    }
    c->rep->kink_tolerance = C->kink_tolerance;
    return 1;
}

/* The claims on ||r||^2 = c->res and the rest, in this order: eps_rel_upper,
 * eps_upper, delta_upper, balance_defect_upper. Returns how many hold
 * before the first false one (recorded by fail()), 4 when all do. sc[0 .. 2]:
 * scratch (one array: one region for the provers). */
/*@ requires \valid(c) && \valid(c->rep) && (c->err == \null || \valid(c->err));
    requires \separated(c, c->rep, c->err);
    requires \valid_read(C);
    requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires \valid_read(lambda + (0 .. n - 1)) && \valid_read(q + (0 .. n - 1));
    requires \valid_read(ww + (0 .. k - 1)) && \valid_read(v + (0 .. k - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid(sc + (0 .. 2));
    requires \separated(sc + (0 .. 2), c, c->rep, c->err);
    assigns c->rep->valid, c->rep->claim[0 .. 159], c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            sc[0 .. 2];
    ensures 0 <= \result <= 4;
*/
static size_t kkt_bounds(ctx_t *c, const nrc_cert *C, const nrc_cdy *q, const nrc_cdy *ww,
                         const double *lambda, const double *b, const double *v, size_t n,
                         size_t k, nrc_cdy *sc)
{
    const nrc_cdy *const rr = &c->res;
    nrc_cdy *const t = &sc[0], *const u = &sc[1], *const w = &sc[2];
    size_t i, j;
    char s1[320], s2[320];
    /* ||r||^2 <= eps_rel^2 T, T over the coordinates of r */
    nrc_cdy_set_d(t, C->eps_rel_upper);
    nrc_cdy_mul(t, t, t);
    nrc_cdy_mul(t, t, c->kkt_fixed ? &c->T_wb : &c->T_full);
    if (!(C->eps_rel_upper >= 0.0) || nrc_cdy_cmp(rr, t) > 0) {
        show(rr, s1, sizeof s1);
        show(c->kkt_fixed ? &c->T_wb : &c->T_full, s2, sizeof s2);
        fail(c, "kkt.eps_rel_upper", "negative, or ||r||^2 = %s > eps_rel_upper^2 T with T = %s", s1, s2);
        return 0;
    }
    /* ||r||^2 <= eps^2 q_min (full) or eps^2 q_min^2 (fixed second layer) */
    nrc_cdy_set_d(t, C->eps_upper);
    nrc_cdy_mul(t, t, t);
    nrc_cdy_mul(t, t, &c->qmin);
    if (c->kkt_fixed)
        nrc_cdy_mul(t, t, &c->qmin);
    if (!(C->eps_upper >= 0.0) || nrc_cdy_cmp(rr, t) > 0) {
        show(rr, s1, sizeof s1);
        fail(c, "kkt.eps_upper", "negative, or ||r||^2 = %s > eps_upper^2 q_min%s", s1,
             c->kkt_fixed ? "^2" : "");
        return 1;
    }
    /* sum_i lambda_i (q_i - q_min) <= delta_upper q_min */
    nrc_cdy_set_si(u, 0);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, sc[0 .. 2];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        nrc_cdy_sub(t, &q[i], &c->qmin);
        nrc_cdy_mul_d(t, t, lambda[i]);
        nrc_cdy_add(u, u, t);
    }
    nrc_cdy_mul_d(t, &c->qmin, C->delta_upper);
    if (nrc_cdy_cmp(u, t) > 0) {
        show(u, s1, sizeof s1);
        fail(c, "kkt.delta_upper", "sum_i lambda_i (q_i - q_min) = %s > delta_upper q_min", s1);
        return 2;
    }
    /* max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= B ||theta||^2 (full theta) */
    nrc_cdy_mul_d(t, &c->T_full, C->balance_defect_upper);
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, sc[0 .. 2];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        nrc_cdy_set(u, &ww[j]);
        if (b) {
            nrc_cdy_set_d(w, b[j]);
            nrc_cdy_mul(w, w, w);
            nrc_cdy_add(u, u, w);
        }
        nrc_cdy_set_d(w, v[j]);
        nrc_cdy_mul(w, w, w);
        nrc_cdy_sub(u, u, w);
        nrc_cdy_abs(u, u);
        if (nrc_cdy_cmp(u, t) > 0) {
            show(u, s1, sizeof s1);
            fail(c, "kkt.balance_defect_upper", "neuron %zu: | ||w_j||^2 + b_j^2 - v_j^2 | = %s > bound ||theta||^2", j, s1);
            return 3;
        }
    }
    return 4;
}

/*@ requires ctx_base(c) && ctx_scratch(c) && ctx_kkt(c) && ctx_kkt_sep(c);
    requires \valid_read(c->q + (0 .. c->n - 1)) && \valid_read(c->ww + (0 .. c->k - 1));
    requires c->rep->kkt == 0;
    assigns c->rep->kkt, c->rep->kink_tolerance, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            c->is_kink[0 .. c->n * c->k - 1], c->res, c->coef[0 .. c->n - 1],
            c->support[0 .. c->n - 1], c->Xc[0 .. c->d - 1], c->S[0 .. c->d - 1],
            c->sp[0 .. c->s_limbs - 1], c->sn[0 .. c->s_limbs - 1];
*/
static nrc_status check_kkt(ctx_t *c)
{
    const nrc_cert *C = c->C;
    const size_t n = c->n, k = c->k, n_kinks = C->n_kinks;
    const double *const lambda = C->lambda, *const b = c->M->b, *const v = c->M->v;
    const nrc_ckink *const kinks = C->kinks;
    const nrc_cdy *const A = c->A, *const q = c->q, *const ww = c->ww;
    unsigned char *const is_kink = c->is_kink;
    nrc_status st;
    nrc_cdy sc[3]; /* scratch: the kink scan's (sc[0]), then kkt_bounds' */
    size_t held;
    if (!kkt_pre(c))
        return NRC_OK;
    //@ assert c_1: ctx_base(c) && ctx_scratch(c) && ctx_kkt(c) && ctx_kkt_sep(c);
    /* kinks: listed pairs have |a_ij| <= eta (with eta = 0: exact zeros)
     * and 0 <= g <= 1; every exact zero is listed (kkt_kink_scan). */
    nrc_cdy_init(&sc[0]);
    if (!kkt_kink_scan(c, is_kink, A, kinks, n_kinks, n, k, C->kink_tolerance, &sc[0]))
        return NRC_OK;
    //@ assert c_2: ctx_base(c) && ctx_scratch(c) && ctx_kkt(c) && ctx_kkt_sep(c);
    c->rep->kkt++;
    //@ assert c_3: ctx_base(c) && ctx_scratch(c) && ctx_kkt(c) && ctx_kkt_sep(c);
    /* the claims counted so far, kept in a local: the residual's writes
     * leave the report alone, but the provers would have to see through
     * each of them */
    held = c->rep->kkt;
    nrc_cdy_init(&sc[1]);
    nrc_cdy_init(&sc[2]);
    st = kkt_residual(c);
    if (!st)
        c->rep->kkt = held + kkt_bounds(c, C, q, ww, lambda, b, v, n, k, sc);
    nrc_cdy_clear(&sc[0]);
    nrc_cdy_clear(&sc[1]);
    nrc_cdy_clear(&sc[2]);
    return st;
}

/*@ requires ctx_base(c);
    requires c->rep->robust == 0;
    assigns c->rep->robust, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
static nrc_status check_robust(ctx_t *c)
{
    double r = c->C->radius_lower;
    nrc_cdy t, u;
    char s1[320];
    if (!(r >= 0.0))
        return fail(c, "robust_reference.radius_lower", "negative radius");
    if (nrc_cdy_cmp(&c->Rmin, &c->rho) <= 0)
        return fail(c, "robust_reference.status", "\"certified\" requires R_min^2 > rho");
    nrc_cdy_init(&t);
    nrc_cdy_init(&u);
    /* (R_min^2 - rho)^2 >= 4 r^2 R_max^2 */
    nrc_cdy_sub(&t, &c->Rmin, &c->rho);
    nrc_cdy_mul(&t, &t, &t);
    nrc_cdy_set_d(&u, r);
    nrc_cdy_mul(&u, &u, &u);
    nrc_cdy_mul(&u, &u, &c->Rmax);
    nrc_cdy_mul_d(&u, &u, 4.0);
    if (nrc_cdy_cmp(&t, &u) < 0) {
        show(&t, s1, sizeof s1);
        fail(c, "robust_reference.radius_lower", "4 r^2 R_max^2 exceeds (R_min^2 - rho)^2 = %s", s1);
    } else {
        c->rep->robust++;
    }
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&u);
    return NRC_OK;
}

/* ---- the model section -------------------------------------------------- */

/* The certificate is about this model file (model.sha256) and states its
 * sizes and flags (model.n .. model.fixed_second_layer); kkt.variant, when
 * given, matches the model's flag bit 1, which decides it when absent
 * (c->kkt_fixed). A digest that differs is a false claim (NRC_OK, report
 * invalid); sizes or flags that differ make the certificate unusable for
 * this model (NRC_ERR_INPUT). */
/*@ requires \valid(c) && \valid_read(c->C) && \valid_read(c->M) && \valid(c->rep);
    requires c->err == \null || \valid(c->err);
    requires \valid_read(sha + (0 .. 31));
    requires \separated(c, c->C, c->M, c->rep);
    requires c->err == \null || \separated(c->err, c, c->C, c->M, c->rep);
    assigns c->kkt_fixed, c->rep->valid, c->rep->claim[0 .. 159],
            c->err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT;
    ensures \result != NRC_OK ==> c->rep->valid == 0;
    ensures \result == NRC_OK && c->rep->valid != 0 ==>
        c->C->n == c->M->n && c->C->d == c->M->d && c->C->k == c->M->k &&
        c->C->m == c->M->m;
*/
static nrc_status check_model(ctx_t *c, const unsigned char *sha)
{
    const nrc_cert *C = c->C;
    const nrc_model *M = c->M;
    int fixed = (M->flags & NRC_FLAG_FIXED_V) != 0;
    char hex[65];
    size_t t;
    int same = 1;
    nrc_hex(sha, 32, hex);
    /* strcmp(hex, C->sha256) == 0, as hex is 64 digits and its NUL (a loop,
     * not memcmp: its contract reads unsigned char, a cast this file's
     * memory model does not follow) */
    /*@ loop invariant 0 <= t <= 65;
        loop assigns t, same;
        loop variant 65 - t;
    */
    for (t = 0; t < sizeof hex; t++)
        if (hex[t] != C->sha256[t])
            same = 0;
    if (!same)
        return fail(c, "model.sha256", "%s does not match MODEL (its SHA-256 is %s)",
                    C->sha256, hex);
    if (C->n != M->n || C->d != M->d || C->k != M->k || C->m != M->m ||
        C->bias != ((M->flags & NRC_FLAG_BIAS) != 0) ||
        (C->has_fixed_second_layer && C->fixed_second_layer != fixed)) {
        c->rep->valid = 0;
        return nrc_error_set(c->err, NRC_ERR_INPUT,
                             "model: n, d, k, m, bias, fixed_second_layer do not match the model file "
                             "(%llu, %llu, %llu, %llu, %d, %d)",
                             (unsigned long long)M->n, (unsigned long long)M->d,
                             (unsigned long long)M->k, (unsigned long long)M->m,
                             (M->flags & NRC_FLAG_BIAS) != 0, fixed);
    }
    /* kkt.variant absent: the model's flag bit 1 decides it */
    c->kkt_fixed = C->kkt_variant_given ? C->kkt_fixed : fixed;
    if (C->kkt_variant_given && C->kkt_fixed != fixed) {   /* whatever kkt.status */
        c->rep->valid = 0;
        return nrc_error_set(c->err, NRC_ERR_INPUT,
                             "kkt.variant: \"%s\" does not match the model's flag bit 1 (fixed second layer %s)",
                             C->kkt_fixed ? "fixed-second-layer" : "full",
                             fixed ? "set" : "not set");
    }
    return NRC_OK;
}

/* ---- driver ------------------------------------------------------------- */

#ifndef __FRAMAC__
nrc_status nrc_check_claims(const nrc_cert *C, const nrc_model *M,
                            const unsigned char model_sha256[32],
                            nrc_check_report *rep, nrc_error *err)
{
    ctx_t c;
    nrc_status st = NRC_OK;
    memset(rep, 0, sizeof *rep);
    rep->valid = 1;
    rep->lipschitz_present = C->has_lipschitz;
    memset(&c, 0, sizeof c);
    c.C = C;
    c.M = M;
    c.rep = rep;
    c.err = err;
    /* The certificate must be about this model file, with its sizes. */
    if ((st = check_model(&c, model_sha256)) || !rep->valid)
        return st;
    c.n = (size_t)M->n;
    c.d = (size_t)M->d;
    c.k = (size_t)M->k;
    c.m = (size_t)M->m;
    nrc_cfix_init(&c.z);
    nrc_cdy_init(&c.qmin);
    nrc_cdy_init(&c.T_full);
    nrc_cdy_init(&c.T_wb);
    nrc_cdy_init(&c.rho);
    nrc_cdy_init(&c.Rmin);
    nrc_cdy_init(&c.Rmax);
    nrc_cdy_init(&c.zz);
    nrc_cdy_init(&c.gz);
    nrc_cdy_init(&c.res);
    if ((st = ctx_alloc(&c)) || (st = build_rows(&c)) || (st = build_preactivations(&c)) ||
        (st = build_data(&c)))
        goto done;
    if ((st = check_fit(&c)) || !rep->valid)
        goto done;
    if ((st = check_data(&c)) || !rep->valid)
        goto done;
    if ((st = check_lipschitz(&c)) || !rep->valid)
        goto done;
    if ((st = check_flips(&c)) || !rep->valid)
        goto done;
    if (C->kkt_certified && ((st = check_kkt(&c)) || !rep->valid))
        goto done;
    if (C->robust_certified && ((st = check_robust(&c)) || !rep->valid))
        goto done;
done:
    ctx_free(&c);
    if (st)
        rep->valid = 0;
    return st;
}

/* jansson glue (not analysed by Frama-C). */
nrc_status nrc_check_buffers(const unsigned char *cert, size_t cert_len,
                             const char *cert_name,
                             const unsigned char *model, size_t model_len,
                             const char *model_name,
                             nrc_check_report *rep, nrc_error *err)
{
    json_error_t jerr;
    json_t *root;
    nrc_cert C;
    nrc_model M;
    unsigned char sha[32];
    nrc_status st;
    memset(rep, 0, sizeof *rep);
    root = json_loadb((const char *)cert, cert_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: line %d column %d: invalid JSON: %s",
                             cert_name, jerr.line, jerr.column, jerr.text);
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, err);
    json_decref(root);
    if (st) {
        nrc_error_prefix(err, cert_name);
        nrc_cert_clear(&C);
        return st;
    }
    nrc_model_init(&M);
    st = nrc_model_parse(model, model_len, model_name, &M, err);
    if (st) {
        nrc_cert_clear(&C);
        return st;
    }
    nrc_sha256(model, model_len, sha);
    st = nrc_check_claims(&C, &M, sha, rep, err);
    if (st == NRC_ERR_INPUT)
        nrc_error_prefix(err, cert_name);
    nrc_model_clear(&M);
    nrc_cert_clear(&C);
    return st;
}
#endif
