/* LaTeX numbers and text for --cite (include/check/nrc_check_tex.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_check_tex.h"

/* x rounded to 4 significant decimal digits, toward +infinity when up,
 * toward -infinity otherwise, so that a printed upper (lower) bound is
 * still one; as LaTeX math without the $: "0.3521", "3.521\times10^{-5}".
 * The digits come from the exact decimal expansion of x (glibc's printf is
 * exact at any precision; a binary64 needs at most 767 significant digits). */
void nrc_tex_number(double x, int up, char *buf, size_t size)
{
    char dig[800], mant[8];
    int sig[4], i, e10, mag_up, nonzero = 0, neg = x < 0;
    char *e;
    if (x == 0.0 || !isfinite(x)) {
        snprintf(buf, size, "%s", x == 0.0 ? "0" : x > 0 ? "\\infty" : "-\\infty");
        return;
    }
    mag_up = neg ? !up : up;
    snprintf(dig, sizeof dig, "%.780e", fabs(x));
    e = strchr(dig, 'e');
    e10 = atoi(e + 1);
    sig[0] = dig[0] - '0';
    for (i = 1; i < 4; i++)
        sig[i] = dig[i + 1] - '0';
    for (i = 5; dig + i < e; i++)
        nonzero |= dig[i] != '0';
    if (mag_up && nonzero) {
        for (i = 3; i >= 0 && ++sig[i] == 10; i--)
            sig[i] = 0;
        if (i < 0) {   /* 9.999 -> 10.00 */
            sig[0] = 1;
            e10++;
        }
    }
    if (e10 >= -3 && e10 <= 4) {
        /* plain decimal: the 4 digits with the point after e10 + 1 of them */
        char plain[32];
        int p = 0, last;
        if (e10 < 0) {
            plain[p++] = '0';
            plain[p++] = '.';
            for (i = -1; i > e10; i--)
                plain[p++] = '0';
        }
        for (i = 0; i < 4 || i <= e10; i++) {
            if (e10 >= 0 && i == e10 + 1)
                plain[p++] = '.';
            plain[p++] = (char)('0' + (i < 4 ? sig[i] : 0));
        }
        plain[p] = '\0';
        if (strchr(plain, '.')) {   /* drop trailing zeros of the fraction */
            for (last = p - 1; plain[last] == '0'; last--)
                plain[last] = '\0';
            if (plain[last] == '.')
                plain[last] = '\0';
        }
        snprintf(buf, size, "%s%s", neg ? "-" : "", plain);
        return;
    }
    mant[0] = (char)('0' + sig[0]);
    mant[1] = '.';
    for (i = 1; i < 4; i++)
        mant[i + 1] = (char)('0' + sig[i]);
    mant[5] = '\0';
    for (i = 4; i > 1 && mant[i] == '0'; i--)
        mant[i] = '\0';
    if (mant[i] == '.')
        mant[i] = '\0';
    if (strcmp(mant, "1") == 0)
        snprintf(buf, size, "%s10^{%d}", neg ? "-" : "", e10);
    else
        snprintf(buf, size, "%s%s\\times10^{%d}", neg ? "-" : "", mant, e10);
}

/* s for LaTeX text in \texttt: specials escaped, a break allowed after
 * '/', '.', '-' and '_', and anything outside printable ASCII shown as '?',
 * once per UTF-8 sequence (pdflatex cannot typeset every byte sequence). */
void nrc_tex_path(FILE *f, const char *s)
{
    unsigned char prev = 0;
    for (; *s; prev = (unsigned char)*s, s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '\\': fputs("\\textbackslash{}", f); break;
        case '{': case '}': case '$': case '&': case '#': case '%':
            fputc('\\', f);
            fputc(ch, f);
            break;
        case '_': fputs("\\_\\allowbreak{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '-': fputs("-{}\\allowbreak{}", f); break;   /* no -- ligature */
        case '/': case '.':
            fputc(ch, f);
            fputs("\\allowbreak{}", f);
            break;
        default:
            /* one '?' per UTF-8 sequence: continuation bytes after a
             * non-ASCII byte are dropped */
            if (ch >= 0x80 && ch < 0xc0 && prev >= 0x80)
                break;
            fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', f);
        }
    }
}

/* A 64-digit hash in \texttt, breakable every 8 digits. */
void nrc_tex_hash(FILE *f, const char *hex)
{
    size_t i, n = strlen(hex);
    fputs("\\texttt{", f);
    for (i = 0; i < n; i++) {
        if (i && i % 8 == 0)
            fputs("\\allowbreak{}", f);
        fputc(hex[i], f);
    }
    fputc('}', f);
}

