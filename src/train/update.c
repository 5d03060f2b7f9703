/* Gradient step and parameter norm (include/train/nrc_train.h).  Search level. */
#include "nrc_train.h"

void nrc_train_update_d(size_t d, size_t k, double eta, const double *gW,
                        const double *gb, const double *gv, double *W,
                        double *b, double *v)
{
    /*@ loop invariant 0 <= t <= k * d;
        loop assigns t, W[0 .. k * d - 1];
        loop variant k * d - t;
    */
    for (size_t t = 0; t < k * d; t++)
        W[t] = W[t] - eta * gW[t];
    if (b && gb)
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, b[0 .. k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++)
            b[j] = b[j] - eta * gb[j];
    if (v && gv)
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, v[0 .. k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++)
            v[j] = v[j] - eta * gv[j];
}

/* Four interleaved partial sums, combined in a fixed order: the same bits on
 * every run, and four times fewer dependent additions than one running sum
 * (this pass over k*d entries runs every step).  The test len - t >= 4
 * (t <= len always) is t + 4 <= len without the wrap of t + 4 near
 * SIZE_MAX. */
/*@ requires \valid_read(x + (0 .. len - 1));
    assigns \nothing;
*/
static double update_sumsq(size_t len, const double *x)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t t = 0;
    /*@ loop invariant 0 <= t <= len;
        loop assigns t, s0, s1, s2, s3;
        loop variant len - t;
    */
    for (; len - t >= 4; t += 4) {
        s0 += x[t] * x[t];
        s1 += x[t + 1] * x[t + 1];
        s2 += x[t + 2] * x[t + 2];
        s3 += x[t + 3] * x[t + 3];
    }
    /*@ loop invariant 0 <= t <= len;
        loop assigns t, s0;
        loop variant len - t;
    */
    for (; t < len; t++)
        s0 += x[t] * x[t];
    return (s0 + s1) + (s2 + s3);
}

double nrc_train_sqnorm_d(size_t d, size_t k, const double *W, const double *b,
                          const double *v)
{
    double s = W ? update_sumsq(k * d, W) : 0.0;
    if (b)
        s += update_sumsq(k, b);
    if (v)
        s += update_sumsq(k, v);
    return s;
}

/* The step of nrc_train_update_d with ||W||^2 + ||b||^2 of the new weights
 * summed in the same pass over W: each new W[t] is squared while it is in
 * a register instead of in a second pass over the k d weights (the
 * driver's next evaluation needs the norm). The sum is update_sumsq's, in
 * the same order (four interleaved partial sums by t mod 4 over blocks of
 * four, the tail into the first, (s0 + s1) + (s2 + s3)), so the result is
 * nrc_train_sqnorm_d(d, k, W, b, NULL) of the new weights, bit for bit. */
double nrc_train_update_sqnorm_d(size_t d, size_t k, double eta, const double *gW,
                                 const double *gb, const double *gv, double *W,
                                 double *b, double *v)
{
    const size_t len = k * d;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s;
    size_t t = 0;
    /*@ loop invariant 0 <= t <= len;
        loop assigns t, s0, s1, s2, s3, W[0 .. len - 1];
        loop variant len - t;
    */
    for (; len - t >= 4; t += 4) {
        double w0 = W[t] - eta * gW[t], w1 = W[t + 1] - eta * gW[t + 1];
        double w2 = W[t + 2] - eta * gW[t + 2], w3 = W[t + 3] - eta * gW[t + 3];
        W[t] = w0;
        W[t + 1] = w1;
        W[t + 2] = w2;
        W[t + 3] = w3;
        s0 += w0 * w0;
        s1 += w1 * w1;
        s2 += w2 * w2;
        s3 += w3 * w3;
    }
    /*@ loop invariant 0 <= t <= len;
        loop assigns t, s0, W[0 .. len - 1];
        loop variant len - t;
    */
    for (; t < len; t++) {
        double w = W[t] - eta * gW[t];
        W[t] = w;
        s0 += w * w;
    }
    s = (s0 + s1) + (s2 + s3);
    nrc_train_update_d(0, k, eta, NULL, gb, gv, NULL, b, v);
    if (b)
        s += update_sumsq(k, b);
    return s;
}
