/* The MPFR engine (include/certify/nrc_engine.h, `certify --engine mpfr`): the
 * reference implementation the fast engine is tested against.
 *
 * Method (spec/CERTIFY.md, section "MPFR engine").  Every output of the
 * engine boundary is the range of a function that is monotone in each
 * input interval, so the exact range [xl, xh] is attained at a vertex of the
 * input box, and xl and xh are themselves sums of products of doubles
 * (spec/MATH.md sections 1, 6):
 *   gemm   xl = sum_t (b_t > 0 ? alo_t : ahi_t) b_t, xh symmetric;
 *   sumsq  xl = sum_t (0 if 0 in [lo_t, hi_t], else min(lo_t^2, hi_t^2)),
 *          xh = sum_t max(lo_t^2, hi_t^2);
 *   ray    xl = sum_j v_j relu(a_j - t c_j) at the vertex that minimises each
 *          term (relu is monotone), xh symmetric.
 * Each of xl, xh is enclosed by a pair of MPFR accumulators [L, H] at
 * working precision P, every operation rounded down for L and up for H
 * (MPFR's rounding mode is an argument of each call: no global mode is
 * touched).  Products of two doubles are exact in 106 bits and mpfr_fma
 * rounds once, so the only errors are the P-bit roundings of the sums.
 *
 * Precision is raised until the binary64 output is provably the tightest
 * one, [RD(xl), RU(xh)]: the engine doubles P while RD(L) != RD(H) for xl
 * or RU(L) != RU(H) for xh.  That enclosure decides every comparison of the
 * quantity with a binary64 threshold (sign, exact zero: lo == hi == 0, ties:
 * lo == hi), which is all the pipeline ever asks of one output.  The cap
 * NRC_MPFR_PREC_CAP (8192 bits) exceeds the span of any sum of products of
 * doubles the engine forms (< 6400 bits + log2 of the length), so at the cap
 * every operation is exact and the loop always ends decided; what the
 * pipeline derives from several outputs is still arbitrated exactly
 * (include/certify/nrc_exact.h).
 *
 * Costs: one to three MPFR calls per term of a product, i.e. a few hundred
 * binary64 operations; this engine is the reference, not the default.
 * gemm splits its rows over e->threads threads (same bits for any count). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <mpfr.h>
#include "nrc_alloc.h"
#include "nrc_engine.h"
#include "nrc_fast.h"

/* Default starting precision (bits); NRC_ENGINE_MPFR_PREC in the
 * environment overrides it (an integer in [53, cap], else a usage error at
 * init; tests start at 53 to exercise the escalation). */
#ifndef NRC_ENGINE_MPFR_PREC
#define NRC_ENGINE_MPFR_PREC 128
#endif
#define NRC_MPFR_PREC_CAP 8192

typedef struct {
    mpfr_prec_t prec0;  /* starting working precision */
    mpfr_prec_t cap;    /* last precision tried: every operation exact */
} mp_state;

/* ------------------------------------------------------------------------
 * An enclosure [L, H] of an exact real sum, accumulated with directed
 * rounding.  While `same` is set every operation so far was exact and the
 * sum is exactly L (H is not maintained): on point inputs most sums at 128
 * bits never round, and then one MPFR call per term suffices. */
typedef struct {
    mpfr_t lo, hi;
    int same;
} mp_acc;

static void acc_init(mp_acc *s)
{
    mpfr_init2(s->lo, NRC_ENGINE_MPFR_PREC);
    mpfr_init2(s->hi, NRC_ENGINE_MPFR_PREC);
    s->same = 1;
}

static void acc_clear(mp_acc *s)
{
    mpfr_clear(s->lo);
    mpfr_clear(s->hi);
}

/* Start a new sum at precision p (the value is 0, exactly). */
static void acc_reset(mp_acc *s, mpfr_prec_t p)
{
    if (mpfr_get_prec(s->lo) != p) {
        mpfr_set_prec(s->lo, p);
        mpfr_set_prec(s->hi, p);
    }
    mpfr_set_zero(s->lo, 1);
    mpfr_set_zero(s->hi, 1);
    s->same = 1;
}

/* s += v * x where the caller knows v * x lies in [v * xl, v * xh]
 * (v, xl, xh already ordered so: xl may equal xh).  L gets the downward
 * rounding of L + v xl, H the upward rounding of H + v xh. */
