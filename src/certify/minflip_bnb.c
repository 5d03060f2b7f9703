/* Branch and bound over neuron states for the minimal-flip lower bound
 * (spec/MINFLIP.md 5.3): untrusted binary64 search. It produces the split
 * tree and each leaf's beta; minflip_rigor.c decides them.
 *
 * Only neurons with c_j < 0 whose interval crosses 0 are split: for
 * c_j > 0 the optimized slopes are already exact (the convex envelope of
 * c_j relu is itself), and a neuron whose interval does not cross 0 is
 * affine on the ball. Nodes are leaves of the current tree; the open leaf
 * with the smallest certified radius is split next. Every solved node also
 * gives an upper-bound candidate: the first crossing along its worst-case
 * direction delta = -t W^T beta. */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_minflip.h"

typedef struct {
    size_t parent, child[2];   /* child[0]: s_j = +1, child[1]: s_j = -1 */
    int32_t split;             /* neuron split at this node, -1 for a leaf */
    int open;                  /* a leaf that may still be split */
    double radius;             /* certified radius (approximate) */
} node_t;

typedef struct {
    const nrc_mf_problem *P;
    const nrc_mf_bnb_options *o;
    node_t *nodes;
    signed char *S;            /* (cap, k) split signs */
    double *B;                 /* (cap, k) beta */
    size_t n, cap;
    double *work, *ybest, *ycand;   /* 7 k, k, k */
    nrc_mf_proj Q;             /* the leaves' projections (k <= 128) */
    int use_qp;
    size_t *idx;               /* k */
    double U;                  /* best distance found */
    nrc_mf_bnb_result *r;
} bnb_t;

void nrc_mf_bnb_options_default(nrc_mf_bnb_options *o, size_t k)
{
    o->max_nodes = k <= 32 ? 32768 : k <= 128 ? 2048 : 64;
    o->tol = 0.005;
    o->walk = 1;
}

void nrc_mf_bnb_result_init(nrc_mf_bnb_result *r)
{
    memset(r, 0, sizeof *r);
    r->U = INFINITY;
}

void nrc_mf_bnb_result_clear(nrc_mf_bnb_result *r)
{
    nrc_free(r->tree);
    nrc_free(r->beta);
    nrc_free(r->y);
    nrc_mf_bnb_result_init(r);
}

/* Keep y (distance d) when it beats the best and f(a + G y) <= 0 in
 * binary64 (up to rounding): a search can return nonsense, the rigorous
 * decision comes later but a wrong "best" would hide good candidates. */
static void offer(bnb_t *b, const double *y, double d)
{
    const size_t k = b->P->k;
    double *e = b->work + 5 * k, f, fs = 0;
    size_t j;
    if (!(d < b->U) || !(d > 0))
        return;
    f = nrc_mf_eval_approx(b->P, y, e);
    for (j = 0; j < k; j++)
        fs += fabs(b->P->c[j]) * (fabs(b->P->a[j]) + fabs(e[j]));
    if (!(f <= 1e-9 * fs))
        return;
    {
        b->U = d;
        memcpy(b->ybest, y, b->P->k * sizeof(double));
    }
}

/* The region walk from the activation pattern at y, neurons within rel of
 * 0 put on the side where f is no larger (off for c_j > 0, on for
 * c_j < 0): a point on region boundaries (a leaf's primal point) starts
 * in the region that can contain the nearby zero of f. */
static void walk_from(bnb_t *b, const double *y, nrc_error *err, nrc_status *st)
{
    const size_t k = b->P->k;
    signed char *sg = (signed char *)b->idx;   /* k bytes fit in k size_t */
    double *e = b->work, *yw = b->work + k, w, dist = 0;
    size_t j;
    nrc_mf_eval_approx(b->P, y, e);
    for (j = 0; j < k; j++)
        dist += y[j] * e[j];
    dist = sqrt(dist > 0 ? dist : 0);
    for (j = 0; j < k; j++) {
        double t = b->P->a[j] + e[j], tol = 1e-9 * (fabs(b->P->a[j]) + b->P->u[j] * dist);
        if (fabs(t) <= tol)
            sg[j] = b->P->c[j] > 0 ? -1 : 1;
        else
            sg[j] = t > 0 ? 1 : -1;
    }
    w = nrc_mf_walk_approx(b->P, sg, 0, yw, err, st);
    if (!*st && isfinite(w))
        offer(b, yw, sqrt(w));
}

