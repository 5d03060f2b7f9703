/* KKT polish (src/train/polish*.c, spec/POLISH.md).
 *   - the bounded QP satisfies its own KKT conditions on random PSD problems;
 *   - the face factor kept under appends and deletes (rank-one updates)
 *     agrees with the Gram it factors, against a fresh factorization;
 *   - the inner QP (box-constrained dual at fixed s) satisfies its KKT
 *     conditions and strong duality, cold and warm started;
 *   - the budget, the Newton cap, the time budgets and the caller stop a
 *     run deterministically, with the outcome and reason saying so;
 *   - exactly orthogonal data, one neuron per point, both classes: the KKT
 *     point is known in closed form (full and fixed second layer) and the
 *     polish reaches it to rounding, also from a start whose pattern is wrong;
 *   - random problems in and out of the nearly-orthogonal regime, trained by
 *     GD here: the polish converges (Clarke residual at rounding level),
 *     every margin is >= 1 up to rounding and the normalized margin is at
 *     least the GD one;
 *   - determinism, and every allocation failing cleanly. */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_data.h"
#include "nrc_polish.h"
#include "nrc_polish_impl.h"
#include "nrc_rng.h"
#include "nrc_train.h"

/* min_i q_i of a network */
static double min_margin(size_t n, size_t d, size_t k, const double *X, const double *y,
                         const double *W, const double *b, const double *v)
{
    double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
    double *N = nrc_malloc_array(n, sizeof(double)), *q = nrc_malloc_array(n, sizeof(double));
    double m = NAN;
    if (A && R && N && q) {
        nrc_train_forward_ref_d(n, d, k, X, y, W, b, v, A, R, N, q);
        m = INFINITY;
        for (size_t i = 0; i < n; i++)
            m = q[i] < m ? q[i] : m;
    }
    nrc_free(A); nrc_free(R); nrc_free(N); nrc_free(q);
    return m;
}

/* ---- the QP ---- */
static void polish_qp_random(void)
{
    nrc_rng r;
    nrc_error err;
    long iters = 200 * tl_mult();
    nrc_rng_init(&r, tl_seed(), 11);
    for (long it = 0; it < iters; it++) {
        size_t n = 1 + nrc_rng_below(&r, 12), rk = 1 + nrc_rng_below(&r, n + 3), i, l, t;
        double F[15 * 12], H[12 * 12], c[12], x[12], scale = 0.0;
        int conv;
        for (t = 0; t < rk * n; t++)
            F[t] = nrc_rng_normal_d(&r);
        for (i = 0; i < n; i++)
            x[i] = nrc_rng_normal_d(&r);   /* z0 for the singular case */
        for (i = 0; i < n; i++) {
            c[i] = nrc_rng_normal_d(&r);
            for (l = 0; l < n; l++) {
                double s = 0.0;
                for (t = 0; t < rk; t++)
                    s += F[t * n + i] * F[t * n + l];
                H[i * n + l] = s;
            }
        }
        /* a singular H may leave the QP unbounded: then take c = H z0, so
         * that every direction with H e = 0 has c.e = 0 */
        if (rk < n)
            for (i = 0; i < n; i++) {
                double s = 0.0;
                for (l = 0; l < n; l++)
                    s += H[i * n + l] * x[l];
                c[i] = s;
            }
        REQUIRE(nrc_polish_qp_d(n, H, c, x, 0, &conv, &err) == NRC_OK, "qp: %s", err.msg);
        for (i = 0; i < n; i++) {
            double g = c[i], a = fabs(c[i]);
            for (l = 0; l < n; l++) {
                g -= H[i * n + l] * x[l];
                a += fabs(H[i * n + l] * x[l]);
            }
            scale = a > scale ? a : scale;
            CHECK(x[i] >= 0, "it %ld: x[%zu] = %g < 0", it, i, x[i]);
            /* optimality: w = c - Hx <= 0 where x = 0, w = 0 where x > 0 */
            if (x[i] > 0)
                CHECK(fabs(g) <= 1e-9 * (a + 1.0), "it %ld n %zu rank %zu: x[%zu] = %g > 0 "
                      "but w = %g", it, n, rk, i, x[i], g);
            else
                CHECK(g <= 1e-9 * (a + 1.0), "it %ld n %zu rank %zu: x[%zu] = 0 but w = %g > 0",
                      it, n, rk, i, g);
        }
        if (tl_case_failed)
            return;
    }
}

/* ---- the face factor and the inner QP ---- */