static void acc_fma(mp_acc *s, mpfr_srcptr v, mpfr_srcptr xl, mpfr_srcptr xh)
{
    if (s->same) {
        if (xl == xh || mpfr_equal_p(xl, xh)) {
            if (mpfr_fma(s->lo, v, xl, s->lo, MPFR_RNDD) != 0) {
                /* L = RD_P(x) < x, so RU_P(x) is the next P-bit number. */
                mpfr_set(s->hi, s->lo, MPFR_RNDN);
                mpfr_nextabove(s->hi);
                s->same = 0;
            }
            return;
        }
        mpfr_set(s->hi, s->lo, MPFR_RNDN);  /* same precision: exact */
        s->same = 0;
    }
    mpfr_fma(s->lo, v, xl, s->lo, MPFR_RNDD);
    mpfr_fma(s->hi, v, xh, s->hi, MPFR_RNDU);
}

static mpfr_srcptr acc_hi(const mp_acc *s) { return s->same ? s->lo : s->hi; }

static double zero_to_plus(double x) { return x == 0 ? 0.0 : x; }

/* Round the enclosures outward to binary64: xl is enclosed by a, xh by b
 * (a == b for a point).  Writes [lo, hi] = [RD(a.L), RU(b.H)], or
 * [-inf, +inf] when that is not finite or NaN appeared (infinite input
 * endpoints); returns 1 when no precision can improve the result, i.e.
 * lo = RD(xl) and hi = RU(xh) are proven. */
static int acc_finish(const mp_acc *a, const mp_acc *b, double *lo, double *hi)
{
    mpfr_srcptr aL = a->lo, aH = acc_hi(a), bL = b->lo, bH = acc_hi(b);
    double dl, dh;
    int final;
    if (!mpfr_number_p(aL) || !mpfr_number_p(aH) || !mpfr_number_p(bL) ||
        !mpfr_number_p(bH)) {
        /* Infinite or NaN: comes only from infinite input endpoints (the
         * exponent range of MPFR is far wider than any product of doubles),
         * so no precision helps. */
        *lo = -INFINITY;
        *hi = INFINITY;
        return 1;
    }
    dl = mpfr_get_d(aL, MPFR_RNDD);
    dh = mpfr_get_d(bH, MPFR_RNDU);
    final = dl == mpfr_get_d(aH, MPFR_RNDD) && dh == mpfr_get_d(bL, MPFR_RNDU);
    if (!isfinite(dl) || !isfinite(dh)) {
        /* beyond the binary64 range: the contract's "cannot enclose
         * finitely" */
        *lo = -INFINITY;
        *hi = INFINITY;
    } else {
        *lo = zero_to_plus(dl);
        *hi = zero_to_plus(dh);
    }
    return final;
}

/* ------------------------------------------------------------------------
 * A pool of 53-bit MPFR numbers holding doubles exactly, with one
 * allocation for all of them (custom interface: no per-number malloc). */
typedef struct {
    size_t len;
    __mpfr_struct *x;
    mp_limb_t *limbs;
} mp_pool;

static nrc_status pool_init(mp_pool *p, size_t len, nrc_error *err)
{
    size_t nl = mpfr_custom_get_size(53) / sizeof(mp_limb_t), t;
    p->len = 0;
    p->x = nrc_malloc_array(len ? len : 1, sizeof(__mpfr_struct));
    p->limbs = len <= SIZE_MAX / nl ? nrc_malloc_array(len ? len * nl : 1, sizeof(mp_limb_t)) : NULL;
    if (!p->x || !p->limbs) {
        nrc_free(p->x);
        nrc_free(p->limbs);
        p->x = NULL;
        p->limbs = NULL;
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (mpfr engine: %zu numbers)", len);
    }
    for (t = 0; t < len; t++) {
        mpfr_custom_init(p->limbs + t * nl, 53);
        mpfr_custom_init_set(p->x + t, MPFR_ZERO_KIND, 0, 53, p->limbs + t * nl);
    }
    p->len = len;
    return NRC_OK;
}

static void pool_clear(mp_pool *p)
{
    nrc_free(p->x);
    nrc_free(p->limbs);
    p->x = NULL;
    p->limbs = NULL;
    p->len = 0;
}

/* Exact: a double has 53 significant bits at most (subnormals fewer). */
static void pool_set(mp_pool *p, size_t at, const double *a, size_t len)
{
    size_t t;
    for (t = 0; t < len; t++)
        mpfr_set_d(p->x + at + t, a[t], MPFR_RNDN);
}