/* Upper-bound candidates from node t: the first crossing along its
 * worst-case direction -W^T beta (a ray search), and, through the region
 * walk, the regions at that crossing and at the node's primal point
 * y* = -R beta / ||g|| (at the fixed point, the projection of x onto the
 * leaf's relaxed set). */
static void try_direction(bnb_t *b, size_t t, nrc_error *err, nrc_status *st)
{
    const size_t k = b->P->k;
    const double *beta = b->B + t * k;
    double tt, gn2 = 0, R = b->nodes[t].radius;
    int walk = b->o->walk && (k <= 64 || t == 0);
    size_t j;
    for (j = 0; j < k; j++)
        b->ycand[j] = -beta[j];
    tt = nrc_mf_ray_approx(b->P, b->ycand, b->work);
    if (isfinite(tt)) {
        double d2 = 0;
        for (j = 0; j < k; j++)
            b->ycand[j] *= tt;
        nrc_mf_eval_approx(b->P, b->ycand, b->work);
        for (j = 0; j < k; j++)
            d2 += b->ycand[j] * b->work[j];
        offer(b, b->ycand, sqrt(d2 > 0 ? d2 : 0));
        if (walk) {
            walk_from(b, b->ycand, err, st);
            if (*st)
                return;
        }
    }
    if (!walk || !(R > 0) || !isfinite(R) || !(R < b->U))
        return;
    nrc_mf_eval_approx(b->P, beta, b->work);
    for (j = 0; j < k; j++)
        gn2 += beta[j] * b->work[j];
    if (!(gn2 > 0))
        return;
    for (j = 0; j < k; j++)
        b->ycand[j] = -R * beta[j] / sqrt(gn2);
    walk_from(b, b->ycand, err, st);
}

/* The neuron to split at node t: among the unsplit neurons with c_j < 0
 * whose interval at radius R crosses 0, the one whose minorant is
 * loosest at the node's worst-case point x* = x - R g / ||g|| (the primal
 * point of the leaf's dual, a_j(x*) = a_j - R (G beta)_j / ||g||): its
 * slack c_j relu(t*) - beta_j t* - rho_j is exactly what splitting it
 * removes there (the score of BaBSR, Bunel et al., JMLR 2020, measured at
 * the primal point). Ties and a zero slack everywhere fall back to the
 * widest chord gap |c_j| hi (-lo) / (hi - lo). -1 if no neuron qualifies. */
static int32_t choose_split(const bnb_t *b, size_t t, double R)
{
    const size_t k = b->P->k;
    const signed char *s = b->S + t * k;
    const double *beta = b->B + t * k;
    double *q = b->work, gg = 0, best = 0, bestgap = 0;
    int32_t jb = -1, jgap = -1;
    size_t j, l;
    for (j = 0; j < k; j++) {
        double acc = 0;
        for (l = 0; l < k; l++)
            acc += b->P->G[j * k + l] * beta[l];
        q[j] = acc;
        gg += beta[j] * acc;
    }
    gg = gg > 0 ? sqrt(gg) : 0;
    for (j = 0; j < k; j++) {
        double pts[3], lo, hi, gap, ts, slack, rho;
        int i, np;
        if (s[j] != 0 || !(b->P->c[j] < 0))
            continue;
        np = nrc_mf_points_approx(b->P->a[j], b->P->u[j], R, 0, pts);
        if (np < 3)
            continue;
        lo = pts[0];
        hi = pts[1];
        gap = -b->P->c[j] * hi * (-lo) / (hi - lo);
        if (gap > bestgap) {
            bestgap = gap;
            jgap = (int32_t)j;
        }
        if (!(gg > 0))
            continue;
        ts = b->P->a[j] - R * q[j] / gg;
        if (ts < lo)
            ts = lo;
        if (ts > hi)
            ts = hi;
        rho = INFINITY;
        for (i = 0; i < np; i++) {
            double r = b->P->c[j] * (pts[i] > 0 ? pts[i] : 0) - beta[j] * pts[i];
            if (r < rho)
                rho = r;
        }
        slack = b->P->c[j] * (ts > 0 ? ts : 0) - beta[j] * ts - rho;
        if (slack > best) {
            best = slack;
            jb = (int32_t)j;
        }
    }
    return jb >= 0 ? jb : jgap;
}

