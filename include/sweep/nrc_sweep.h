/* bin/sweep: a declarative grid of train + certify + check runs (spec/SWEEP.md).
 *
 * A spec (JSON) expands into a plan: a list of cells, each one full option
 * set for `train` and `certify`, keyed by the SHA-256 of its canonical option
 * text.  A cell runs the three programs as child processes in a temporary
 * directory and renames it to its final name only when its record
 * (result.json) is complete, so a directory under cells/ is either a finished
 * cell or absent.  A cell is "done" when its certificate passed the
 * independent checker (nrc-check) against the model's hash.
 *
 * Layers: this directory sees include/core and include/sweep only; it runs the
 * other programs, it never links their code. */
#ifndef NRC_SWEEP_H
#define NRC_SWEEP_H
#include <stddef.h>
#include <jansson.h>
#include "nrc_status.h"

#define NRC_SWEEP_KEY_HEX 64        /* full key: SHA-256 in hex */
#define NRC_SWEEP_DIR_KEY 16        /* cells/<first 16 hex digits> */

/* One cell: the argument tokens given to train and certify (without the
 * program name, --threads, -o and the model path, which the runner adds),
 * the resolved options as a JSON object (name -> value, every option), the
 * groups it belongs to, and its key. */
typedef struct {
    char key[NRC_SWEEP_KEY_HEX + 1];
    char **train_args;
    size_t n_train_args;
    char **certify_args;
    size_t n_certify_args;
    json_t *options;   /* {"train": {...}, "certify": {...}} */
    json_t *groups;    /* array of strings */
} nrc_sweep_cell;

typedef struct {
    nrc_sweep_cell *cells;
    size_t n_cells;
    json_t *figures;   /* array, as in the spec (validated) */
    char *name;
} nrc_sweep_plan;

/* ---- spec.c: parse a spec and expand it into a plan ---------------------- */
/* Parse the spec at path (JSON, spec/SWEEP.md) into plan.  NRC_ERR_INPUT with
 * a message naming the file and the member for a bad spec. */
nrc_status nrc_sweep_spec_load(const char *path, nrc_sweep_plan *plan, nrc_error *err);
void nrc_sweep_plan_clear(nrc_sweep_plan *plan);
/* Write DIR/plan.json (atomically) / read it back. */
nrc_status nrc_sweep_plan_write(const nrc_sweep_plan *plan, const char *dir, nrc_error *err);
nrc_status nrc_sweep_plan_read(const char *dir, nrc_sweep_plan *plan, nrc_error *err);

/* ---- cell.c: run one cell --------------------------------------------------- */
typedef struct {
    const char *train;     /* program paths */
    const char *certify;
    const char *check;
    int retry_failed;      /* re-run cells recorded as failed */
} nrc_sweep_env;

typedef enum {
    NRC_CELL_DONE_CERTIFIED = 0,  /* check passed, certify decided every claim */
    NRC_CELL_DONE_UNDECIDED = 1,  /* check passed, certify exited 1 (claims undecided) */
    NRC_CELL_FAILED = 2,          /* no valid certificate: reason recorded */
    NRC_CELL_INTERRUPTED = 3,     /* stopped by a signal to the sweep: nothing recorded */
    NRC_CELL_ERROR = 4            /* the sweep itself failed (I/O): nothing recorded */
} nrc_cell_outcome;

/* Directory of a cell (DIR/cells/KEY16), malloc'd. */
char *nrc_sweep_cell_dir(const char *dir, const nrc_sweep_cell *c);
/* Outcome recorded in the cell's result.json, or -1 when the cell has no
 * record (never run, or its record is a failure that is to be run again:
 * a transient failure, or any failure with env->retry_failed). */
int nrc_sweep_cell_recorded(const char *dir, const nrc_sweep_cell *c, int retry_failed);
/* Run the cell unless it is recorded.  Returns its outcome.  Signal-safe
 * stop: nrc_sweep_cell_stop() (from a handler) kills the running program;
 * the cell then returns NRC_CELL_INTERRUPTED and leaves nothing behind. */
