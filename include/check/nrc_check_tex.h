/* LaTeX text for `certify --cite` (src/check/check_tex.c): numbers rounded
 * in a stated direction, so that a printed bound is still a bound, and file
 * names and hashes that compile and break across lines. */
#ifndef NRC_CHECK_TEX_H
#define NRC_CHECK_TEX_H
#include <stddef.h>
#include <stdio.h>

/* x rounded to 4 significant decimal digits toward +infinity when up,
 * toward -infinity otherwise, as LaTeX math without the $: "0.3521",
 * "12340", "3.521\times10^{-5}", "10^{-7}", "0", "\infty". Plain decimals
 * for 1e-3 <= |x| < 1e5 (after rounding), trailing zeros dropped. size >= 48
 * is always enough. */
void nrc_tex_number(double x, int up, char *buf, size_t size);

/* s as text for \texttt{...}: TeX specials escaped, a break allowed after
 * '/', '.', '-' and '_', "--" kept as two hyphens, and anything outside
 * printable ASCII written as '?' (once per UTF-8 sequence). */
void nrc_tex_path(FILE *f, const char *s);

/* hex (a hash) as \texttt{...}, breakable after every 8 digits. */
void nrc_tex_hash(FILE *f, const char *hex);

#endif
