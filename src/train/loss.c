/* Losses and the gradient weights r_i, stable for every finite margin
 * (include/train/nrc_train.h; spec/TRAINING.md "Losses").  Search level.
 *
 * Logistic l(q) = log(1 + e^-q) = softplus(-q), l'(q) = -sigmoid(-q);
 * exponential l(q) = e^-q, l'(q) = -e^-q.  exp is only ever applied to
 * non-positive arguments, except in the exponential loss's own value e^-q
 * (whose overflow to +inf for q < -709 only affects the printed loss).
 * For the normalized schedule eta / L the weights l'(q_i) / L are formed in
 * the log domain, log L = log-sum-exp of log l(q_i), so that training keeps
 * moving when L underflows (margins above ~745) and nothing overflows for
 * very negative margins. */
#include <math.h>
#include "nrc_train.h"

/* softplus(t) = log(1 + e^t), never exp of a positive number. */
/*@ assigns errno, \result \from t; */
static double loss_softplus(double t)
{
    return t > 0.0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

double nrc_train_loss_point_d(nrc_loss_kind loss, double q)
{
    if (loss == NRC_LOSS_EXP)
        return exp(-q);
    return loss_softplus(-q);
}

double nrc_train_log_loss_point_d(nrc_loss_kind loss, double q)
{
    if (loss == NRC_LOSS_EXP)
        return -q;
    /* For q > 700, l(q) = log1p(e^-q) = e^-q (1 - e^-q/2 + ...): its log is
     * -q to within e^-700; below that l(q) >= e^-701 is a normal double. */
    if (q > 700.0)
        return -q;
    return log(loss_softplus(-q));
}

double nrc_train_log_dloss_point_d(nrc_loss_kind loss, double q)
{
    if (loss == NRC_LOSS_EXP)
        return -q;
    return -loss_softplus(q);   /* log sigmoid(-q) */
}

void nrc_train_loss_d(nrc_loss_kind loss, int normalized, size_t n,
                      const double *y, const double *q, double *r,
                      nrc_train_loss_info *info)
{
    double L = 0.0, cmax = -INFINITY, s = 0.0, log_L;
    info->q_min = q[0];
    info->i_min = 0;
    /*@ loop invariant 0 <= i <= n && info->i_min < n;
        loop assigns i, L, cmax, errno, info->q_min, info->i_min;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        double c = nrc_train_log_loss_point_d(loss, q[i]);
        L += nrc_train_loss_point_d(loss, q[i]);
        if (c > cmax)
            cmax = c;
        if (q[i] < info->q_min) {
            info->q_min = q[i];
            info->i_min = i;
        }
    }
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, s, errno;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        s += exp(nrc_train_log_loss_point_d(loss, q[i]) - cmax);
    log_L = cmax + log(s);     /* s in [1, n] */
    info->loss = L;
    info->log_loss = log_L;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, errno, r[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        double lg = nrc_train_log_dloss_point_d(loss, q[i]);
        if (normalized)
            lg -= log_L;
        if (normalized == 2 && log_L < -1.0)
            lg -= log(-log_L);
        r[i] = -y[i] * exp(lg);
    }
}

void nrc_train_loss_ref_d(nrc_loss_kind loss, int normalized, size_t n,
                          const double *y, const double *q, double *r,
                          nrc_train_loss_info *info)
{
    double L = 0.0;
    info->q_min = q[0];
    info->i_min = 0;
    /*@ loop invariant 0 <= i <= n && info->i_min < n;
        loop assigns i, L, errno, info->q_min, info->i_min;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        L += loss == NRC_LOSS_EXP ? exp(-q[i]) : log1p(exp(-q[i]));
        if (q[i] < info->q_min) {
            info->q_min = q[i];
            info->i_min = i;
        }
    }
    info->loss = L;
    info->log_loss = log(L);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, errno, r[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        double dl = loss == NRC_LOSS_EXP ? -exp(-q[i]) : -1.0 / (1.0 + exp(q[i]));
        r[i] = y[i] * dl / (normalized ? L : 1.0);
    }
}
