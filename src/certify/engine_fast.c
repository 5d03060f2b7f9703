/* The fast engine (include/certify/nrc_engine.h, include/certify/nrc_fast.h).
 *
 * gemm: C~ = fl(M B^T) in round-to-nearest BLAS, M the midpoint of [A].
 * For a dot product of length q evaluated in any order, with or without
 * FMA (Higham, Accuracy and Stability, 2nd ed., section 3.1, with the
 * underflow term of section 2.1 / Jeannerod-Rump):
 *     |fl(m.b) - m.b| <= gamma_q sum_t |m_t b_t| + 2 q eta,  eta = 2^-1074,
 * and by Cauchy-Schwarz sum_t |m_t b_t| <= ||m|| ||b||.  The interval part
 * adds |sum_t (a_t - m_t) b_t| <= ||rad|| ||b||.  So
 *     rad = gamma_q ||m|| ||b|| + ||rad_A|| ||b|| + 2 q eta
 * with every norm and product evaluated upward (nrc_fast_*_up).  Norms cost
 * O((r + c) q) instead of the second product |A| |B|^T, which would double
 * the cost; the price is a radius at most sqrt(q)-ish larger in the worst
 * case and about 1.6x on random data. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_engine.h"
#include "nrc_exact.h"
#include "nrc_fast.h"
#include "fast_inline.h"
#include "fast_reuse.h"

/* Untrusted binary64 product C (r,c) = A (r,q) B^T, B (c,q); deterministic
 * (one OpenBLAS thread). */
static void gemm_nt_d(size_t r, size_t c, size_t q, const double *A, size_t lda,
                      const double *B, size_t ldb, double *C, size_t ldc)
{
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, r, c, q, 1.0, A, lda, B, ldb, 0.0, C, ldc);
}

/* Upper bound of sum_t a_t^2 from the round-to-nearest sum s~ of the
 * round-to-nearest squares: every term is >= 0, so (Higham (3.5) plus the
 * underflow of each square, <= eta/2) |s~ - s| <= gamma_q s + q eta, hence
 * s <= (s~ + q eta) / (1 - gamma_q), evaluated upward. O(q) plain flops and
 * O(1) directed operations. */
/*@ requires q >= 1 ==> (q - 1) * inc <= SIZE_MAX &&
                         \valid_read(a + (0 .. (q - 1) * inc));
    requires q >= 1 ==> \separated(&errno, a + (0 .. (q - 1) * inc));
    assigns errno;
*/
static double sumsq_up(size_t q, const double *a, size_t inc)
{
    double s = 0.0, g = nrc_fast_gamma(q), qeta = ldexp((double)q, -1074);
    size_t t;
    /*@ loop invariant 0 <= t <= q;
        loop assigns t, s;
        loop variant q - t;
    */
    for (t = 0; t < q; t++) {
        /*@ ghost nrc_train_mul_le(t, q - 1, inc); */
        s += a[t * inc] * a[t * inc];
    }
    if (!isfinite(s) || !isfinite(g))
        return INFINITY;
    return nrc_fast_div_up(fi_add_up(s, qeta), fi_sub_down(1.0, g));
}

/* Lower bound likewise: s >= (s~ - q eta) / (1 + gamma_q), and >= 0. */
/*@ assigns errno; */
static double sumsq_down_rn(double s, size_t q)
{
    double g = nrc_fast_gamma(q), qeta = ldexp((double)q, -1074), r;
    if (!isfinite(s) || !isfinite(g))
        return 0.0;
    r = nrc_fast_div_down(fi_sub_down(s, qeta), fi_add_up(1.0, g));
    return r > 0 ? r : 0.0;
}

/* Upper bound of the Euclidean norm of a row. */
/*@ requires \valid_read(a + (0 .. q - 1));
    requires \separated(&errno, a + (0 .. q - 1));
    assigns errno;
*/
static double norm_up(size_t q, const double *a)
{
    return nrc_fast_sqrt_up(sumsq_up(q, a, 1));
}

/* The enclosure from a round-to-nearest product Cm = fl(M B^T) (ldm):
 * rad = gamma_q ||m_i|| ||b_l|| + nR_i ||b_l|| + 2 q eta (+ 2 eta: the
 * upward products), applied upward. nR (r) holds upper bounds of the
 * radius-row norms of an interval A, or is NULL for a point A. Cm may
 * equal Clo (same leading dimension): each entry is read before written. */