/* Working variables of one primitive call, initialised once per call. */
typedef struct {
    mp_acc sl, sh;   /* enclosures of xl and xh */
    mpfr_t pl, ph;   /* enclosure of a pre-activation (ray) */
    mpfr_t ql, qh;   /* the other end of an interval pre-activation */
    mpfr_t u, w;     /* 53-bit scratch: inputs converted on the fly */
    mpfr_t tv, vv;   /* 53-bit: t and v_j of the ray */
    mpfr_t zero;
} mp_work;

static void work_init(mp_work *w)
{
    acc_init(&w->sl);
    acc_init(&w->sh);
    mpfr_init2(w->pl, NRC_ENGINE_MPFR_PREC);
    mpfr_init2(w->ph, NRC_ENGINE_MPFR_PREC);
    mpfr_init2(w->ql, NRC_ENGINE_MPFR_PREC);
    mpfr_init2(w->qh, NRC_ENGINE_MPFR_PREC);
    mpfr_init2(w->u, 53);
    mpfr_init2(w->w, 53);
    mpfr_init2(w->tv, 53);
    mpfr_init2(w->vv, 53);
    mpfr_init2(w->zero, 53);
    mpfr_set_zero(w->zero, 1);
}

static void work_clear(mp_work *w)
{
    acc_clear(&w->sl);
    acc_clear(&w->sh);
    mpfr_clear(w->pl);
    mpfr_clear(w->ph);
    mpfr_clear(w->ql);
    mpfr_clear(w->qh);
    mpfr_clear(w->u);
    mpfr_clear(w->w);
    mpfr_clear(w->tv);
    mpfr_clear(w->vv);
    mpfr_clear(w->zero);
}

static mp_state *state_of(nrc_engine *e) { return (mp_state *)e->state; }

static mpfr_prec_t next_prec(mpfr_prec_t p, mpfr_prec_t cap)
{
    return p >= cap / 2 ? cap : 2 * p;
}

/* ------------------------------------------------------------------------
 * gemm: C (r, c) encloses A B^T, A in [Alo, Ahi] (r, q), B (c, q) a point. */

/* One entry at precision p: a row of A (alo, ahi; ahi == alo for a point
 * row) against row b of B (bd: the same as doubles, for signs). */
static void gemm_entry(mp_work *w, mpfr_prec_t p, size_t q, const __mpfr_struct *alo,
                       const __mpfr_struct *ahi, const __mpfr_struct *b,
                       const double *bd)
{
    size_t t;
    acc_reset(&w->sl, p);
    if (alo == ahi) {
        for (t = 0; t < q; t++)
            if (bd[t] != 0)
                acc_fma(&w->sl, b + t, alo + t, alo + t);
        return;
    }
    acc_reset(&w->sh, p);
    for (t = 0; t < q; t++) {
        /* A vertex minimising (maximising) a_t b_t. */
        const __mpfr_struct *mn, *mx;
        if (bd[t] == 0)
            continue;   /* 0 * a = 0 for every real a, even unbounded */
        mn = bd[t] > 0 ? alo + t : ahi + t;
        mx = bd[t] > 0 ? ahi + t : alo + t;
        acc_fma(&w->sl, b + t, mn, mn);
        acc_fma(&w->sh, b + t, mx, mx);
    }
}

static int row_is_point(const double *lo, const double *hi, size_t q)
{
    size_t t;
    if (!hi || hi == lo)
        return 1;
    for (t = 0; t < q; t++)
        if (!(lo[t] == hi[t]))   /* -0 == +0 is a point too; NaN is not */
            return 0;
    return 1;
}

/* Rows [r0, r1) of a gemm call; B is shared (read only), the rest is the
 * job's own, so jobs run in parallel and every entry is computed exactly as
 * with one thread (same bits for any thread count). */
typedef struct {
    const mp_state *ms;
    size_t r0, r1, c, q, lda, ldb, ldc;
    const double *Alo, *Ahi, *B;
    const mp_pool *pb;
    mp_pool pa;          /* this job's row of A: lo, then hi */
    double *Clo, *Chi;
} gemm_job;