static double rmax(const bnb_t *b, double R0)
{
    return isfinite(b->U) ? b->U : 1048576.0 * R0;
}

/* Solve node t (its S and B set) from radius R0. */
static void solve(bnb_t *b, size_t t, double R0)
{
    const size_t k = b->P->k;
    b->nodes[t].radius = nrc_mf_leaf_radius_approx(b->P, b->S + t * k, R0, rmax(b, R0),
                                                   b->B + t * k, b->use_qp ? &b->Q : NULL,
                                                   b->work);
    b->r->nodes++;
}

static int grow(bnb_t *b, size_t need)
{
    const size_t k = b->P->k;
    size_t cap = b->cap;
    node_t *nn;
    signed char *ns;
    double *nb;
    if (b->n + need <= cap)
        return 1;
    cap = cap ? 2 * cap : 64;
    nn = nrc_realloc(b->nodes, cap * sizeof(node_t));
    if (!nn)
        return 0;
    b->nodes = nn;
    ns = nrc_realloc(b->S, cap * k);
    if (!ns)
        return 0;
    b->S = ns;
    nb = nrc_realloc(b->B, cap * k * sizeof(double));
    if (!nb)
        return 0;
    b->B = nb;
    b->cap = cap;
    return 1;
}

/* The preorder token list and the leaves' beta rows (iterative DFS). */
static int emit(bnb_t *b)
{
    const size_t k = b->P->k;
    size_t *stack = nrc_malloc_array(b->n + 1, sizeof(size_t)), sp = 0, nl = 0, i;
    nrc_mf_bnb_result *r = b->r;
    for (i = 0; i < b->n; i++)
        if (b->nodes[i].split < 0)
            nl++;
    r->tree = nrc_malloc_array(b->n, sizeof(int32_t));
    r->beta = nrc_malloc_array(nl * k, sizeof(double));
    if (!stack || !r->tree || !r->beta) {
        nrc_free(stack);
        return 0;
    }
    r->ntok = 0;
    r->nleaves = 0;
    r->D = INFINITY;
    stack[sp++] = 0;
    while (sp > 0) {
        size_t t = stack[--sp];
        const node_t *nd = &b->nodes[t];
        if (nd->split >= 0) {
            r->tree[r->ntok++] = nd->split;
            stack[sp++] = nd->child[1];
            stack[sp++] = nd->child[0];
        } else {
            r->tree[r->ntok++] = -1;
            memcpy(r->beta + r->nleaves * k, b->B + t * k, k * sizeof(double));
            r->nleaves++;
            if (nd->radius < r->D)
                r->D = nd->radius;
        }
    }
    nrc_free(stack);
    return 1;
}

/* The search's own buffers (not the result). */
static void bnb_free(bnb_t *b)
{
    nrc_free(b->nodes);
    nrc_free(b->S);
    nrc_free(b->B);
    nrc_free(b->work);
    nrc_free(b->idx);
    nrc_mf_proj_clear(&b->Q);
}