static nrc_status enclose_from_mid(size_t r, size_t c, size_t q, const double *M,
                                   size_t ldm, const double *nR, const double *B,
                                   size_t ldb, const double *Cm, size_t ldcm,
                                   double *Clo, double *Chi, size_t ldc, nrc_error *err)
{
    size_t i, l;
    double *nA = nrc_malloc_array(r, sizeof(double));
    double *nB = nrc_malloc_array(c, sizeof(double)), gam, ueta;
    if (!nA || !nB) {
        nrc_free(nA);
        nrc_free(nB);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (fast gemm %zu x %zu)", r, c);
    }
    for (i = 0; i < r; i++)
        nA[i] = norm_up(q, M + i * ldm);
    for (l = 0; l < c; l++)
        nB[l] = norm_up(q, B + l * ldb);
    gam = nrc_fast_gamma(q);
    ueta = ldexp((double)(2 * q + 2), -1074);
    if (!(ueta > 0))
        ueta = INFINITY;
    /* fold gamma_q into the row norms: up(up(gam nA_i) nB_l) >= gam nA_i nB_l */
    for (i = 0; i < r; i++)
        nA[i] = fi_mul_up(gam, nA[i]);
    for (i = 0; i < r; i++) {
        double nRi = nR ? nR[i] : 0.0;
        for (l = 0; l < c; l++) {
            double cm = Cm[i * ldcm + l];
            double rad = fi_mul_up(nA[i], nB[l]);
            if (nRi != 0)
                rad = fi_add_up(rad, fi_mul_up(nRi, nB[l]));
            rad = fi_add_up(rad, ueta);
            if (!isfinite(cm) || !isfinite(rad)) {
                Clo[i * ldc + l] = -INFINITY;
                Chi[i * ldc + l] = INFINITY;
            } else {
                Clo[i * ldc + l] = fi_sub_down(cm, rad);
                Chi[i * ldc + l] = fi_add_up(cm, rad);
            }
        }
    }
    nrc_free(nA);
    nrc_free(nB);
    return NRC_OK;
}

static const nrc_engine_ops fast_ops;

static nrc_status fast_gemm(nrc_engine *e, size_t r, size_t c, size_t q,
                            const double *Alo, const double *Ahi, size_t lda,
                            const double *B, size_t ldb, double *Clo, double *Chi,
                            size_t ldc, nrc_error *err)
{
    const int interval = Ahi != NULL && Ahi != Alo;
    const double *M = Alo;
    size_t ldm = lda, i, l, t;
    double *Mbuf = NULL, *nR = NULL;
    nrc_status st = NRC_OK;
    (void)e;
    if (r == 0 || c == 0)
        return NRC_OK;
    if (q == 0) {
        for (i = 0; i < r; i++)
            for (l = 0; l < c; l++)
                Clo[i * ldc + l] = Chi[i * ldc + l] = 0.0;
        return NRC_OK;
    }
    if (interval) {
        nR = nrc_calloc(r, sizeof(double));
        Mbuf = q <= SIZE_MAX / sizeof(double) ? nrc_malloc_array(r, q * sizeof(double)) : NULL;
        if (!Mbuf || !nR) {
            st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (fast gemm %zu x %zu)", r, q);
            goto done;
        }
        for (i = 0; i < r; i++) {
            double s = 0.0;
            for (t = 0; t < q; t++) {
                double lo = Alo[i * lda + t], hi = Ahi[i * lda + t], m, rd;
                if (lo == hi) {
                    m = lo;
                    rd = 0.0;
                } else if (isfinite(lo) && isfinite(hi)) {
                    m = 0.5 * lo + 0.5 * hi;
                    if (!(m >= lo && m <= hi))
                        m = lo;
                    rd = fi_sub_up(hi, m);
                    if (fi_sub_up(m, lo) > rd)
                        rd = fi_sub_up(m, lo);
                } else {
                    m = 0.0;
                    rd = INFINITY;
                }
                Mbuf[i * q + t] = m;
                s = fi_add_up(s, fi_mul_up(rd, rd));
            }
            nR[i] = nrc_fast_sqrt_up(s);
        }
        M = Mbuf;
        ldm = q;
    }
    gemm_nt_d(r, c, q, M, ldm, B, ldb, Clo, ldc);
    st = enclose_from_mid(r, c, q, M, ldm, nR, B, ldb, Clo, ldc, Clo, Chi, ldc, err);
done:
    nrc_free(Mbuf);
    nrc_free(nR);
    return st;
}

