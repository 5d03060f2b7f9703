/* The engines of certify compared on one model (tests/t-engines_agree.c,
 * tests/t-engines_fuzz.c; spec/CERTIFY.md "When the engines agree").
 *
 * ec_compare serializes the model, runs the whole pipeline
 * (nrc_certify_run) with --engine fast and --engine mpfr, and checks that
 * both reach the same outcome: the same status (and message) when the model
 * is refused, else identical verdicts (fit.all_correct, regime, class
 * counts, direction, kkt status, reason, kinks and lambda, robust_reference,
 * and per point the flip set, index, sign, status and reason, with
 * --min-flip each point's min_flip verdicts, U, strictness and tree, the exit
 * code), both certificates naming their engine and accepted by the
 * independent checker (nrc_check_buffers) with the same claims checked. */
#ifndef NRC_TESTS_ENGINES_COMPARE_H
#define NRC_TESTS_ENGINES_COMPARE_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_certify.h"
#include "nrc_check_cert.h"
#include "nrc_io.h"
#include "nrc_engine.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

typedef struct {
    nrc_status st;          /* of nrc_certify_run */
    nrc_error err;
    nrc_certify_result C;
    char *json;
    size_t json_len;
    nrc_check_report rep;
    int checked;            /* the checker accepted the certificate */
} ec_run;

/* Totals over every comparison of a program. */
typedef struct {
    size_t models, refused, flips, certified, kinks, regime, kkt, robust, refined;
    size_t mf_points, mf_both;   /* min_flip points, both ends certified */
    size_t arb_fast, arb_mpfr;   /* arbiter calls of the last comparison */
} ec_totals;

static void ec_run_clear(ec_run *R)
{
    nrc_certify_result_clear(&R->C);
    nrc_free(R->json);
    R->json = NULL;
}

/* Certify the serialized model M (bytes) with `engine`; check what it wrote. */
static int ec_certify(nrc_model *M, const unsigned char *bytes, size_t len, const char *engine,
                      const nrc_certify_options *o, ec_run *R, const char *tag)
{
    nrc_engine e;
    memset(R, 0, sizeof *R);
    nrc_certify_result_init(&R->C);
    if (nrc_engine_init(&e, engine, 1, &R->err) != NRC_OK) {
        CHECK(0, "%s: %s init: %s", tag, engine, R->err.msg);
        return 0;
    }
    nrc_hex(M->file_sha256, NRC_SHA256_SIZE, R->C.sha256_hex);
    R->st = nrc_certify_run(M, o, &e, &R->C, &R->err);
    nrc_engine_clear(&e);
    if (R->st != NRC_OK)
        return 1;
    if (nrc_certify_to_json(&R->C, &R->json, &R->json_len, &R->err) != NRC_OK) {
        CHECK(0, "%s: json (%s): %s", tag, engine, R->err.msg);
        return 0;
    }
    {   /* with --min-flip, the companion file beside the certificate */
        char mf[64];
        nrc_status st;
        snprintf(mf, sizeof mf, "/tmp/nrc-engines-compare-%ld.st", (long)getpid());
        if (R->C.mf_data && nrc_file_write_atomic(mf, R->C.mf_data, R->C.mf_len, &R->err)) {
            CHECK(0, "%s: companion: %s", tag, R->err.msg);
            return 0;
        }
        st = nrc_check_buffers_mf((const unsigned char *)R->json, R->json_len, "cert.json",
                                  bytes, len, "model.bin", R->C.mf_data ? mf : NULL, &R->rep,
                                  &R->err);
        if (R->C.mf_data)
            unlink(mf);
        if (st != NRC_OK || !R->rep.valid) {
            CHECK(0, "%s: the checker rejects the %s certificate: %s", tag, engine, R->err.msg);
            return 0;
        }
    }
    R->checked = 1;
    return 1;
}

static int ec_same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every verdict of two completed runs; returns the number of differences
 * (each reported with CHECK). */
