/* The network along a ray in exact arithmetic, for the tests of the ray
 * primitives (t-ray_filter.c, t-engine_ops.c): F = sum_j v_j relu(a_j -
 * t c_j) over a box a_j in [alo_j, ahi_j], c_j in [clo_j, chi_j]. Each
 * term is monotone in a_j and in c_j, so its extremes are at the four
 * corners; summing the per-term extremes gives the exact range. */
#ifndef NRC_TESTS_EXACT_RAY_H
#define NRC_TESTS_EXACT_RAY_H
#include <stddef.h>
#include <arf.h>

/* out = v relu(a - t c), exactly. */
static void term(arf_t out, double v, double a, double t, double c)
{
    arf_t x, y;
    arf_init(x);
    arf_init(y);
    arf_set_d(x, t);
    arf_set_d(y, c);
    arf_mul(x, x, y, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_set_d(y, a);
    arf_sub(x, y, x, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_set_d(y, v);
    if (arf_sgn(x) > 0)
        arf_mul(out, x, y, ARF_PREC_EXACT, ARF_RND_DOWN);
    else
        arf_zero(out);
    arf_clear(x);
    arf_clear(y);
}

/* [lo, hi] = the exact range of F over the box. */
static void exact_range(size_t k, const double *alo, const double *ahi, const double *clo,
                        const double *chi, double t, const double *v, arf_t lo, arf_t hi)
{
    arf_t m, M, x;
    size_t j;
    int q;
    arf_init(m);
    arf_init(M);
    arf_init(x);
    arf_zero(lo);
    arf_zero(hi);
    for (j = 0; j < k; j++) {
        for (q = 0; q < 4; q++) {
            term(x, v[j], (q & 1) ? ahi[j] : alo[j], t, (q & 2) ? chi[j] : clo[j]);
            if (q == 0 || arf_cmp(x, m) < 0)
                arf_set(m, x);
            if (q == 0 || arf_cmp(x, M) > 0)
                arf_set(M, x);
        }
        arf_add(lo, lo, m, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_add(hi, hi, M, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
    arf_clear(m);
    arf_clear(M);
    arf_clear(x);
}

#endif