/* The pipeline never asks which engine it has (include/certify/nrc_engine.h):
 * the fast engine's shortcuts are its operations gemm_mid (fast_enclose_mid
 * below: the radius applied to a product the pipeline already computed) and
 * ray_test (the ray sign filter nrc_fast_ray_sign first), at the end of this
 * file. */
static nrc_status fast_enclose_mid(size_t r, size_t c, size_t q, const double *A,
                                   size_t lda, const double *B, size_t ldb,
                                   const double *Cmid, size_t ldm, double *Clo,
                                   double *Chi, size_t ldc, nrc_error *err)
{
    size_t i, l;
    if (r == 0 || c == 0)
        return NRC_OK;
    if (q == 0) {
        for (i = 0; i < r; i++)
            for (l = 0; l < c; l++)
                Clo[i * ldc + l] = Chi[i * ldc + l] = 0.0;
        return NRC_OK;
    }
    return enclose_from_mid(r, c, q, A, lda, NULL, B, ldb, Cmid, ldm, Clo, Chi, ldc, err);
}

static nrc_status fast_sumsq(nrc_engine *e, size_t r, size_t q, const double *Alo,
                             const double *Ahi, size_t lda, double *lo, double *hi,
                             nrc_error *err)
{
    size_t i, t;
    (void)e;
    (void)err;
    for (i = 0; i < r; i++) {
        /* round-to-nearest sums of the smallest and largest squares, then
         * the a-priori bounds of sumsq_up / sumsq_down_rn */
        double sl = 0.0, sh = 0.0, g = nrc_fast_gamma(q), qeta = ldexp((double)q, -1074);
        for (t = 0; t < q; t++) {
            double a = Alo[i * lda + t], b = Ahi ? Ahi[i * lda + t] : a, l, h;
            if (a >= 0) {
                l = a;
                h = b;
            } else if (b <= 0) {
                l = -b;
                h = -a;
            } else {
                l = 0.0;
                h = -a > b ? -a : b;
            }
            sl += l * l;
            sh += h * h;
        }
        lo[i] = sumsq_down_rn(sl, q);
        if (!isfinite(sh) || !isfinite(g))
            hi[i] = INFINITY;
        else
            hi[i] = nrc_fast_div_up(fi_add_up(sh, qeta), fi_sub_down(1.0, g));
    }
    return NRC_OK;
}

static nrc_status fast_ray(nrc_engine *e, size_t k, const double *alo,
                           const double *ahi, const double *clo, const double *chi,
                           double t, const double *v, double *lo, double *hi,
                           nrc_error *err)
{
    double sl = 0.0, sh = 0.0;
    size_t j;
    (void)e;
    (void)err;
    for (j = 0; j < k; j++) {
        double pl = alo[j], ph = ahi[j], tl, th, rl, rh, ql, qh;
        if (v[j] == 0)
            continue;
        if (t != 0) {
            fi_ia_scale(t, clo[j], chi[j], &tl, &th);
            fi_ia_sub(pl, ph, tl, th, &pl, &ph);
        }
        rl = pl > 0 ? pl : 0.0;
        rh = ph > 0 ? ph : 0.0;
        fi_ia_scale(v[j], rl, rh, &ql, &qh);
        sl = fi_add_down(sl, ql);
        sh = fi_add_up(sh, qh);
    }
    if (isnan(sl) || isnan(sh) || sl > sh) {
        sl = -INFINITY;
        sh = INFINITY;
    }
    *lo = sl;
    *hi = sh;
    return NRC_OK;
}

/* One side of the ray filter: RN sum S~ of p_j = fl(v_j max(fl(a_j -
 * fl(t c_j)), 0)) and Z~ = RN sum of fl(|p_j| + fl(|v_j| fl(|a_j| +
 * 2 |fl(t c_j)|))), V~ = RN sum of |v_j|, the a_j, c_j chosen per j by the
 * side (spec/CERTIFY.md "Ray sign filter"). 0 when something is not finite. */
