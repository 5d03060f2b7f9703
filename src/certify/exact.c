/* The exact arbiter (include/certify/nrc_exact.h): dyadic rationals in arf_t at
 * ARF_PREC_EXACT.  Every operation below is exact; nothing is rounded except
 * by nrc_exact_get_lo / nrc_exact_get_hi, which round in the stated
 * direction and verify it by an exact comparison. */
#include <float.h>
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_exact.h"

void nrc_exact_dot(arf_t out, size_t q, const double *a, size_t inca,
                   const double *b, size_t incb)
{
    arf_t x, y;
    size_t t;
    arf_init(x);
    arf_init(y);
    arf_zero(out);
    for (t = 0; t < q; t++) {
        double at = a[t * inca], bt = b[t * incb];
        if (at == 0 || bt == 0)
            continue;
        arf_set_d(x, at);
        arf_set_d(y, bt);
        arf_addmul(out, x, y, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
    arf_clear(x);
    arf_clear(y);
}

void nrc_exact_dot_arf(arf_t out, size_t q, const double *a, const arf_struct *z)
{
    arf_t x;
    size_t t;
    arf_init(x);
    arf_zero(out);
    for (t = 0; t < q; t++) {
        if (a[t] == 0)
            continue;
        arf_set_d(x, a[t]);
        arf_addmul(out, x, z + t, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
    arf_clear(x);
}

void nrc_exact_sumsq_arf(arf_t out, size_t q, const arf_struct *z)
{
    size_t t;
    arf_zero(out);
    for (t = 0; t < q; t++)
        arf_addmul(out, z + t, z + t, ARF_PREC_EXACT, ARF_RND_DOWN);
}

nrc_status nrc_xvec_init(nrc_xvec *x, size_t len, nrc_error *err)
{
    size_t t;
    x->len = 0;
    x->v = nrc_malloc_array(len ? len : 1, sizeof(arf_struct));
    if (!x->v)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (exact vector of %zu)", len);
    for (t = 0; t < len; t++)
        arf_init(x->v + t);
    x->len = len;
    return NRC_OK;
}

void nrc_xvec_clear(nrc_xvec *x)
{
    size_t t;
    if (!x->v)
        return;
    for (t = 0; t < x->len; t++)
        arf_clear(x->v + t);
    nrc_free(x->v);
    x->v = NULL;
    x->len = 0;
}

void nrc_exact_direction(nrc_xvec *z, size_t n, size_t d, const double *X,
                         const double *y, const size_t *idx, size_t nidx)
{
    arf_t x;
    size_t t, r, cnt = idx ? nidx : n;
    arf_init(x);
    for (t = 0; t < d; t++)
        arf_zero(z->v + t);
    for (r = 0; r < cnt; r++) {
        size_t l = idx ? idx[r] : r;
        const double *row = X + l * d;
        for (t = 0; t < d; t++) {
            if (row[t] == 0)
                continue;
            arf_set_d(x, y[l] > 0 ? row[t] : -row[t]);
            arf_add(z->v + t, z->v + t, x, ARF_PREC_EXACT, ARF_RND_DOWN);
        }
    }
    arf_clear(x);
}

void nrc_exact_preact(arf_t a, size_t d, const double *w, const double *x,
                      const double *b)
{
    nrc_exact_dot(a, d, w, 1, x, 1);
    if (b && *b != 0) {
        arf_t t;
        arf_init(t);
        arf_set_d(t, *b);
        arf_add(a, a, t, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_clear(t);
    }
}

void nrc_exact_ray(arf_t out, size_t k, const arf_struct *a, const arf_struct *c,
                   double t, const double *v)
{
    arf_t pre, tt, vv;
    size_t j;
    arf_init(pre);
    arf_init(tt);
    arf_init(vv);
    arf_set_d(tt, t);
    arf_zero(out);
    for (j = 0; j < k; j++) {
        if (v[j] == 0)
            continue;
        arf_set(pre, a + j);
        if (t != 0)
            arf_submul(pre, tt, c + j, ARF_PREC_EXACT, ARF_RND_DOWN);
        if (arf_sgn(pre) <= 0)
            continue;
        arf_set_d(vv, v[j]);
        arf_addmul(out, vv, pre, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
    arf_clear(pre);
    arf_clear(tt);
    arf_clear(vv);
}

int nrc_exact_sgn(const arf_t x) { return arf_sgn(x); }

/* Compare exact x with double d: -1, 0, +1 for x <, =, > d. */
static int cmp_d(const arf_t x, double d)
{
    arf_t t;
    int c;
    arf_init(t);
    arf_set_d(t, d);
    c = arf_cmp(x, t);
    arf_clear(t);
    return c;
}

double nrc_exact_get_lo(const arf_t x)
{
    double r;
    if (arf_is_zero(x))
        return 0.0;
    if (arf_cmpabs_2exp_si(x, 1024) >= 0)
        return arf_sgn(x) > 0 ? DBL_MAX : -INFINITY;
    r = arf_get_d(x, ARF_RND_FLOOR);
    if (isnan(r))
        return -INFINITY;
    if (r == INFINITY)
        r = DBL_MAX;
    while (cmp_d(x, r) < 0)
        r = nextafter(r, -INFINITY);
    /* tighten: the next double up may still be <= x (double rounding in the
     * subnormal range) */
    while (isfinite(nextafter(r, INFINITY)) && cmp_d(x, nextafter(r, INFINITY)) >= 0)
        r = nextafter(r, INFINITY);
    return r;
}

double nrc_exact_get_hi(const arf_t x)
{
    double r;
    if (arf_is_zero(x))
        return 0.0;
    if (arf_cmpabs_2exp_si(x, 1024) >= 0)
        return arf_sgn(x) > 0 ? INFINITY : -DBL_MAX;
    r = arf_get_d(x, ARF_RND_CEIL);
    if (isnan(r))
        return INFINITY;
    if (r == -INFINITY)
        r = -DBL_MAX;
    while (cmp_d(x, r) > 0)
        r = nextafter(r, INFINITY);
    while (isfinite(nextafter(r, -INFINITY)) && cmp_d(x, nextafter(r, -INFINITY)) <= 0)
        r = nextafter(r, -INFINITY);
    return r;
}

nrc_truth nrc_exact_lt_d(const arf_t x, double d)
{
    return cmp_d(x, d) < 0 ? NRC_TRUE : NRC_FALSE;
}

nrc_truth nrc_exact_le_d(const arf_t x, double d)
{
    return cmp_d(x, d) <= 0 ? NRC_TRUE : NRC_FALSE;
}