static void gemm_rows(gemm_job *J)
{
    const mp_state *ms = J->ms;
    size_t i, l, q = J->q;
    mp_work w;
    work_init(&w);
    for (i = J->r0; i < J->r1; i++) {
        const double *lo = J->Alo + i * J->lda, *hi = J->Ahi ? J->Ahi + i * J->lda : NULL;
        const __mpfr_struct *alo = J->pa.x, *ahi = J->pa.x;
        pool_set(&J->pa, 0, lo, q);
        if (!row_is_point(lo, hi, q)) {
            pool_set(&J->pa, q, hi, q);
            ahi = J->pa.x + q;
        }
        for (l = 0; l < J->c; l++) {
            const __mpfr_struct *b = J->pb->x + l * q;
            const double *bd = J->B + l * J->ldb;
            double *out_lo = J->Clo + i * J->ldc + l, *out_hi = J->Chi + i * J->ldc + l;
            const mp_acc *xh = alo == ahi ? &w.sl : &w.sh;
            mpfr_prec_t p = ms->prec0;
            gemm_entry(&w, p, q, alo, ahi, b, bd);
            while (!acc_finish(&w.sl, xh, out_lo, out_hi) && p < ms->cap) {
                p = next_prec(p, ms->cap);
                gemm_entry(&w, p, q, alo, ahi, b, bd);
            }
        }
    }
    work_clear(&w);
}

static void *gemm_thread(void *arg)
{
    gemm_rows((gemm_job *)arg);
    return NULL;
}

/* Below this many terms a call runs on one thread (thread start-up would
 * cost more than it saves). */
#define MP_GEMM_THREAD_MIN 32768.0
#define MP_THREADS_MAX 64

/* How many threads a call of r x c x q terms uses: one below
 * MP_GEMM_THREAD_MIN terms, and only where MPFR keeps its state per thread
 * (TLS build). */
static size_t gemm_nthreads(const nrc_engine *e, size_t r, size_t c, size_t q)
{
    size_t nt = 1;
    if (e->threads > 1 && mpfr_buildopt_tls_p() &&
        (double)r * (double)c * (double)q >= MP_GEMM_THREAD_MIN) {
        nt = (size_t)e->threads < r ? (size_t)e->threads : r;
        if (nt > MP_THREADS_MAX)
            nt = MP_THREADS_MAX;
    }
    return nt;
}

/* Job t of nt gets rows [r t / nt, r (t + 1) / nt) and its own row pool. */
static nrc_status gemm_jobs_init(gemm_job *job, size_t nt, const gemm_job *proto, size_t r,
                                 nrc_error *err)
{
    size_t t;
    for (t = 0; t < nt; t++) {
        nrc_status st;
        job[t] = *proto;
        job[t].r0 = r * t / nt;
        job[t].r1 = r * (t + 1) / nt;
        st = pool_init(&job[t].pa, 2 * proto->q, err);
        if (st != NRC_OK) {
            while (t-- > 0)
                pool_clear(&job[t].pa);
            return st;
        }
    }
    return NRC_OK;
}

/* Job 0 on the calling thread, the others on their own threads; a thread
 * that cannot start runs here afterwards (same bits). */
static void gemm_jobs_run(gemm_job *job, size_t nt)
{
    pthread_t tid[MP_THREADS_MAX];
    int started[MP_THREADS_MAX];
    size_t t;
    for (t = 1; t < nt; t++)
        started[t] = pthread_create(tid + t, NULL, gemm_thread, job + t) == 0;
    gemm_rows(job);
    for (t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            gemm_rows(job + t);
    }
    for (t = 0; t < nt; t++)
        pool_clear(&job[t].pa);
}

static nrc_status mp_gemm(nrc_engine *e, size_t r, size_t c, size_t q,
                          const double *Alo, const double *Ahi, size_t lda,
                          const double *B, size_t ldb, double *Clo, double *Chi,
                          size_t ldc, nrc_error *err)
{
    mp_pool pb;
    gemm_job job[MP_THREADS_MAX], proto;
    size_t i, l, nt = gemm_nthreads(e, r, c, q);
    nrc_status st;
    if (r == 0 || c == 0)
        return NRC_OK;
    if (q == 0) {
        for (i = 0; i < r; i++)
            for (l = 0; l < c; l++)
                Clo[i * ldc + l] = Chi[i * ldc + l] = 0.0;
        return NRC_OK;
    }
    if (c > SIZE_MAX / q)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "mpfr gemm: %zu x %zu is too large", c, q);
    st = pool_init(&pb, c * q, err);
    if (st != NRC_OK)
        return st;
    for (l = 0; l < c; l++)
        pool_set(&pb, l * q, B + l * ldb, q);
    memset(&proto, 0, sizeof proto);
    proto.ms = state_of(e);
    proto.c = c; proto.q = q; proto.lda = lda; proto.ldb = ldb; proto.ldc = ldc;
    proto.Alo = Alo; proto.Ahi = Ahi; proto.B = B; proto.pb = &pb;
    proto.Clo = Clo; proto.Chi = Chi;
    st = gemm_jobs_init(job, nt, &proto, r, err);
    if (st == NRC_OK)
        gemm_jobs_run(job, nt);
    pool_clear(&pb);
    return st;
}

