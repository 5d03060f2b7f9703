/* The flip claims (spec/CERTIFICATE.md "flips", MATH.md section 6;
 * spec/CHECK.md step 5): for every entry with status "certified", in order,
 * p N(x) > 0, s >= 0 and p N(x - p s z) < 0, U >= 0 and s^2 <z, z> <= U^2,
 * x_norm_lower >= 0 and x_norm_lower^2 <= <x, x>, and, when dist_lower is
 * present, D >= 0 and D L <= p N(x). Pure dyadic arithmetic: the
 * pre-activations a_j(x) and <x, x> of every point a certified flip names
 * are in the workspace (nrc_check_net, nrc_check_data_q), and
 * a_j(x - p s z) = a_j(x) - p s <w_j, z>. */
#include <stdio.h>
#include "nrc_check_claims.h"
#include "nrc_check_quant.h"

/* The claims of certified flip f (number r, point i), given its
 * pre-activations a (k) and <x, x> in *xx, in order; the first false one is
 * recorded (rep->valid becomes 0). w.ap: scratch. */
/*@ requires 1 <= N.k <= NRC_MODEL_DIM_MAX;
    requires \valid_read(a + (0 .. N.k - 1)) && \valid_read(xx);
    requires \valid(w.ap + (0 .. N.k - 1)) && \valid_read(w.wz + (0 .. N.k - 1));
    requires \valid_read(w.zz) && \valid_read(N.v + (0 .. N.k - 1));
    requires \valid(rep) && (err == \null || \valid(err));
    assigns w.ap[0 .. N.k - 1], rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static void flip_claims(nrc_cflip f, size_t r, size_t i, const nrc_cdy *a, const nrc_cdy *xx,
                        nrc_cnet N, nrc_check_ws w, double L, nrc_check_report *rep,
                        nrc_error *err)
{
    const size_t k = N.k;
    const double *const v = N.v;
    const nrc_cdy *const wz = w.wz;
    nrc_cdy *const ap = w.ap;
    const char *const kind = f.test ? "test" : "train";
    nrc_cdy Nx, Np, t, ps;
    size_t j;
    char name[96], s1[320];
    nrc_cdy_init(&Nx);
    nrc_cdy_init(&Np);
    nrc_cdy_init(&t);
    nrc_cdy_init(&ps);
    /* p N(x) > 0 */
    nrc_check_eval_net(&Nx, a, v, k, &t);
    if (f.sign < 0)
        nrc_cdy_neg(&Nx, &Nx);
    if (nrc_cdy_sgn(&Nx) <= 0) {
        nrc_check_show(&Nx, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].sign", r);
        nrc_check_fail(rep, err, name, "(%s %zu) p N(x) = %s <= 0", kind, i, s1);
        goto done;
    }
    /* s >= 0 and p N(x - p s z) < 0, with a_j(x - p s z) = a_j(x) - p s <w_j, z> */
    if (!(f.s >= 0.0)) {
        snprintf(name, sizeof name, "flips[%zu].scale", r);
        nrc_check_fail(rep, err, name, "(%s %zu) s < 0", kind, i);
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
    nrc_check_eval_net(&Np, ap, v, k, &t);
    if (f.sign < 0)
        nrc_cdy_neg(&Np, &Np);
    if (nrc_cdy_sgn(&Np) >= 0) {
        nrc_check_show(&Np, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].scale", r);
        nrc_check_fail(rep, err, name, "(%s %zu) p N(x - p s z) = %s >= 0", kind, i, s1);
        goto done;
    }
    /* U >= 0 and s^2 <z, z> <= U^2 */
    nrc_cdy_set_d(&t, f.s);
    nrc_cdy_mul(&t, &t, &t);
    nrc_cdy_mul(&t, &t, w.zz);
    nrc_cdy_set_d(&ps, f.U);
    nrc_cdy_mul(&ps, &ps, &ps);
    if (!(f.U >= 0.0) || nrc_cdy_cmp(&t, &ps) > 0) {
        nrc_check_show(&t, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].delta_norm_upper", r);
        nrc_check_fail(rep, err, name, "(%s %zu) U < 0 or s^2 <z, z> = %s > U^2", kind, i, s1);
        goto done;
    }
    /* x_norm_lower >= 0 and x_norm_lower^2 <= <x, x> */
    nrc_cdy_set_d(&t, f.x_norm_lower);
    nrc_cdy_mul(&t, &t, &t);
    if (!(f.x_norm_lower >= 0.0) || nrc_cdy_cmp(&t, xx) > 0) {
        nrc_check_show(xx, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].x_norm_lower", r);
        nrc_check_fail(rep, err, name, "(%s %zu) negative, or its square exceeds <x, x> = %s",
                       kind, i, s1);
        goto done;
    }
    /* D >= 0 and D L <= p N(x) (only when dist_lower is present; the
     * parser refuses it without lipschitz) */
    nrc_cdy_set_d(&t, f.D);
    nrc_cdy_mul_d(&t, &t, L);
    if (f.has_D && (!(f.D >= 0.0) || nrc_cdy_cmp(&t, &Nx) > 0)) {
        nrc_check_show(&Nx, s1, sizeof s1);
        snprintf(name, sizeof name, "flips[%zu].dist_lower", r);
        nrc_check_fail(rep, err, name, "(%s %zu) negative, or D L exceeds p N(x) = %s", kind,
                       i, s1);
        goto done;
    }
done:
    nrc_cdy_clear(&Nx);
    nrc_cdy_clear(&Np);
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&ps);
}

nrc_status nrc_check_flips(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                           nrc_check_report *rep, nrc_error *err)
{
    const nrc_cflip *const flips = V.flips;
    const size_t n_flips = V.n_flips, k = N.k;
    const double L = C->L_upper;
    size_t r, ntrain = 0, ntest = 0, nother = 0;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= r <= n_flips;
        loop invariant ntrain + ntest + nother <= r;
        loop invariant st == NRC_OK;
        loop assigns r, st, ntrain, ntest, nother, w.ap[0 .. k - 1], rep->valid,
                     rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n_flips - r;
    */
    for (r = 0; r < n_flips && rep->valid; r++) {
        const nrc_cflip f = flips[r];
        const size_t i = (size_t)f.index;
        if (f.status != NRC_CFLIP_CERTIFIED) {
            nother++;
            continue;
        }
        /* the parser's order puts every index in range; tested, not assumed */
        if (f.test ? i >= N.m : i >= N.n) {
            st = nrc_error_set(err, NRC_ERR_INTERNAL, "flips[%zu].index %zu out of range", r, i);
            break;
        }
        //@ ghost nrc_check_dims_product(N.m, k);
        //@ ghost nrc_check_row_end(i, f.test ? N.m : N.n, k);
        if (f.test)
            flip_claims(f, r, i, w.At + i * k, &w.xxt[i], N, w, L, rep, err);
        else
            flip_claims(f, r, i, w.A + i * k, &w.xx[i], N, w, L, rep, err);
        if (!rep->valid)
            break;
        if (f.test)
            ntest++;
        else
            ntrain++;
    }
    rep->flips_train = ntrain;
    rep->flips_test = ntest;
    rep->flips_other = nother;
    return st;
}
