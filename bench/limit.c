/* make bench, regime part (bench/regime.sh): the limit a program that reads a
 * model can approach, measured on the model itself: reading the whole file
 * (read(2) into memory, from the page cache: the file was just written),
 * hashing it (SHA-256, nrc_sha256 as the reader does) and one plain binary64
 * forward + gradient pass (bench/plain_pass.h). certify and the checker must
 * at least read and hash the file and evaluate the network once.
 *
 *   run:   OPENBLAS_NUM_THREADS=1 build/bench/limit MODEL
 *
 * Times are process CPU seconds, the minimum of 3 repetitions each.
 * Output: CSV, header first: file_bytes,read_s,hash_s,plain_s,limit_s */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_model.h"
#include "nrc_sha256.h"
#include "plain_pass.h"

/* CPU seconds of reading path whole into buf (size bytes); -1 on error. */
static double read_file_s(const char *path, unsigned char *buf, size_t size)
{
    double t0 = bench_cpu_s();
    size_t got = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1.0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == size ? bench_cpu_s() - t0 : -1.0;
}

static double min3(const double *t)
{
    return t[0] < t[1] ? (t[0] < t[2] ? t[0] : t[2]) : (t[1] < t[2] ? t[1] : t[2]);
}

int main(int argc, char **argv)
{
    nrc_model M;
    nrc_error err;
    struct stat sb;
    unsigned char *buf, digest[NRC_SHA256_SIZE];
    double tr[3], th[3], tp[3];
    int rep;
    if (argc != 2) {
        fprintf(stderr, "usage: limit MODEL\n");
        return 2;
    }
    nrc_blas_set_threads(1);
    if (stat(argv[1], &sb) != 0 || sb.st_size <= 0) {
        fprintf(stderr, "limit: cannot stat %s\n", argv[1]);
        return 3;
    }
    buf = nrc_malloc((size_t)sb.st_size);
    if (!buf)
        return 4;
    for (rep = 0; rep < 3; rep++) {
        tr[rep] = read_file_s(argv[1], buf, (size_t)sb.st_size);
        if (tr[rep] < 0) {
            fprintf(stderr, "limit: cannot read %s\n", argv[1]);
            return 3;
        }
        th[rep] = bench_cpu_s();
        nrc_sha256(buf, (size_t)sb.st_size, digest);   /* the digest is not used */
        th[rep] = bench_cpu_s() - th[rep];
    }
    nrc_free(buf);
    nrc_model_init(&M);
    if (nrc_model_read(argv[1], &M, &err) != NRC_OK) {
        fprintf(stderr, "limit: %s\n", err.msg);
        return 3;
    }
    if (bench_plain_best3(&M, tp) < 0)
        return 4;
    printf("file_bytes,read_s,hash_s,plain_s,limit_s\n%lld,%.5f,%.5f,%.5f,%.5f\n",
           (long long)sb.st_size, min3(tr), min3(th), min3(tp), min3(tr) + min3(th) + min3(tp));
    nrc_model_clear(&M);
    return 0;
}