/* ------------------------------------------------------------------------
 * sumsq: lo[i] <= sum_t A[i][t]^2 <= hi[i] over A in [Alo, Ahi]. */
/* One row at precision p; returns 0 when an input is NaN (misuse). */
static int sumsq_row(mp_work *w, mpfr_prec_t p, size_t q, const double *lo,
                     const double *hi, int point)
{
    size_t t;
    acc_reset(&w->sl, p);
    acc_reset(&w->sh, p);
    for (t = 0; t < q; t++) {
        double a = lo[t], b = point ? a : hi[t], mn, mx;
        if (isnan(a) || isnan(b))
            return 0;
        if (point) {
            if (a != 0) {
                mpfr_set_d(w->u, a, MPFR_RNDN);
                acc_fma(&w->sl, w->u, w->u, w->u);
            }
            continue;
        }
        /* x^2 over [a, b] is smallest at the end nearest 0 (0 when the
         * interval contains 0), largest at the farthest end */
        if (a > 0) {
            mn = a;
            mx = b;
        } else if (b < 0) {
            mn = b;
            mx = a;
        } else {
            mn = 0.0;
            mx = -a > b ? a : b;
        }
        if (mn != 0) {
            mpfr_set_d(w->u, mn, MPFR_RNDN);
            acc_fma(&w->sl, w->u, w->u, w->u);
        }
        if (mx != 0) {
            mpfr_set_d(w->w, mx, MPFR_RNDN);
            acc_fma(&w->sh, w->w, w->w, w->w);
        }
    }
    return 1;
}

static nrc_status mp_sumsq(nrc_engine *e, size_t r, size_t q, const double *Alo,
                           const double *Ahi, size_t lda, double *lo, double *hi,
                           nrc_error *err)
{
    const mp_state *ms = state_of(e);
    mp_work w;
    size_t i;
    (void)err;
    work_init(&w);
    for (i = 0; i < r; i++) {
        const double *a = Alo + i * lda, *b = Ahi ? Ahi + i * lda : NULL;
        int point = row_is_point(a, b, q);
        const mp_acc *xh = point ? &w.sl : &w.sh;
        mpfr_prec_t p = ms->prec0;
        if (!sumsq_row(&w, p, q, a, b, point)) {
            lo[i] = 0.0;   /* a sum of squares is >= 0 whatever the input */
            hi[i] = INFINITY;
            continue;
        }
        while (!acc_finish(&w.sl, xh, lo + i, hi + i) && p < ms->cap) {
            p = next_prec(p, ms->cap);
            sumsq_row(&w, p, q, a, b, point);
        }
        if (!(lo[i] >= 0))
            lo[i] = 0.0;   /* [-inf, inf] (overflow) becomes [0, inf] */
    }
    work_clear(&w);
    return NRC_OK;
}

/* ------------------------------------------------------------------------
 * ray: sum_j v_j relu(a_j - t c_j), a_j in [alo, ahi], c_j in [clo, chi]. */

/* Enclose pre = a - t c in [w->pl, w->ph] at precision p (one rounding
 * each way; exact when p is large enough, or t == 0).  w->tv holds t. */
static void ray_pre(mp_work *w, double a, double t, double c)
{
    mpfr_set_d(w->u, a, MPFR_RNDN);
    if (t == 0) {   /* 0 * c = 0 for every real c, even unbounded */
        mpfr_set(w->pl, w->u, MPFR_RNDN);
        mpfr_set(w->ph, w->u, MPFR_RNDN);
        return;
    }
    mpfr_set_d(w->w, -c, MPFR_RNDN);
    mpfr_fma(w->pl, w->tv, w->w, w->u, MPFR_RNDD);
    mpfr_fma(w->ph, w->tv, w->w, w->u, MPFR_RNDU);
}