/* A random inner problem: X (n,d) gaussian, balanced labels, k neurons of
 * alternating signs, s_j in [0.5, 2], own pairs on with probability 3/4
 * (and at least one per point), opposite pairs on or off at random. */
static int inner_setup(pol_ctx *c, nrc_rng *r, size_t n, size_t d, size_t k, double *X,
                       double *y, nrc_polish_opts *o)
{
    size_t i, l, j, t;
    memset(c, 0, sizeof *c);
    nrc_polish_opts_default(o);
    c->n = n; c->d = d; c->k = k; c->full = 1; c->X = X; c->y = y; c->opts = o;
    for (i = 0; i < n * d; i++)
        X[i] = nrc_rng_normal_d(r);
    for (i = 0; i < n; i++)
        y[i] = i % 2 ? -1.0 : 1.0;
    if (!pol_ctx_alloc(c))
        return 0;
    for (i = 0; i < n; i++)
        for (l = 0; l < n; l++) {
            double a = 0.0;
            for (t = 0; t < d; t++)
                a += X[i * d + t] * X[l * d + t];
            c->K[i * n + l] = a;
        }
    for (i = 0; i < n; i++)
        c->xn[i] = sqrt(c->K[i * n + i]);
    for (j = 0; j < k; j++) {
        c->sig[j] = j % 2 ? -1.0 : 1.0;
        c->s[j] = 0.5 + 1.5 * nrc_rng_uniform_d(r);
    }
    for (i = 0; i < n; i++) {
        int any = 0;
        for (j = 0; j < k; j++) {
            int own = y[i] * c->sig[j] > 0;
            int on = nrc_rng_uniform_d(r) < (own ? 0.75 : 0.5);
            c->ps[i * k + j] = on ? PS_ON : PS_OFF;
            any |= own && on;
        }
        if (!any)
            c->ps[i * k + (y[i] > 0 ? 0 : 1)] = PS_ON;
    }
    pol_live_update(c);
    pol_tst_build(c);
    return 1;
}

/* The face optimum of the kept factorization against a dense reference:
 * H_FF from pol_face_entry, solved by plain Gaussian elimination with
 * partial pivoting.  Returns max |z - z_ref| / (max |z_ref| + 1). */
static double face_error(pol_ctx *c)
{
    size_t p = c->p, i, j, r;
    double *H = nrc_malloc_array(p * (p + 1) + 1, sizeof(double)), *z = nrc_malloc_array(p + 1, sizeof(double));
    double worst = 0.0, zmax = 0.0;
    if (!H || !z) {
        nrc_free(H);
        nrc_free(z);
        return INFINITY;
    }
    for (i = 0; i < p; i++) {
        for (j = 0; j < p; j++)
            H[i * (p + 1) + j] = pol_face_entry(c, c->fv[i], c->fv[j]);
        H[i * (p + 1) + p] = c->fv[i] < c->n ? 1.0 : 0.0;
    }
    for (i = 0; i < p; i++) {   /* elimination on the augmented matrix */
        size_t piv = i;
        for (r = i + 1; r < p; r++)
            if (fabs(H[r * (p + 1) + i]) > fabs(H[piv * (p + 1) + i]))
                piv = r;
        for (j = 0; j <= p; j++) {
            double t = H[i * (p + 1) + j];
            H[i * (p + 1) + j] = H[piv * (p + 1) + j];
            H[piv * (p + 1) + j] = t;
        }
        for (r = i + 1; r < p; r++) {
            double f = H[r * (p + 1) + i] / H[i * (p + 1) + i];
            for (j = i; j <= p; j++)
                H[r * (p + 1) + j] -= f * H[i * (p + 1) + j];
        }
    }
    for (i = p; i-- > 0;) {
        double a = H[i * (p + 1) + p];
        for (j = i + 1; j < p; j++)
            a -= H[i * (p + 1) + j] * H[j * (p + 1) + p];
        H[i * (p + 1) + p] = a / H[i * (p + 1) + i];
    }
    pol_face_solve(c, z);
    for (i = 0; i < p; i++) {
        double ref = H[i * (p + 1) + p];
        worst = fabs(z[i] - ref) > worst ? fabs(z[i] - ref) : worst;
        zmax = fabs(ref) > zmax ? fabs(ref) : zmax;
    }
    nrc_free(H);
    nrc_free(z);
    return worst / (zmax + 1.0);
}