nrc_status nrc_mf_bnb_approx(const nrc_mf_problem *P, const nrc_mf_bnb_options *o,
                             const double *y0, double U0, nrc_mf_bnb_result *r,
                             nrc_error *err)
{
    const size_t k = P->k;
    bnb_t b;
    nrc_status st = NRC_OK;
    double R0, lip = 0, f0 = 0;
    size_t j;
    memset(&b, 0, sizeof b);
    b.P = P;
    b.o = o;
    b.r = r;
    b.U = U0;
    nrc_mf_bnb_result_clear(r);
    b.work = nrc_malloc_array(8 * k, sizeof(double));
    b.idx = nrc_malloc_array(k, sizeof(size_t));
    r->y = nrc_calloc(k, sizeof(double));
    b.ybest = r->y;
    b.ycand = b.work + 7 * k;
    if (!b.work || !b.idx || !r->y || !grow(&b, 1))
        goto oom;
    /* the projection's active sets grow like k^3: up to k = 128 */
    b.use_qp = k <= 128;
    if (b.use_qp && (st = nrc_mf_proj_init(&b.Q, P, 3 * k + 32, err)))
        goto fail;
    if (y0 && isfinite(U0))
        memcpy(b.ybest, y0, k * sizeof(double));
    /* root: from the Lipschitz radius f(x) / sum |c_j| u_j */
    for (j = 0; j < k; j++) {
        lip += fabs(P->c[j]) * P->u[j];
        if (P->a[j] > 0)
            f0 += P->c[j] * P->a[j];
    }
    R0 = lip > 0 && f0 > 0 ? f0 / lip : 1;
    if (isfinite(b.U) && R0 > b.U)
        R0 = b.U;
    b.n = 1;
    b.nodes[0].parent = 0;
    b.nodes[0].split = -1;
    b.nodes[0].open = 1;
    memset(b.S, 0, k);
    nrc_mf_leaf_init_approx(P, b.S, R0, b.B);
    solve(&b, 0, R0);
    try_direction(&b, 0, err, &st);
    if (st)
        goto fail;
    for (;;) {
        size_t t = b.n, i, c;
        double lowest = INFINITY, R;
        int32_t jsplit;
        for (i = 0; i < b.n; i++)
            if (b.nodes[i].split < 0 && b.nodes[i].radius < lowest) {
                lowest = b.nodes[i].radius;
                t = b.nodes[i].open ? i : b.n;
            }
        if (b.U <= (1 + o->tol) * lowest) {
            r->complete = 1;
            break;
        }
        if (t == b.n) {                 /* the lowest leaf is exact */
            r->complete = 1;
            break;
        }
        if (r->nodes + 2 > o->max_nodes)
            break;
        R = b.nodes[t].radius > 0 ? b.nodes[t].radius : R0;
        jsplit = choose_split(&b, t, isfinite(b.U) && b.U < 2 * R ? b.U : R);
        if (jsplit < 0) {
            b.nodes[t].open = 0;
            continue;
        }
        if (!grow(&b, 2))
            goto oom;
        b.nodes[t].split = jsplit;
        b.nodes[t].open = 0;
        for (c = 0; c < 2; c++) {
            size_t ch = b.n++;
            b.nodes[t].child[c] = ch;
            b.nodes[ch].parent = t;
            b.nodes[ch].split = -1;
            b.nodes[ch].open = 1;
            memcpy(b.S + ch * k, b.S + t * k, k);
            b.S[ch * k + (size_t)jsplit] = c == 0 ? 1 : -1;
            memcpy(b.B + ch * k, b.B + t * k, k * sizeof(double));
            solve(&b, ch, R);
            try_direction(&b, ch, err, &st);
            if (st)
                goto fail;
        }
    }
    if (!emit(&b))
        goto oom;
    r->U = b.U;
    bnb_free(&b);
    return NRC_OK;
oom:
    st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (branch and bound, k = %zu)", k);
fail:
    bnb_free(&b);
    nrc_mf_bnb_result_clear(r);
    return st;
}
