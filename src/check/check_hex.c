/* Exact hex-float parsing for the checker (include/check/nrc_check_kernels.h).
 *
 * The exactness decision is made on the integer mantissa and the binary
 * exponent read from the digits, never on strtod's rounded result: a string
 * is accepted only if its value M * 2^E (M odd after normalization) has
 * M < 2^53, E >= -1074 (the subnormal grid) and M * 2^E < 2^1024. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_check_kernels.h"

/*@ assigns \result \from c;
    ensures -1 <= \result <= 15;
*/
static int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exponents beyond this magnitude are clamped (the value is then either 0
 * or certainly out of range; the clamp keeps the arithmetic in long). */
#define EXP_CLAMP 100000L

int nrc_check_hex_parse(const char *s, double *out)
{
    size_t len, pos = 0;
    int negative = 0;
    uint64_t acc = 0;       /* first (up to) 16 significant hex digits */
    int taken = 0;          /* significant digits stored in acc */
    long after = 0;         /* digits after those stored (all must be 0) */
    long frac_digits = 0;   /* digits after the point */
    int any_digit = 0, seen_point = 0, started = 0;
    long pexp = 0;
    int pneg = 0;
    long e;
    int bits;
    uint64_t m;

    if (!s)
        return 0;
    len = strlen(s);
    if (len == 0 || len > NRC_CHECK_HEX_MAX)
        return 0;
    if (s[pos] == '-' || s[pos] == '+') {
        negative = s[pos] == '-';
        pos++;
    }
    if (s[pos] != '0' || (s[pos + 1] != 'x' && s[pos + 1] != 'X'))
        return 0;
    pos += 2;
    /*@ loop invariant 2 <= pos <= len;
        loop invariant 0 <= taken <= 16;
        loop invariant taken <= 0 ==> acc < 1;
        loop invariant taken <= 1 ==> acc < 16;
        loop invariant taken <= 2 ==> acc < 256;
        loop invariant taken <= 3 ==> acc < 4096;
        loop invariant taken <= 4 ==> acc < 65536;
        loop invariant taken <= 5 ==> acc < 1048576;
        loop invariant taken <= 6 ==> acc < 16777216;
        loop invariant taken <= 7 ==> acc < 268435456;
        loop invariant taken <= 8 ==> acc < 4294967296;
        loop invariant taken <= 9 ==> acc < 68719476736;
        loop invariant taken <= 10 ==> acc < 1099511627776;
        loop invariant taken <= 11 ==> acc < 17592186044416;
        loop invariant taken <= 12 ==> acc < 281474976710656;
        loop invariant taken <= 13 ==> acc < 4503599627370496;
        loop invariant taken <= 14 ==> acc < 72057594037927936;
        loop invariant taken <= 15 ==> acc < 1152921504606846976;
        loop invariant 0 <= after <= pos && 0 <= frac_digits <= pos;
        loop assigns pos, seen_point, any_digit, frac_digits, started, acc,
                     taken, after;
        loop variant len - pos;
    */
    for (; pos < len; pos++) {
        char c = s[pos];
        int v;
        if (c == '.') {
            if (seen_point)
                return 0;
            seen_point = 1;
            continue;
        }
        v = hex_digit_value(c);
        if (v < 0)
            break;
        any_digit = 1;
        if (seen_point)
            frac_digits++;
        if (!started && v == 0)
            continue;
        started = 1;
        if (taken < 16) {
            acc = acc * 16 + (uint64_t)v; /* == (acc << 4) | v */
            taken++;
        } else {
            /* A nonzero digit more than 16 digits after the leading one is
             * more than 60 bits below the leading bit: not a binary64. */
            if (v != 0)
                return 0;
            after++;
        }
    }
    if (!any_digit)
        return 0;
    if (pos >= len || (s[pos] != 'p' && s[pos] != 'P'))
        return 0;
    pos++;
    if (pos < len && (s[pos] == '+' || s[pos] == '-')) {
        pneg = s[pos] == '-';
        pos++;
    }
    if (pos >= len)
        return 0;
    /*@ loop invariant pos <= len;
        loop invariant 0 <= pexp <= 10 * EXP_CLAMP + 9;
        loop assigns pos, pexp;
        loop variant len - pos;
    */
    for (; pos < len; pos++) {
        char c = s[pos];
        if (c < '0' || c > '9')
            return 0;
        if (pexp < EXP_CLAMP)
            pexp = pexp * 10 + (c - '0');
    }
    if (pexp > EXP_CLAMP)
        pexp = EXP_CLAMP;
    if (pneg)
        pexp = -pexp;
    if (acc == 0) {
        *out = negative ? -0.0 : 0.0;
        return 1;
    }
    /* value = acc * 16^(after - frac_digits) * 2^pexp */
    e = 4 * (after - frac_digits) + pexp;
    m = acc;
    /* m != 0: at most 63 shifts (the bound on k is for the proof). */
    {
        int k;
        /*@ loop invariant 0 <= k <= 64;
            loop invariant e == \at(e, LoopEntry) + k;
            loop assigns k, m, e;
            loop variant 64 - k;
        */
        for (k = 0; k < 64 && (m & 1u) == 0; k++) {
            m >>= 1;
            e++;
        }
    }
    {
        uint64_t t = m;
        /*@ loop invariant 0 <= bits <= 64;
            loop assigns bits, t;
            loop variant 64 - bits;
        */
        for (bits = 0; bits < 64 && t; bits++)
            t >>= 1;
    }
    if (bits > 53 || e < -1074 || e + bits > 1024)
        return 0;
    /* (double)m is exact (m < 2^53) and so is ldexp of a representable
     * result; a round trip through frexp confirms it.  !(|x| <= DBL_MAX) is !isfinite(x) without the
     * type-generic macro, whose float branch is dead code for WP. */
    {
        double x = ldexp((double)m, (int)e);
        int ex;
        double f = frexp(x, &ex);
        if (!(fabs(x) <= DBL_MAX) || ldexp(f, 53) != ldexp((double)m, 53 - bits) ||
            (long)ex != e + bits)
            return 0;
        *out = negative ? -x : x;
    }
    return 1;
}

void nrc_check_hex_format(double x, char *buf, size_t size)
{
    snprintf(buf, size, "%a", x);
}