static void polish_face_updates(void)
{
    nrc_rng r;
    long reps = 20 * tl_mult();
    nrc_rng_init(&r, tl_seed(), 21);
    for (long it = 0; it < reps; it++) {
        size_t n = 6 + nrc_rng_below(&r, 10), k = 2 + nrc_rng_below(&r, 5), d = n + 5, i, j;
        double X[16 * 21], y[16];
        pol_ctx c;
        nrc_polish_opts o;
        REQUIRE(inner_setup(&c, &r, n, d, k, X, y, &o), "out of memory");
        /* every point, and a few kinks of opposite pairs */
        for (i = 0; i < n; i++)
            REQUIRE(pol_face_append(&c, i) == 1, "lambda %zu refused", i);
        for (i = 0; i < n; i++)
            for (j = 0; j < k; j++) {
                size_t q = i * k + j;
                if (y[i] * c.sig[j] > 0 || nrc_rng_uniform_d(&r) < 0.6)
                    continue;
                c.ps[q] = c.ps[q] == PS_ON ? PS_KRHO : PS_KNU;
                if (pol_face_append(&c, n + q) != 1)
                    c.ps[q] = c.ps[q] == PS_KRHO ? PS_ON : PS_OFF;
            }
        CHECK(face_error(&c) <= 1e-9, "it %ld: appended factor solves off by %g", it,
              face_error(&c));
        /* random deletions and appends on the kept factors */
        for (int op = 0; op < 12 && !tl_case_failed; op++) {
            size_t f = nrc_rng_below(&r, n + n * k);
            if (c.p > 2 && nrc_rng_uniform_d(&r) < 0.5) {
                size_t t = nrc_rng_below(&r, c.p), g = c.fv[t];
                if (g < n) {   /* a multiplier leaves with its kinks */
                    for (j = 0; j < k; j++)
                        if (c.fpos[n + g * k + j] >= 0) {
                            pol_face_delete(&c, (size_t)c.fpos[n + g * k + j]);
                            c.ps[g * k + j] = c.ps[g * k + j] == PS_KNU ? PS_OFF : PS_ON;
                        }
                    pol_face_delete(&c, (size_t)c.fpos[g]);
                } else {
                    pol_face_delete(&c, t);
                    c.ps[g - n] = c.ps[g - n] == PS_KNU ? PS_OFF : PS_ON;
                }
            } else if (f < n && c.fpos[f] < 0) {
                (void)pol_face_append(&c, f);
            } else if (f >= n && c.fpos[f] < 0 && c.fpos[(f - n) / k] >= 0 &&
                       y[(f - n) / k] * c.sig[(f - n) % k] < 0) {
                size_t q = f - n;
                c.ps[q] = c.ps[q] == PS_ON ? PS_KRHO : PS_KNU;
                if (pol_face_append(&c, f) != 1)
                    c.ps[q] = c.ps[q] == PS_KRHO ? PS_ON : PS_OFF;
            }
            CHECK(face_error(&c) <= 1e-9, "it %ld op %d: kept factors solve off by %g (p %zu)",
                  it, op, face_error(&c), c.p);
        }
        /* and a rebuild from scratch agrees */
        REQUIRE(pol_face_rebuild(&c) == 0, "rebuild");
        CHECK(face_error(&c) <= 1e-9, "it %ld: rebuilt factors solve off by %g", it,
              face_error(&c));
        pol_ctx_free(&c);
        if (tl_case_failed)
            return;
    }
}

/* The QP's optimality: feasibility, q_i = 1 on active points and >= 1
 * elsewhere, a_ij <= 0 on off pairs, >= 0 on on pairs, = 0 at kinks (to
 * rounding), and strong duality 1^T lambda = sum_j s_j ||u_j||^2. */