/*@ requires \valid_read(alo + (0 .. k - 1)) && \valid_read(ahi + (0 .. k - 1));
    requires \valid_read(clo + (0 .. k - 1)) && \valid_read(chi + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1));
    requires \valid(S) && \valid(Z) && \valid(V) && \separated(S, Z, V);
    assigns *S, *Z, *V;
    ensures \result == 0 || \result == 1;
*/
static int ray_side_d(size_t k, const double *alo, const double *ahi, const double *clo,
                      const double *chi, double t, const double *v, int upper, double *S,
                      double *Z, double *V)
{
    double s = 0.0, z = 0.0, w = 0.0;
    size_t j;
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, s, z, w;
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        double vj = v[j], a, c, m, e, r, p;
        int big;            /* this term takes the largest a - t c */
        if (vj == 0)
            continue;
        big = (vj > 0) == (upper != 0);
        a = big ? ahi[j] : alo[j];
        c = (t >= 0) == big ? clo[j] : chi[j];
        m = t * c;
        e = a - m;
        if (!isfinite(a) || !isfinite(m) || !isfinite(e))
            return 0;
        r = e > 0 ? e : 0.0;
        p = vj * r;
        s += p;
        z += fabs(p) + fabs(vj) * (fabs(a) + 2.0 * fabs(m));
        w += fabs(vj);
    }
    if (!isfinite(s) || !isfinite(z) || !isfinite(w))
        return 0;
    *S = s;
    *Z = z;
    *V = w;
    return 1;
}

/* E >= |S~ - S| for one side: gamma_k (Z~ + k eta) / (1 - gamma_{k+2})
 * + eta (k + V~ / (1 - gamma_{k-1})), upward. */
/*@ requires 1 <= k <= SIZE_MAX - 2;
    assigns errno;
*/
static double ray_side_err(size_t k, double Z, double V)
{
    double eta = 0x1p-1074, kk = (double)k;
    double g = nrc_fast_gamma(k), g2 = nrc_fast_gamma(k + 2), g1 = nrc_fast_gamma(k - 1);
    double e1, e2;
    if (!isfinite(g) || !isfinite(g2) || !isfinite(g1) || !(g2 < 1))
        return INFINITY;
    e1 = fi_mul_up(g, nrc_fast_div_up(fi_add_up(Z, fi_mul_up(kk, eta)), fi_sub_down(1.0, g2)));
    e2 = fi_mul_up(eta, fi_add_up(kk, nrc_fast_div_up(V, fi_sub_down(1.0, g1))));
    return fi_add_up(e1, e2);
}

/* Contract here, not on the prototype in include/certify/nrc_fast.h (make proofs
 * merges the two): k doubles per array, so k < SIZE_MAX - 2. */
/*@ requires k <= SIZE_MAX - 2;
    requires \valid_read(alo + (0 .. k - 1)) && \valid_read(ahi + (0 .. k - 1));
    requires \valid_read(clo + (0 .. k - 1)) && \valid_read(chi + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1));
    assigns errno;
    ensures -1 <= \result <= 1;
*/
int nrc_fast_ray_sign(size_t k, const double *alo, const double *ahi, const double *clo,
                      const double *chi, double t, const double *v)
{
    double SL, ZL, VL, SU, ZU, VU, lo, hi;
    if (k == 0 || isnan(t))
        return 0;
    if (!ray_side_d(k, alo, ahi, clo, chi, t, v, 0, &SL, &ZL, &VL) ||
        !ray_side_d(k, alo, ahi, clo, chi, t, v, 1, &SU, &ZU, &VU))
        return 0;
    lo = fi_sub_down(SL, ray_side_err(k, ZL, VL));
    hi = fi_add_up(SU, ray_side_err(k, ZU, VU));
    if (lo > 0 && isfinite(lo))
        return 1;
    if (hi < 0 && isfinite(hi))
        return -1;
    return 0;
}

/* gemm_mid: Cmid is a round-to-nearest A B^T, so the enclosure is Cmid plus
 * the a-priori radius, exactly the bits fast_gemm would produce for the
 * point A (spec/CERTIFY.md "Products computed once"). */
static nrc_status fast_gemm_mid(nrc_engine *e, size_t r, size_t c, size_t q,
                                const double *A, size_t lda, const double *B,
                                size_t ldb, const double *Cmid, size_t ldm,
                                double *Clo, double *Chi, size_t ldc, nrc_error *err)
{
    (void)e;
    return fast_enclose_mid(r, c, q, A, lda, B, ldb, Cmid, ldm, Clo, Chi, ldc, err);
}

/* ray_test: the ray sign filter decides most rays with plain flops
 * (spec/CERTIFY.md "Ray sign filter"); a ray it cannot decide is enclosed
 * with directed rounding (fast_ray) as by the generic test. */