static mpfr_srcptr relu_of(const mp_work *w, mpfr_srcptr x)
{
    return mpfr_sgn(x) > 0 || mpfr_nan_p(x) ? x : w->zero;
}

/* s += v relu(pre) for pre in [xl, xh] (v = w->vv): the term lies in
 * [v relu(xl), v relu(xh)] for v > 0 and [v relu(xh), v relu(xl)] for
 * v < 0, relu being increasing. */
static void ray_add(mp_work *w, mp_acc *s, int vpos, mpfr_srcptr xl, mpfr_srcptr xh)
{
    mpfr_srcptr rl = relu_of(w, xl), rh = relu_of(w, xh);
    if (rl == w->zero && rh == w->zero)
        return;
    if (vpos)
        acc_fma(s, w->vv, rl, rh);
    else
        acc_fma(s, w->vv, rh, rl);
}

static void ray_sum(mp_work *w, mpfr_prec_t p, size_t k, const double *alo,
                    const double *ahi, const double *clo, const double *chi,
                    double t, const double *v, int point)
{
    size_t j;
    acc_reset(&w->sl, p);
    acc_reset(&w->sh, p);
    if (mpfr_get_prec(w->pl) != p) {
        mpfr_set_prec(w->pl, p);
        mpfr_set_prec(w->ph, p);
        mpfr_set_prec(w->ql, p);
        mpfr_set_prec(w->qh, p);
    }
    mpfr_set_d(w->tv, t, MPFR_RNDN);
    for (j = 0; j < k; j++) {
        int vpos = v[j] > 0;
        if (v[j] == 0)
            continue;   /* 0 * relu(anything real) = 0 */
        mpfr_set_d(w->vv, v[j], MPFR_RNDN);
        if (point) {
            ray_pre(w, alo[j], t, clo[j]);
            ray_add(w, &w->sl, vpos, w->pl, w->ph);
        } else {
            /* pre ranges over [pre_min, pre_max] with
             *   pre_min = a_lo - max(t c),  pre_max = a_hi - min(t c);
             * the term v relu(pre) is smallest at pre_min when v > 0 and at
             * pre_max when v < 0, largest at the other one. */
            double a_lo = alo[j], a_hi = ahi ? ahi[j] : alo[j];
            double c_lo = clo[j], c_hi = chi ? chi[j] : clo[j];
            double c_at_max = t >= 0 ? c_hi : c_lo, c_at_min = t >= 0 ? c_lo : c_hi;
            ray_pre(w, a_lo, t, c_at_max);
            mpfr_set(w->ql, w->pl, MPFR_RNDN);   /* same precision: exact */
            mpfr_set(w->qh, w->ph, MPFR_RNDN);
            ray_pre(w, a_hi, t, c_at_min);
            /* [ql, qh] encloses pre_min, [pl, ph] encloses pre_max */
            ray_add(w, &w->sl, vpos, vpos ? w->ql : w->pl, vpos ? w->qh : w->ph);
            ray_add(w, &w->sh, vpos, vpos ? w->pl : w->ql, vpos ? w->ph : w->qh);
        }
    }
}

static nrc_status mp_ray(nrc_engine *e, size_t k, const double *alo,
                         const double *ahi, const double *clo, const double *chi,
                         double t, const double *v, double *lo, double *hi,
                         nrc_error *err)
{
    const mp_state *ms = state_of(e);
    mp_work w;
    mpfr_prec_t p = ms->prec0;
    int point = 1;
    size_t j;
    (void)err;
    if (isnan(t)) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return NRC_OK;
    }
    for (j = 0; j < k && point; j++) {
        if (v[j] == 0)
            continue;
        if (ahi && !(ahi[j] == alo[j]))
            point = 0;
        if (t != 0 && chi && !(chi[j] == clo[j]))
            point = 0;
    }
    work_init(&w);
    ray_sum(&w, p, k, alo, ahi, clo, chi, t, v, point);
    while (!acc_finish(&w.sl, point ? &w.sl : &w.sh, lo, hi) && p < ms->cap) {
        p = next_prec(p, ms->cap);
        ray_sum(&w, p, k, alo, ahi, clo, chi, t, v, point);
    }
    work_clear(&w);
    return NRC_OK;
}