static void inner_check(pol_ctx *c, long it, const char *when)
{
    size_t n = c->n, k = c->k, nl = c->nl, i, a;
    double sl = 0.0, sb = 0.0;
    pol_products(c);
    for (i = 0; i < n; i++) {
        double lam = c->lam[i];
        sl += lam;
        CHECK(lam >= 0, "%s it %ld: lambda_%zu = %g", when, it, i, lam);
        if (lam > 0)
            CHECK(fabs(1.0 - c->q[i]) <= 1e-9, "%s it %ld: active point %zu has q %.17g", when,
                  it, i, c->q[i]);
        else
            CHECK(c->q[i] >= 1.0 - 1e-9, "%s it %ld: inactive point %zu has q %.17g", when, it,
                  i, c->q[i]);
        for (a = 0; a < nl; a++) {
            size_t j = c->live[a], q = i * k + j;
            double sa = c->sig[j] * c->cl[i * nl + a], tol = 1e-9 * sqrt(c->B[j]) * c->xn[i];
            unsigned char st = c->ps[q];
            if (!(lam > 0) || c->y[i] * c->sig[j] > 0)
                continue;
            if (st == PS_KNU || st == PS_KRHO) {
                CHECK(c->kv[q] >= 0 && c->kv[q] <= lam, "%s it %ld: kink (%zu,%zu) value %g "
                      "outside [0, %g]", when, it, i, j, c->kv[q], lam);
                CHECK(fabs(sa) <= tol, "%s it %ld: kink (%zu,%zu) has a %g", when, it, i, j, sa);
            } else if (st == PS_OFF) {
                CHECK(sa <= tol, "%s it %ld: off pair (%zu,%zu) has a %g", when, it, i, j, sa);
            } else {
                CHECK(sa >= -tol, "%s it %ld: on pair (%zu,%zu) has a %g", when, it, i, j, sa);
            }
        }
    }
    for (a = 0; a < nl; a++)
        sb += c->s[c->live[a]] * c->B[c->live[a]];
    CHECK(fabs(sl - sb) <= 1e-9 * sl, "%s it %ld: 1^T lambda %.17g but sum s B %.17g", when,
          it, sl, sb);
}

static void polish_inner_qp(void)
{
    nrc_rng r;
    long reps = 30 * tl_mult();
    nrc_rng_init(&r, tl_seed(), 22);
    for (long it = 0; it < reps; it++) {
        size_t n = 6 + nrc_rng_below(&r, 10), k = 2 + nrc_rng_below(&r, 5), d = n + 5;
        double X[16 * 21], y[16], lam1[16];
        pol_ctx c;
        nrc_polish_opts o;
        REQUIRE(inner_setup(&c, &r, n, d, k, X, y, &o), "out of memory");
        REQUIRE(pol_inner_solve(&c) == 1, "it %ld: cold inner solve failed", it);
        inner_check(&c, it, "cold");
        memcpy(lam1, c.lam, n * sizeof(double));
        /* warm start at a nearby s */
        for (size_t j = 0; j < k; j++)
            c.s[j] *= 1.0 + 0.2 * (nrc_rng_uniform_d(&r) - 0.5);
        REQUIRE(pol_inner_solve(&c) == 1, "it %ld: warm inner solve failed", it);
        inner_check(&c, it, "warm");
        pol_ctx_free(&c);
        if (tl_case_failed)
            return;
    }
}

/* ---- exactly orthogonal data: closed form ---- */
/* x_i = rad e_i (d >= n), y_i = +1 for even i, -1 for odd i; k = n.
 * Full: at the KKT point each neuron serves one point: w_i = v_i lambda_i
 * y_i x_i, ||u_i|| = lambda_i rad = 1 (balancedness), q_i = v_i^2 rad = 1,
 * so v_i^2 = 1/rad, ||theta||^2 = 2n/rad, normalized margin rad/(2n).
 * Fixed v = +-1/sqrt(k) (alternating, matching the labels): lambda_i =
 * k/rad^2, ||W||^2 = n k / rad^2, q_min/||W|| = rad/sqrt(nk). */
enum { ON = 6, OD = 9 };
static void ortho_setup(int fix_v, int wrong, double rad, double *X, double *y,
                        double *W, double *v)
{
    nrc_rng r;
    nrc_rng_init(&r, tl_seed(), 12);
    memset(X, 0, sizeof(double) * ON * OD);
    for (size_t i = 0; i < ON; i++) {
        X[i * OD + i] = rad;
        y[i] = i % 2 ? -1.0 : 1.0;
    }
    for (size_t j = 0; j < ON; j++) {
        double alpha = 0.5 + nrc_rng_uniform_d(&r), beta = 0.5 + nrc_rng_uniform_d(&r);
        for (size_t t = 0; t < OD; t++)
            W[j * OD + t] = (t == j ? alpha : -0.01) + 1e-3 * nrc_rng_normal_d(&r);
        v[j] = fix_v ? y[j] / sqrt((double)ON) : beta * y[j];
    }
    if (wrong) /* neuron 0 (class +1) also active on point 1 (class -1) */
        W[0 * OD + 1] = 0.05;   /* small enough that point 1 stays fitted */
}