nrc_cell_outcome nrc_sweep_cell_run(const nrc_sweep_env *env, const char *dir,
                                    const nrc_sweep_cell *c, nrc_error *err);
void nrc_sweep_cell_stop(void);
int nrc_sweep_stopping(void);

/* ---- util.c ----------------------------------------------------------------- */
nrc_status nrc_sweep_json_load(const char *path, json_t **out, nrc_error *err);
nrc_status nrc_sweep_json_write(const char *path, const json_t *j, nrc_error *err);
/* mkdir -p (mode 0777 & ~umask). */
nrc_status nrc_sweep_mkdirs(const char *path, nrc_error *err);
/* rm -rf of a directory tree (no symlink is followed). */
int nrc_sweep_rmtree(const char *path);
/* printf into a fresh string (aborting the program on out of memory is not
 * allowed: NULL then). */
char *nrc_sweep_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* SHA-256 of a file in hex (out: 65 bytes). */
nrc_status nrc_sweep_file_sha256(const char *path, char out[65], nrc_error *err);
double nrc_sweep_now(void);
/* A program by name: itself when it contains a slash, else the first
 * executable on PATH (malloc'd), or NULL. */
char *nrc_sweep_which(const char *name);
/* Format x with `digits` significant digits, rounded toward +inf (up = 1) or
 * toward 0 (up = 0) for non-negative x, so that a printed upper (lower)
 * bound stays an upper (lower) bound. */
void nrc_sweep_fmt_dir(char *buf, size_t size, double x, int digits, int up);
/* Run argv (argv[0] a path) with stdout/stderr to log (NULL: inherit), in
 * directory cwd (NULL: ours); OPENBLAS_NUM_THREADS=1.  Returns the exit code,
 * 128 + signal when killed, -1 when it could not be started.  Wall and CPU
 * seconds through the pointers.  nrc_sweep_cell_stop() kills it. */
int nrc_sweep_spawn(char *const argv[], const char *cwd, const char *log,
                    double *wall, double *cpu);

/* ---- pool.c: local process pool --------------------------------------------- */
typedef struct {
    int jobs;
    int progress;      /* progress line on stderr */
    int quiet;
} nrc_sweep_pool_opts;
/* Run every cell of the plan that is not recorded, `jobs` at a time.
 * Returns the exit code of `sweep run` (0, 1, 4, 130). */
int nrc_sweep_pool_run(const nrc_sweep_env *env, const char *dir, const nrc_sweep_plan *plan,
                       const nrc_sweep_pool_opts *opts);
/* Cells index, index + stride, ... one after the other (a Slurm array task). */
int nrc_sweep_shard_run(const nrc_sweep_env *env, const char *dir, const nrc_sweep_plan *plan,
                        size_t first, size_t stride, int quiet);

/* ---- report.c ------------------------------------------------------------------ */
/* Read every cell of DIR's plan, write DIR/report/ (CSV, markdown, LaTeX,
 * figure data, gnuplot scripts, PNG and PDF).  Returns the exit code. */
int nrc_sweep_report(const char *dir, const char *gnuplot, int quiet);

/* ---- slurm.c ------------------------------------------------------------------- */
typedef struct {
    const char *sweep;      /* absolute path of this program */
    size_t tasks;           /* array size (0: one task per cell, at most 1000) */
    const char *partition;  /* NULL: the cluster's default */
    const char *time_limit; /* per task, sbatch --time */
    const char *bin;        /* --bin passed to the tasks, or NULL */
    int wait;               /* sbatch --wait on the report job */
    int quiet;
} nrc_sweep_slurm_opts;
int nrc_sweep_slurm_submit(const char *dir, const nrc_sweep_plan *plan,
                           const nrc_sweep_slurm_opts *opts);

#endif
