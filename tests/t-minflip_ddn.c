/* The minimal-flip claims against a published minimal-norm L2 attack:
 * DDN (Rony et al., CVPR 2019) in PyTorch float64, written from the paper
 * in tests/fixtures/minflip/make_ddn.py and run once on four small trained
 * models (committed with its output ddn.txt). At every point:
 *   - our certified U is at most DDN's distance (the smallest ||delta|| of
 *     an iterate with p N <= 0); where it is not, the point is listed with
 *     both numbers and the test fails;
 *   - our certified D is at most DDN's distance (up to DDN's own float64
 *     rounding, 1e-9 relative): a DDN point strictly inside the ball of
 *     claim D would contradict a certified claim;
 *   - the models are the files DDN ran on (their SHA-256 is in ddn.txt).
 * It also prints the ratios U / DDN and D / DDN (median, extremes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "nrc_engine.h"
#include "nrc_minflip.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void t_ddn(void)
{
    const char *dir = getenv("NRC_FIXTURES");
    char path[1024], line[1024], name[256], sha[128];
    FILE *f;
    nrc_model M;
    nrc_engine e;
    nrc_error err;
    nrc_mf_model mm;
    nrc_mf_options o;
    int have_model = 0, npoints = 0, nu = 0, nd = 0, nabove = 0;
    double ru[512], rd[512];
    snprintf(path, sizeof path, "%s/minflip/ddn.txt", dir ? dir : "tests/fixtures");
    f = fopen(path, "r");
    REQUIRE(f, "cannot read %s (run from the repository root)", path);
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "engine: %s", err.msg);
    nrc_model_init(&M);
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "model %255s %127s", name, sha) == 2) {
            char file[1400], hex[65];
            if (have_model) {
                nrc_mf_model_clear(&mm);
                nrc_model_clear(&M);
                nrc_model_init(&M);
            }
            have_model = 0;
            snprintf(file, sizeof file, "%s/minflip/%s", dir ? dir : "tests/fixtures", name);
            if (nrc_model_read(file, &M, &err)) {
                CHECK(0, "%s: %s", file, err.msg);
                continue;
            }
            nrc_hex(M.file_sha256, NRC_SHA256_SIZE, hex);
            if (strcmp(hex, sha) != 0) {
                CHECK(0, "%s: SHA-256 %s, ddn.txt has %s (regenerate the fixture)", file, hex,
                      sha);
                continue;
            }
            if (nrc_mf_model_init(&mm, &M, NULL, &e, &err)) {
                CHECK(0, "%s: %s", file, err.msg);
                continue;
            }
            nrc_mf_options_default(&o, (size_t)M.k);
            have_model = 1;
        } else if (have_model && strncmp(line, "point ", 6) == 0) {
            char set[16], sdist[64], sstrict[64], smargin[64];
            size_t idx;
            int p;
            double ddn;
            nrc_mf_point r;
            const double *x;
            if (sscanf(line, "point %15s %zu %d %63s %63s %63s", set, &idx, &p, sdist, sstrict,
                       smargin) != 6) {
                CHECK(0, "bad line: %s", line);
                continue;
            }
            ddn = strtod(sdist, NULL);
            x = strcmp(set, "train") == 0 ? M.X + idx * M.d : M.Xt + idx * M.d;
            nrc_mf_point_init(&r);
            if (nrc_mf_point_run(&mm, &e, x, p, NULL, 0, &o, &r, &err)) {
                CHECK(0, "%s %s %zu: %s", name, set, idx, err.msg);
                continue;
            }
            npoints++;
            CHECK(r.upper_ok, "%s %s %zu: no certified U (DDN found %g)", name, set, idx, ddn);
            if (r.upper_ok && isfinite(ddn)) {
                if (r.U > ddn) {
                    nabove++;
                    CHECK(0, "%s %s %zu: certified U = %.17g > DDN's %.17g", name, set, idx, r.U,
                          ddn);
                }
                if (nu < 512)
                    ru[nu++] = r.U / ddn;
            }
            if (r.lower_ok && isfinite(ddn)) {
                CHECK(r.D <= ddn * (1 + 1e-9), "%s %s %zu: certified D = %.17g > DDN's %.17g",
                      name, set, idx, r.D, ddn);
                if (nd < 512)
                    rd[nd++] = r.D / ddn;
            }
            nrc_mf_point_clear(&r);
        }
    }
    fclose(f);
    if (have_model)
        nrc_mf_model_clear(&mm);
    nrc_model_clear(&M);
    nrc_engine_clear(&e);
    CHECK(npoints >= 60, "only %d points in the fixture", npoints);
    qsort(ru, (size_t)nu, sizeof(double), cmp_d);
    qsort(rd, (size_t)nd, sizeof(double), cmp_d);
    if (nu > 0 && nd > 0)
        printf("     %d points: U/DDN median %.4f (min %.4f, max %.4f, %d above 1); D/DDN median "
               "%.4f (max %.4f)\n", npoints, ru[nu / 2], ru[0], ru[nu - 1], nabove, rd[nd / 2],
               rd[nd - 1]);
}

int main(void)
{
    RUN(t_ddn);
    return tl_exit();
}