static void ortho_case(int fix_v, int wrong)
{
    const double rad = 3.0;
    double X[ON * OD], y[ON], W[ON * OD], v[ON], W2[ON * OD], v2[ON];
    nrc_polish_opts o;
    nrc_polish_result res, res2;
    nrc_error err;
    ortho_setup(fix_v, wrong, rad, X, y, W, v);
    nrc_polish_opts_default(&o);
    o.fix_v = fix_v;
    memcpy(W2, W, sizeof W);
    memcpy(v2, v, sizeof v);
    REQUIRE(nrc_polish_run_d(&o, ON, OD, ON, X, y, W, NULL, v, &res, &err) == NRC_OK,
            "polish: %s", err.msg);
    CHECK(res.outcome == NRC_POLISH_CONVERGED && res.adopted && res.kinks == 0,
          "fix_v %d wrong %d: outcome %s (%s), adopted %d, kinks %zu", fix_v, wrong,
          nrc_polish_outcome_name(res.outcome), res.reason, res.adopted, res.kinks);
    CHECK(res.after.eps_rel <= 1e-14 && res.after.delta <= 1e-14,
          "eps_rel %g delta %g (certify's reading)", res.after.eps_rel, res.after.delta);
    CHECK(fabs(res.after.q_min - 1.0) <= 1e-14, "q_min %.17g", res.after.q_min);
    if (!fix_v) {
        CHECK(fabs(res.after.norm_margin - rad / (2.0 * ON)) <= 1e-14 * rad / (2.0 * ON),
              "normalized margin %.17g, closed form %.17g", res.after.norm_margin,
              rad / (2.0 * ON));
        for (size_t j = 0; j < ON; j++)
            CHECK(fabs(v[j] * v[j] - 1.0 / rad) <= 1e-14 && v[j] * y[j] > 0,
                  "v[%zu] = %.17g, v^2 should be 1/%g", j, v[j], rad);
    } else {
        double want = rad / sqrt((double)ON * ON);
        CHECK(fabs(res.after.norm_margin - want) <= 1e-14 * want,
              "q_min/||W|| %.17g, closed form %.17g", res.after.norm_margin, want);
    }
    /* one neuron per point: w_j is a multiple of x_j, exactly */
    for (size_t j = 0, bad = 0; j < ON && !bad; j++)
        for (size_t t = 0; t < OD && !bad; t++)
            if (t != j && W[j * OD + t] != 0.0) {
                CHECK(0, "W[%zu][%zu] = %g, expected 0", j, t, W[j * OD + t]);
                bad = 1;
            }
    CHECK(res.after.norm_margin >= res.before.norm_margin, "normalized margin fell: %g < %g",
          res.after.norm_margin, res.before.norm_margin);
    /* with the wrong start, neuron 0 was active on point 1 (the other
     * class); the exact-multiple check above shows it is off there now */
    if (wrong)
        CHECK(res.before.q_min > 0, "the wrong start does not fit");
    /* deterministic: the same input gives the same bytes */
    REQUIRE(nrc_polish_run_d(&o, ON, OD, ON, X, y, W2, NULL, v2, &res2, &err) == NRC_OK,
            "polish: %s", err.msg);
    CHECK(memcmp(W, W2, sizeof W) == 0 && memcmp(v, v2, sizeof v) == 0 &&
          memcmp(&res.after, &res2.after, sizeof res.after) == 0,
          "two runs on the same input differ");
}

static void polish_orthogonal_full(void) { ortho_case(0, 0); }
static void polish_orthogonal_full_wrong_pattern(void) { ortho_case(0, 1); }
static void polish_orthogonal_fixed_v(void) { ortho_case(1, 0); }
static void polish_orthogonal_fixed_v_wrong_pattern(void) { ortho_case(1, 1); }

/* ---- random problems trained by GD ---- */
typedef struct {
    size_t n, d, k;
    nrc_data_kind data;
    int bias, fix_v;
    uint64_t steps;
} rcase;

/* GD on a generated problem; a run that leaves a point with no active
 * neuron is not the polish's business: the next seed (at most 4).
 * Returns 1 fitted, 0 not (a failed CHECK says why). */
static int train_case(const rcase *rc, uint64_t *seed, double *X, double *y, double *W,
                      double *b, double *v)
{
    size_t n = rc->n, d = rc->d, k = rc->k;
    nrc_train_opts to = {n, d, k, rc->bias, rc->fix_v, NRC_LOSS_LOGISTIC,
                         NRC_SCHEDULE_NORMALIZED, 0.1, rc->steps};
    nrc_train_progress fin;
    nrc_error err;
    for (int tries = 0; tries < 4; tries++, *seed += 1000) {
        nrc_data_generate(rc->data, NRC_LABELS_BALANCED, n, d, *seed, NRC_RNG_STREAM_TRAIN, X, y);
        nrc_train_init_d(d, k, 1e-2, rc->fix_v, *seed, W, rc->bias ? b : NULL, v);
        if (nrc_train_run_d(&to, X, y, W, rc->bias ? b : NULL, v, NULL, NULL, &fin, &err) !=
            NRC_OK) {
            CHECK(0, "train: %s", err.msg);
            return 0;
        }
        if (fin.q_min > 0)
            return 1;
    }
    CHECK(0, "seed %llu n %zu d %zu k %zu: GD did not fit the data (q_min %g)",
          (unsigned long long)*seed, n, d, k, fin.q_min);
    return 0;
}