/* ------------------------------------------------------------------------ */

static void mp_clear(nrc_engine *e)
{
    nrc_free(e->state);
    e->state = NULL;
}

/* Enclosures that are already the tightest binary64 ones gain nothing from
 * a midpoint or a cheaper sign test: the generic operations. */
static const nrc_engine_ops mpfr_ops = {
    .name = "mpfr",
    .gemm = mp_gemm,
    .sumsq = mp_sumsq,
    .ray = mp_ray,
    .gemm_mid = nrc_engine_gemm_mid_generic,
    .ray_test = nrc_engine_ray_test_generic,
    .clear = mp_clear
};

/* Start-up self-test (spec/DESIGN.md guard rails): a dot product whose double
 * evaluation has the wrong sign must come out exact, a cancellation of
 * 2^2000 must leave exactly 2^-2148 (rounded to [0, 2^-1074]), and a
 * subnormal product must round outward. */
static nrc_status mp_selftest(nrc_engine *e, nrc_error *err)
{
    static const double a[4] = { 0x1p54, 1.0, -0x1p54, -0x1p-10 }, one[4] = { 1, 1, 1, 1 };
    static const double c[3] = { 0x1p1000, 0x1p-1074, -0x1p1000 }, d[3] = { 0x1p1000, 0x1p-1074, 0x1p1000 };
    static const double s[1] = { 0x1p-1074 }, h[1] = { 0.75 };
    double lo[3], hi[3];
    nrc_status st = nrc_engine_gemm(e, 1, 1, 4, a, NULL, 4, one, 4, lo, hi, 1, err);
    if (st == NRC_OK)
        st = nrc_engine_gemm(e, 1, 1, 3, c, NULL, 3, d, 3, lo + 1, hi + 1, 1, err);
    if (st == NRC_OK)
        st = nrc_engine_gemm(e, 1, 1, 1, s, NULL, 1, h, 1, lo + 2, hi + 2, 1, err);
    if (st != NRC_OK)
        return st;
    if (!(lo[0] == 1.0 - 0x1p-10 && hi[0] == 1.0 - 0x1p-10) || !(lo[1] == 0 && hi[1] == 0x1p-1074) ||
        !(lo[2] == 0 && hi[2] == 0x1p-1074))
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "mpfr engine self-test failed: [%a, %a], [%a, %a], [%a, %a]",
                             lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
    return NRC_OK;
}

nrc_status nrc_engine_mpfr_init(nrc_engine *e, int threads, nrc_error *err)
{
    mp_state *ms;
    nrc_status st;
    const char *env = getenv("NRC_ENGINE_MPFR_PREC");
    long p0 = NRC_ENGINE_MPFR_PREC;
    e->ops = NULL;
    e->state = NULL;
    e->threads = threads < 1 ? 1 : threads;
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end != '\0' || v < 53 || v > NRC_MPFR_PREC_CAP)
            return nrc_error_set(err, NRC_ERR_USAGE,
                                 "NRC_ENGINE_MPFR_PREC='%s': expected an integer from 53 to %d",
                                 env, NRC_MPFR_PREC_CAP);
        p0 = v;
    }
    /* The exponent range must hold every product of doubles exactly
     * (2^-2148 .. 2^2048, and 2^-3222 for v a_j t c_j); MPFR's default range
     * is about 2^(+-2^30). */
    if (mpfr_get_emin() > -8000 || mpfr_get_emax() < 8000)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "mpfr engine: MPFR exponent range [%ld, %ld] is too narrow",
                             (long)mpfr_get_emin(), (long)mpfr_get_emax());
    /* mpfr_set_d / mpfr_get_d go through the FPU for subnormals: under
     * flush-to-zero or denormals-are-zero a tiny value could be read or
     * written as 0, and an upper bound 2^-1074 would become 0. */
    st = nrc_fast_check_fpenv(err);
    if (st != NRC_OK)
        return st;
    ms = nrc_malloc(sizeof *ms);
    if (!ms)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (mpfr engine)");
    ms->prec0 = (mpfr_prec_t)p0;
    ms->cap = NRC_MPFR_PREC_CAP;
    e->ops = &mpfr_ops;
    e->state = ms;
    st = mp_selftest(e, err);
    if (st != NRC_OK) {
        mp_clear(e);
        e->ops = NULL;
    }
    return st;
}