static int ec_verdicts(const nrc_certify_result *A, const nrc_certify_result *B, const char *tag)
{
    int bad = 0;
    size_t r;
#define EC_SAME(cond, ...) do { if (!(cond)) { CHECK(0, __VA_ARGS__); bad++; } } while (0)
    EC_SAME(A->all_correct == B->all_correct, "%s: fit.all_correct fast %d mpfr %d", tag,
            A->all_correct, B->all_correct);
    EC_SAME(A->regime == B->regime, "%s: regime fast %d mpfr %d (eps_data.hi %a / %a, gamma_z.lo %a / %a)",
            tag, A->regime, B->regime, A->eps_data[1], B->eps_data[1], A->gamma_z[0], B->gamma_z[0]);
    EC_SAME(A->n_pos == B->n_pos && A->n_neg == B->n_neg, "%s: class counts", tag);
    EC_SAME(A->dir_len == B->dir_len && (A->dir_idx == NULL) == (B->dir_idx == NULL) &&
            (!A->dir_idx || memcmp(A->dir_idx, B->dir_idx, A->dir_len * sizeof(size_t)) == 0),
            "%s: direction differs", tag);
    EC_SAME(A->kkt_certified == B->kkt_certified && ec_same_str(A->kkt_reason, B->kkt_reason),
            "%s: kkt fast %d (%s) mpfr %d (%s)", tag, A->kkt_certified,
            A->kkt_reason ? A->kkt_reason : "-", B->kkt_certified, B->kkt_reason ? B->kkt_reason : "-");
    EC_SAME(A->nkinks == B->nkinks &&
            (A->nkinks == 0 || memcmp(A->kinks, B->kinks, 2 * A->nkinks * sizeof(size_t)) == 0),
            "%s: kinks differ (fast %zu, mpfr %zu)", tag, A->nkinks, B->nkinks);
    if (A->kkt_certified && B->kkt_certified)
        EC_SAME(memcmp(A->lambda, B->lambda, A->n * sizeof(double)) == 0, "%s: lambda differs", tag);
    EC_SAME(A->robust_certified == B->robust_certified, "%s: robust_reference fast %d mpfr %d", tag,
            A->robust_certified, B->robust_certified);
    EC_SAME(A->nflips == B->nflips, "%s: %zu flips fast, %zu mpfr", tag, A->nflips, B->nflips);
    for (r = 0; r < A->nflips && r < B->nflips; r++) {
        const nrc_flip *a = A->flips + r, *b = B->flips + r;
        EC_SAME(a->set == b->set && a->index == b->index && a->sign == b->sign &&
                a->status == b->status && ec_same_str(a->reason, b->reason),
                "%s: flip %zu (set %d index %zu): fast sign %d status %d (%s), mpfr sign %d status %d (%s)",
                tag, r, a->set, a->index, a->sign, a->status, a->reason ? a->reason : "-", b->sign,
                b->status, b->reason ? b->reason : "-");
    }
    /* min_flip: the search reads engine-independent values and claim U is
     * decided exactly where an enclosure leaves it open, so the same
     * verdicts, points, strictness, U and trees; D (and rho) may differ by
     * the enclosures' width */
    EC_SAME(A->nmf == B->nmf && A->mf_rows == B->mf_rows && A->mf_tokens == B->mf_tokens &&
            A->mf_leaves == B->mf_leaves, "%s: min_flip sizes differ", tag);
    for (r = 0; r < A->nmf && r < B->nmf; r++) {
        const nrc_mf_entry *a = A->mf + r, *b = B->mf + r;
        EC_SAME(a->sign == b->sign && a->upper_ok == b->upper_ok && a->lower_ok == b->lower_ok &&
                a->strict == b->strict && (!a->upper_ok || (a->U == b->U && a->row == b->row)) &&
                (!a->lower_ok || (a->tok0 == b->tok0 && a->ntok == b->ntok &&
                                  a->leaf0 == b->leaf0 && a->nleaves == b->nleaves)) &&
                ec_same_str(a->upper_reason, b->upper_reason) &&
                ec_same_str(a->lower_reason, b->lower_reason),
                "%s: min_flip point %zu: fast upper %d (U %a strict %d) lower %d (D %a), mpfr upper %d (U %a strict %d) lower %d (D %a)",
                tag, r, a->upper_ok, a->U, a->strict, a->lower_ok, a->D, b->upper_ok, b->U,
                b->strict, b->lower_ok, b->D);
    }
    EC_SAME(nrc_certify_all_certified(A) == nrc_certify_all_certified(B), "%s: exit status differs", tag);
#undef EC_SAME
    return bad;
}

/* Both engines on M with options o (NULL: defaults). Returns 1 when they
 * agree (and every certificate was accepted), 0 otherwise. */