static void random_case(const rcase *rc, uint64_t seed)
{
    size_t n = rc->n, d = rc->d, k = rc->k;
    double *X = nrc_malloc_array(n * d, sizeof(double)), *y = nrc_malloc_array(n, sizeof(double));
    double *W = nrc_malloc_array(k * d, sizeof(double)), *v = nrc_malloc_array(k, sizeof(double));
    double *b = nrc_malloc_array(k, sizeof(double)), *W2 = nrc_malloc_array(k * d, sizeof(double));
    double *v2 = nrc_malloc_array(k, sizeof(double)), *b2 = nrc_malloc_array(k, sizeof(double));
    nrc_polish_opts o;
    nrc_polish_result res, res2;
    nrc_error err;
    double qm;
    if (!X || !y || !W || !v || !b || !W2 || !v2 || !b2) {
        CHECK(0, "out of memory");
        goto out;
    }
    if (!train_case(rc, &seed, X, y, W, b, v))
        goto out;
    memcpy(W2, W, k * d * sizeof(double));
    memcpy(v2, v, k * sizeof(double));
    memcpy(b2, b, k * sizeof(double));
    nrc_polish_opts_default(&o);
    o.fix_v = rc->fix_v;
    o.always_adopt = 1;
    if (nrc_polish_run_d(&o, n, d, k, X, y, W, rc->bias ? b : NULL, v, &res, &err) != NRC_OK) {
        CHECK(0, "polish: %s", err.msg);
        goto out;
    }
    CHECK(res.outcome == NRC_POLISH_CONVERGED && res.adopted,
          "seed %llu n %zu d %zu k %zu bias %d fix_v %d: outcome %s (%s)",
          (unsigned long long)seed, n, d, k, rc->bias, rc->fix_v,
          nrc_polish_outcome_name(res.outcome), res.reason);
    CHECK(res.clarke.eps_rel <= 1e-12 && res.clarke.delta <= 1e-12,
          "seed %llu: Clarke eps_rel %g, delta %g", (unsigned long long)seed,
          res.clarke.eps_rel, res.clarke.delta);
    qm = min_margin(n, d, k, X, y, W, rc->bias ? b : NULL, v);
    CHECK(qm >= 1.0 - 1e-12, "seed %llu: polished min margin %.17g < 1", (unsigned long long)seed, qm);
    CHECK(res.clarke.norm_margin >= res.before.norm_margin * (1.0 - 1e-12),
          "seed %llu: normalized margin %.17g below GD's %.17g", (unsigned long long)seed,
          res.clarke.norm_margin, res.before.norm_margin);
    CHECK(res.direction_move >= 0 && res.direction_move <= 2.0, "direction move %g",
          res.direction_move);
    /* deterministic */
    if (nrc_polish_run_d(&o, n, d, k, X, y, W2, rc->bias ? b2 : NULL, v2, &res2, &err) != NRC_OK) {
        CHECK(0, "polish: %s", err.msg);
        goto out;
    }
    CHECK(memcmp(W, W2, k * d * sizeof(double)) == 0 && memcmp(v, v2, k * sizeof(double)) == 0 &&
          (!rc->bias || memcmp(b, b2, k * sizeof(double)) == 0) &&
          memcmp(&res.clarke, &res2.clarke, sizeof res.clarke) == 0 &&
          res.pattern_changes == res2.pattern_changes,
          "seed %llu: two polish runs differ", (unsigned long long)seed);
out:
    nrc_free(X); nrc_free(y); nrc_free(W); nrc_free(v); nrc_free(b);
    nrc_free(W2); nrc_free(v2); nrc_free(b2);
}

static void polish_random_in_regime(void)
{
    /* sphere data, d >> n^2 log n: eps_data well below 0.1 */
    static const rcase cs[] = {
        {6, 4000, 8, NRC_DATA_SPHERE, 0, 0, 400},
        {6, 4000, 8, NRC_DATA_SPHERE, 1, 0, 400},
        {6, 4000, 8, NRC_DATA_SPHERE, 0, 1, 400},
        {8, 6000, 12, NRC_DATA_SPHERE, 1, 1, 400},
    };
    long reps = tl_mult();
    for (long r = 0; r < reps; r++)
        for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++)
            random_case(&cs[c], tl_seed() + 7 * (uint64_t)r + c);
}

