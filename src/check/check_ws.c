/* The checker's workspace (include/check/nrc_check_ws.h): every buffer the
 * steps write, allocated once, before any step, from one size table. One
 * block per element type (exact vectors, the direction z, dyadics, the KKT
 * coefficients, support and kink mask, the accumulators); the parts of a
 * block follow each other in the order of the table (nrc_ws_layout in
 * spec/acsl/nrc_check_ws_acsl.h). A single byte arena carved into typed
 * parts would need pointer casts between element types, which WP's typed
 * memory model does not follow (proofs/README.md).
 *
 * TRUST BASE: the typed block allocators below (nrc_malloc_array plus the
 * init of every entry; their bodies convert nrc_malloc's void *), with the
 * contracts in spec/acsl/nrc_trust_check.h. */
#include "nrc_alloc.h"
#include "nrc_check_ws.h"

#ifndef __FRAMAC__
static nrc_cfix *cfix_block(size_t count)
{
    nrc_cfix *a = nrc_malloc_array(count, sizeof *a);
    size_t t;
    if (a)
        for (t = 0; t < count; t++)
            nrc_cfix_init(&a[t]);
    return a;
}

static void cfix_block_free(nrc_cfix *a, size_t count)
{
    size_t t;
    if (!a)
        return;
    for (t = 0; t < count; t++)
        nrc_cfix_clear(&a[t]);
    nrc_free(a);
}

static nrc_cdy *cdy_block(size_t count)
{
    nrc_cdy *a = nrc_malloc_array(count, sizeof *a);
    size_t t;
    if (a)
        for (t = 0; t < count; t++)
            nrc_cdy_init(&a[t]);
    return a;
}

static void cdy_block_free(nrc_cdy *a, size_t count)
{
    size_t t;
    if (!a)
        return;
    for (t = 0; t < count; t++)
        nrc_cdy_clear(&a[t]);
    nrc_free(a);
}

/* the blocks without entries to initialize or clear */
#define double_block(count) nrc_malloc_array((count), sizeof(double))
#define size_block(count) nrc_malloc_array((count), sizeof(size_t))
#define byte_block(count) nrc_calloc((count), 1)
#define u64_block(count) nrc_malloc_array((count), sizeof(uint64_t))
#define double_block_free nrc_free
#define size_block_free nrc_free
#define byte_block_free nrc_free
#define u64_block_free nrc_free
#endif

/* A lemma function (ghost): the counts of the size table fit size_t for
 * the reader's sizes. */
/*@ ghost
  /@ requires nrc_check_sizes(n, d, k) && m <= NRC_MODEL_DIM_MAX;
     assigns \nothing;
     ensures n + k + d <= SIZE_MAX && nrc_ws_ndy(n, d, k, m) <= SIZE_MAX;
     ensures (n + m) * k + 2 * n + m + 3 * k + d + 9 == nrc_ws_ndy(n, d, k, m);
     ensures n * k <= (n + m) * k && m * k <= (n + m) * k;
     ensures (n + m) * k + n + m + k + 3 <= nrc_ws_ndy(n, d, k, m);
  @/
  static void ws_counts(size_t n, size_t d, size_t k, size_t m)
  {
      //@ assert (n + m) * k <= 9223372036854775808;  // 2^32 2^31
  }
*/

/* Release every block of w that is not NULL (counts as in the size table). */
/*@ requires nrc_check_sizes(n, d, k) && m <= NRC_MODEL_DIM_MAX;
    requires w.Xr == \null || \valid(w.Xr + (0 .. nrc_ws_nfix(n, d, k) - 1));
    requires w.z == \null || \valid(w.z);
    requires w.A == \null || \valid(w.A + (0 .. nrc_ws_ndy(n, d, k, m) - 1));
    requires w.coef == \null || \valid(w.coef + (0 .. n - 1));
    requires w.support == \null || \valid(w.support + (0 .. n - 1));
    requires w.is_kink == \null || \valid(w.is_kink + (0 .. n * k - 1));
    requires w.sp == \null || \valid(w.sp + (0 .. 2 * NRC_CHECK_ACC_LIMBS - 1));
    assigns \nothing;
*/
static void ws_release(nrc_check_ws w, size_t n, size_t d, size_t k, size_t m)
{
    //@ ghost ws_counts(n, d, k, m);
    cfix_block_free(w.Xr, n + k + d);
    cfix_block_free(w.z, 1);
    cdy_block_free(w.A, (n + m) * k + 2 * n + m + 3 * k + d + 9);
    double_block_free(w.coef);
    size_block_free(w.support);
    byte_block_free(w.is_kink);
    u64_block_free(w.sp);
}