static int ec_compare(nrc_model *M, const nrc_certify_options *o, const char *tag, ec_totals *T)
{
    unsigned char *bytes = NULL;
    size_t len = 0, r;
    nrc_error err;
    nrc_certify_options dflt;
    ec_run F, P;
    int ok = 1;
    if (!o) {
        nrc_certify_options_default(&dflt);
        o = &dflt;
    }
    memset(&F, 0, sizeof F);
    memset(&P, 0, sizeof P);
    if (nrc_model_set_meta(M, "{}", 2, &err) != NRC_OK ||
        nrc_model_serialize(M, &bytes, &len, &err) != NRC_OK) {
        CHECK(0, "%s: serialize: %s", tag, err.msg);
        return 0;
    }
    ok = ec_certify(M, bytes, len, "fast", o, &F, tag) && ec_certify(M, bytes, len, "mpfr", o, &P, tag);
    nrc_free(bytes);
    T->models++;
    if (ok && (F.st != NRC_OK || P.st != NRC_OK)) {
        ok = F.st == P.st && strcmp(F.err.msg, P.err.msg) == 0;
        CHECK(ok, "%s: fast status %d (%s), mpfr status %d (%s)", tag, (int)F.st,
              F.st ? F.err.msg : "ok", (int)P.st, P.st ? P.err.msg : "ok");
        T->refused += ok;
        if (ok && getenv("NRC_TEST_VERBOSE"))
            printf("     %s: refused by both: %s\n", tag, F.err.msg);
    } else if (ok) {
        ok = strstr(F.json, "\"engine\": \"fast\"") && strstr(P.json, "\"engine\": \"mpfr\"");
        CHECK(ok, "%s: certificates do not name their engine", tag);
        ok = ec_verdicts(&F.C, &P.C, tag) == 0 && ok;
        if (!(F.rep.fit == P.rep.fit && F.rep.data == P.rep.data && F.rep.lipschitz == P.rep.lipschitz &&
              F.rep.kkt == P.rep.kkt && F.rep.robust == P.rep.robust &&
              F.rep.flips_train == P.rep.flips_train && F.rep.flips_test == P.rep.flips_test)) {
            CHECK(0, "%s: the checker checked different claims (flips %zu/%zu vs %zu/%zu, kkt %zu vs %zu)",
                  tag, F.rep.flips_train, F.rep.flips_test, P.rep.flips_train, P.rep.flips_test,
                  F.rep.kkt, P.rep.kkt);
            ok = 0;
        }
        for (r = 0; r < F.C.nflips; r++)
            T->certified += F.C.flips[r].status == NRC_FLIP_CERTIFIED;
        for (r = 0; r < F.C.nmf; r++)
            T->mf_both += F.C.mf[r].upper_ok && F.C.mf[r].lower_ok;
        T->mf_points += F.C.nmf;
        T->flips += F.C.nflips;
        T->kinks += F.C.nkinks;
        T->regime += F.C.regime == 1;
        T->kkt += F.C.kkt_certified == 1;
        T->robust += F.C.robust_certified == 1;
        T->refined += F.C.refined != 0 || P.C.refined != 0;
        T->arb_fast = F.C.arbiter_preact + F.C.arbiter_N + F.C.arbiter_flip;
        T->arb_mpfr = P.C.arbiter_preact + P.C.arbiter_N + P.C.arbiter_flip;
        /* tighter enclosures: never more arbiter work */
        CHECK(P.C.arbiter_preact <= F.C.arbiter_preact && P.C.arbiter_N <= F.C.arbiter_N,
              "%s: mpfr needed the arbiter more often (preact %zu vs %zu, N %zu vs %zu)", tag,
              P.C.arbiter_preact, F.C.arbiter_preact, P.C.arbiter_N, F.C.arbiter_N);
        if (getenv("NRC_TEST_VERBOSE"))
            printf("     %s: fit %d regime %d kkt %d kinks %zu robust %d flips %zu; refined fast %#x mpfr %#x\n",
                   tag, F.C.all_correct, F.C.regime, F.C.kkt_certified, F.C.nkinks,
                   F.C.robust_certified, F.C.nflips, F.C.refined, P.C.refined);
    }
    ec_run_clear(&F);
    ec_run_clear(&P);
    return ok;
}

#endif