static void polish_random_out_of_regime(void)
{
    static const rcase cs[] = {
        {20, 400, 20, NRC_DATA_SPHERE, 0, 0, 300},
        {16, 60, 16, NRC_DATA_GAUSSIAN, 0, 0, 500},
        {12, 60, 10, NRC_DATA_GAUSSIAN, 1, 0, 600},
        {10, 200, 10, NRC_DATA_SPHERE, 1, 1, 500},
    };
    long reps = tl_mult();
    for (long r = 0; r < reps; r++)
        for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++)
            random_case(&cs[c], tl_seed() + 13 * (uint64_t)r + c);
}

/* A network that does not fit the data is left alone, with a reason. */
static void polish_skips_unfitted(void)
{
    double X[ON * OD], y[ON], W[ON * OD], v[ON], W0[ON * OD];
    nrc_polish_opts o;
    nrc_polish_result res;
    nrc_error err;
    ortho_setup(0, 0, 3.0, X, y, W, v);
    v[2] = -v[2];   /* point 2 now has a negative margin */
    memcpy(W0, W, sizeof W);
    nrc_polish_opts_default(&o);
    REQUIRE(nrc_polish_run_d(&o, ON, OD, ON, X, y, W, NULL, v, &res, &err) == NRC_OK,
            "polish: %s", err.msg);
    CHECK(res.outcome == NRC_POLISH_SKIPPED && !res.adopted && res.reason[0],
          "outcome %s", nrc_polish_outcome_name(res.outcome));
    CHECK(memcmp(W, W0, sizeof W) == 0, "weights changed");
}

/* Every allocation fails cleanly: NRC_ERR_SYSTEM and the weights untouched. */
static void polish_allocation_failures(void)
{
    double X[ON * OD], y[ON], W[ON * OD], v[ON], W0[ON * OD], v0[ON];
    nrc_polish_opts o;
    nrc_polish_result res;
    nrc_error err;
    unsigned long before, total;
    ortho_setup(0, 1, 3.0, X, y, W, v);
    memcpy(W0, W, sizeof W);
    memcpy(v0, v, sizeof v);
    nrc_polish_opts_default(&o);
    before = nrc_alloc_count();
    REQUIRE(nrc_polish_run_d(&o, ON, OD, ON, X, y, W, NULL, v, &res, &err) == NRC_OK,
            "polish: %s", err.msg);
    total = nrc_alloc_count() - before;
    for (unsigned long f = 1; f <= total; f++) {
        nrc_status st;
        memcpy(W, W0, sizeof W);
        memcpy(v, v0, sizeof v);
        nrc_alloc_fail_at(nrc_alloc_count() + f);
        st = nrc_polish_run_d(&o, ON, OD, ON, X, y, W, NULL, v, &res, &err);
        nrc_alloc_fail_at(0);
        CHECK(st == NRC_ERR_SYSTEM || st == NRC_OK, "allocation %lu: status %d", f, (int)st);
        if (st == NRC_ERR_SYSTEM)
            CHECK(memcmp(W, W0, sizeof W) == 0 && memcmp(v, v0, sizeof v) == 0 &&
                  strstr(err.msg, "memory"),
                  "allocation %lu failed: weights changed or message '%s'", f, err.msg);
        if (tl_case_failed)
            return;
    }
}

/* ---- budget, caps, time budget, caller stop ---- */

typedef struct {
    int calls, stop_after;
    uint64_t last_steps;
    int monotone, stages_ok;
} prog_log;

static int prog_cb(const nrc_polish_progress *p, void *vctx)
{
    prog_log *l = vctx;
    l->calls++;
    if (p->newton_steps < l->last_steps)
        l->monotone = 0;
    l->last_steps = p->newton_steps;
    if (strcmp(p->stage, "relaxed") != 0 && strcmp(p->stage, "newton") != 0)
        l->stages_ok = 0;
    return l->stop_after > 0 && l->calls >= l->stop_after;
}

/* Runs the polish on a fitted out-of-regime problem with the options set
 * by `how`; checks the outcome and that two runs agree byte for byte. */
