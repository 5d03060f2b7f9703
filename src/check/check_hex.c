/* Exact hex-float parsing for the checker (include/nrc_check_kernels.h).
 *
 * The exactness decision is made on the integer mantissa and the binary
 * exponent read from the digits, never on strtod's rounded result: a string
 * is accepted only if its value M * 2^E (M odd after normalization) has
 * M < 2^53, E >= -1074 (the subnormal grid) and M * 2^E < 2^1024. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_check_kernels.h"

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
            acc = (acc << 4) | (uint64_t)v;
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
    while ((m & 1u) == 0) {
        m >>= 1;
        e++;
    }
    bits = 0;
    {
        uint64_t t = m;
        while (t) {
            bits++;
            t >>= 1;
        }
    }
    if (bits > 53 || e < -1074 || e + bits > 1024)
        return 0;
    /* (double)m is exact (m < 2^53) and so is ldexp of a representable
     * result; a round trip through frexp confirms it. */
    {
        double x = ldexp((double)m, (int)e);
        int ex;
        double f = frexp(x, &ex);
        if (!isfinite(x) || ldexp(f, 53) != ldexp((double)m, 53 - bits) ||
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