static nrc_status fast_ray_test(nrc_engine *e, size_t k, const double *alo,
                                const double *ahi, const double *clo, const double *chi,
                                double t, const double *v, int p, nrc_truth *out,
                                nrc_error *err)
{
    int sg = nrc_fast_ray_sign(k, alo, ahi, clo, chi, t, v);
    if (sg != 0) {
        *out = sg * p < 0 ? NRC_TRUE : NRC_FALSE;
        return NRC_OK;
    }
    return nrc_engine_ray_test_generic(e, k, alo, ahi, clo, chi, t, v, p, out, err);
}

static const nrc_engine_ops fast_ops = {
    .name = "fast",
    .gemm = fast_gemm,
    .sumsq = fast_sumsq,
    .ray = fast_ray,
    .gemm_mid = fast_gemm_mid,
    .ray_test = fast_ray_test,
    .clear = NULL
};

nrc_status nrc_fast_check_fpenv(nrc_error *err)
{
    volatile double tiny = 0x1p-1022, sub = 0x1p-1074, r;
#if defined(__x86_64__) || defined(__i386__)
    unsigned int csr = _mm_getcsr();
    if (csr & 0x8000u)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "flush-to-zero is set (MXCSR FTZ): error bounds would not hold; refusing to certify");
    if (csr & 0x0040u)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "denormals-are-zero is set (MXCSR DAZ): error bounds would not hold; refusing to certify");
#endif
    r = tiny * 0.5;
    if (r == 0)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "subnormal results are flushed to zero; refusing to certify");
    r = sub * 2.0;
    if (r != 0x1p-1073)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "subnormal inputs are treated as zero; refusing to certify");
    return NRC_OK;
}

nrc_status nrc_fast_selftest(nrc_engine *e, nrc_error *err)
{
    /* a.b = 2^54 + 1 - 2^54 - 2^-10 = 1 - 2^-10 > 0, while the left-to-right
     * double sum is (2^54 + 1 rounds to 2^54) 0 - 2^-10 < 0. */
    static const double a[4] = { 0x1p54, 1.0, -0x1p54, -0x1p-10 };
    static const double b[4] = { 1.0, 1.0, 1.0, 1.0 };
    volatile double naive = 0.0;
    double lo, hi;
    arf_t x;
    int sgn, t;
    nrc_status st;
    for (t = 0; t < 4; t++)
        naive = naive + a[t] * b[t];
    if (!(naive < 0))
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "self-test: naive double sum is not the expected wrong sign");
    st = nrc_engine_gemm(e, 1, 1, 4, a, NULL, 4, b, 4, &lo, &hi, 1, err);
    if (st != NRC_OK)
        return st;
    if (!(lo <= 0 && hi >= 0 && lo <= 1.0 - 0x1p-10 && hi >= 1.0 - 0x1p-10))
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "self-test: engine %s enclosure [%a, %a] does not flag the ill-conditioned dot product",
                             e->ops->name, lo, hi);
    arf_init(x);
    nrc_exact_dot(x, 4, a, 1, b, 1);
    sgn = nrc_exact_sgn(x);
    lo = nrc_exact_get_lo(x);
    arf_clear(x);
    if (sgn != 1 || lo != 1.0 - 0x1p-10)
        return nrc_error_set(err, NRC_ERR_INTERNAL, "self-test: exact arbiter is wrong");
    if (fi_add_up(1.0, 0x1p-60) != nextafter(1.0, 2.0) ||
        fi_add_down(1.0, 0x1p-60) != 1.0 ||
        fi_mul_down(0x1p-600, 0x1p-600) != 0.0 ||
        fi_mul_up(0x1p-600, 0x1p-600) != 0x1p-1074 ||
        fi_mul_up(1.0 + 0x1p-52, 1.0 + 0x1p-52) != 1.0 + 0x1p-51 + 0x1p-52 ||
        fi_mul_down(1.0 + 0x1p-52, 1.0 + 0x1p-52) != 1.0 + 0x1p-51)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "self-test: directed rounding is broken (compiler or FPU mode?)");
    return NRC_OK;
}

nrc_status nrc_engine_fast_init(nrc_engine *e, int threads, nrc_error *err)
{
    nrc_status st = nrc_fast_check_fpenv(err);
    if (st != NRC_OK)
        return st;
    e->ops = &fast_ops;
    e->threads = threads < 1 ? 1 : threads;
    e->state = NULL;
    st = nrc_fast_selftest(e, err);
    if (st != NRC_OK)
        e->ops = NULL;
    return st;
}