static void budget_case(int how, const char *want_stop)
{
    static const rcase rc = {20, 400, 20, NRC_DATA_SPHERE, 0, 0, 300};
    size_t n = rc.n, d = rc.d, k = rc.k;
    double X[20 * 400], y[20], W[20 * 400], v[20], W0[20 * 400], v0[20], W2[20 * 400], v2[20];
    uint64_t seed = tl_seed() + 5;
    nrc_polish_opts o;
    nrc_polish_result res, res2;
    nrc_error err;
    prog_log lg = {0, 0, 0, 1, 1};
    if (!train_case(&rc, &seed, X, y, W, NULL, v))
        return;
    memcpy(W0, W, sizeof W);
    memcpy(v0, v, sizeof v);
    nrc_polish_opts_default(&o);
    o.progress = prog_cb;
    o.progress_ctx = &lg;
    if (how == 0)
        o.work_max = 2e4;         /* far below what this problem needs */
    else if (how == 1)
        o.max_newton = 2;
    else if (how == 2)
        o.time_max = 1e-9;        /* cuts in at the first check */
    else if (how == 4)
        o.cpu_max = 1e-9;
    else
        lg.stop_after = 3;        /* the caller asks to stop */
    REQUIRE(nrc_polish_run_d(&o, n, d, k, X, y, W, NULL, v, &res, &err) == NRC_OK, "polish: %s",
            err.msg);
    CHECK(res.outcome == NRC_POLISH_NOT_CONVERGED && strcmp(res.stopped_by, want_stop) == 0,
          "how %d: outcome %s, stopped by '%s' (%s)", how, nrc_polish_outcome_name(res.outcome),
          res.stopped_by, res.reason);
    CHECK(strstr(res.reason, "stopped by") != NULL, "how %d: reason '%s'", how, res.reason);
    if (how == 0)
        CHECK(res.work > o.work_max && res.work_max == o.work_max,
              "work %g, budget %g recorded %g", res.work, o.work_max, res.work_max);
    if (how == 1)
        CHECK(res.newton_steps == 2, "%" PRIu64 " Newton steps under a cap of 2",
              res.newton_steps);
    CHECK((how == 0 || lg.calls > 0) && lg.monotone && lg.stages_ok,
          "progress: %d calls, monotone %d, stages %d", lg.calls, lg.monotone, lg.stages_ok);
    /* written only when certify would read it as better; else untouched */
    if (res.adopted)
        CHECK(res.after.eps_rel < res.before.eps_rel && res.after.q_min > 0,
              "adopted a worse network: %g vs %g", res.after.eps_rel, res.before.eps_rel);
    else
        CHECK(memcmp(W, W0, sizeof W) == 0 && memcmp(v, v0, sizeof v) == 0,
              "not adopted but the weights changed");
    if (how >= 2)
        return;   /* timing / caller dependent by design */
    /* the work budget and the caps are deterministic */
    memcpy(W2, W0, sizeof W);
    memcpy(v2, v0, sizeof v);
    lg.calls = 0;
    REQUIRE(nrc_polish_run_d(&o, n, d, k, X, y, W2, NULL, v2, &res2, &err) == NRC_OK,
            "polish: %s", err.msg);
    CHECK(memcmp(W, W2, sizeof W) == 0 && memcmp(v, v2, sizeof v) == 0 &&
          res.work == res2.work && res.newton_steps == res2.newton_steps &&
          memcmp(&res.after, &res2.after, sizeof res.after) == 0,
          "how %d: two runs under the same budget differ", how);
}

static void polish_work_budget_stops(void) { budget_case(0, "work-budget"); }
static void polish_newton_cap_stops(void) { budget_case(1, "newton-cap"); }
static void polish_time_budget_stops(void) { budget_case(2, "clock-budget"); }
static void polish_caller_stops(void) { budget_case(3, "interrupted"); }
static void polish_cpu_budget_stops(void) { budget_case(4, "cpu-budget"); }

int main(void)
{
    RUN(polish_qp_random);
    RUN(polish_face_updates);
    RUN(polish_inner_qp);
    RUN(polish_orthogonal_full);
    RUN(polish_orthogonal_full_wrong_pattern);
    RUN(polish_orthogonal_fixed_v);
    RUN(polish_orthogonal_fixed_v_wrong_pattern);
    RUN(polish_skips_unfitted);
    RUN(polish_random_in_regime);
    RUN(polish_random_out_of_regime);
    RUN(polish_allocation_failures);
    RUN(polish_work_budget_stops);
    RUN(polish_newton_cap_stops);
    RUN(polish_time_budget_stops);
    RUN(polish_caller_stops);
    RUN(polish_cpu_budget_stops);
    return tl_exit();
}