void nrc_check_ws_free(nrc_check_ws w, size_t n, size_t d, size_t k, size_t m)
{
    ws_release(w, n, d, k, m);
}

nrc_status nrc_check_ws_alloc(nrc_check_ws *w, size_t n, size_t d, size_t k, size_t m,
                              nrc_error *err) /*@ ghost (nrc_check_report *rep) */
{
    nrc_check_ws b = {0};   /* the blocks, then the parts (a value until stored) */
    //@ ghost ws_counts(n, d, k, m);
    /* every size first, while the only hypotheses are the sizes (after the
     * allocators' contracts the provers lose these linear facts) */
    const size_t nfix = n + k + d, nk = n * k, mk = m * k;
    const size_t ndy = (n + m) * k + 2 * n + m + 3 * k + d + 9;
    const size_t nnet = (n + m) * k + n + m + k + 3, ndata = n + k + 5;
    /*@ assert sizes: nfix == nrc_ws_nfix(n, d, k) && nk == n * k && mk == m * k &&
                      ndy == nrc_ws_ndy(n, d, k, m) && nnet == nrc_ws_nnet(n, k, m) &&
                      ndata == nrc_ws_ndata(n, k); */
    /* One block per element type, each apart from the blocks before it
     * (ghost: b so far), the report and the error record. */
    b.Xr = cfix_block(nfix) /*@ ghost (b, rep, err) */;
    b.z = cfix_block(1) /*@ ghost (b, rep, err) */;
    b.A = cdy_block(ndy) /*@ ghost (b, rep, err) */;
    b.coef = double_block(n) /*@ ghost (b, rep, err) */;
    b.support = size_block(n) /*@ ghost (b, rep, err) */;
    b.is_kink = byte_block(nk) /*@ ghost (b, rep, err) */;
    b.sp = u64_block(2 * NRC_CHECK_ACC_LIMBS) /*@ ghost (b, rep, err) */;
    if (!b.Xr || !b.z || !b.A || !b.coef || !b.support || !b.is_kink || !b.sp) {
        ws_release(b, n, d, k, m);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    }
    /* The parts of each block, in the order of the size table (a part and
     * its length per line; nrc_ws_layout). */
    b.Wr = b.Xr + n;           /* Xr (n) | Wr (k) | Xc (d) */
    b.Xc = b.Wr + k;
    b.At = b.A + nk;           /* nrc_check_net: A (n k) | At (m k) | q (n) | xxt (m) | */
    b.q = b.At + mk;           /* ww (k) | qmin | T_full | T_wb */
    b.xxt = b.q + n;
    b.ww = b.xxt + m;
    b.qmin = b.ww + k;
    b.T_full = b.qmin + 1;
    b.T_wb = b.T_full + 1;
    b.xx = b.A + nnet;         /* nrc_check_data_q: xx (n) | wz (k) | */
    b.wz = b.xx + n;           /* rho | Rmin | Rmax | zz | gz */
    b.rho = b.wz + k;
    b.Rmin = b.rho + 1;
    b.Rmax = b.Rmin + 1;
    b.zz = b.Rmax + 1;
    b.gz = b.zz + 1;
    b.ap = b.xx + ndata;       /* nrc_check_flips: ap (k) */
    b.S = b.ap + k;            /* nrc_check_kkt: S (d) | res */
    b.res = b.S + d;
    b.sn = b.sp + NRC_CHECK_ACC_LIMBS;
    //@ assert layout: nrc_ws_layout(b, n, d, k, m);
    //@ assert blocks: nrc_ws_blocks_ok(b, n, d, k, m, rep, err);
    //@ assert ok: nrc_ws_ok(b, n, d, k, m);
    *w = b;
    return NRC_OK;
}
