"""make bench, PyTorch side: the same gradient-descent step as bench/step.c
(A = X W^T, R = relu(A), N = R v, logistic loss of y N, gradients of W and v
by autograd, W -= eta gW, v -= eta gv, ||theta||^2), float64 on the CPU, one
thread (torch.set_num_threads(1) and OPENBLAS_NUM_THREADS from the caller:
Debian's torch calls the same OpenBLAS for float64 matmul).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_step.py n d k ...
Prints CSV (n,d,k,threads,reps,torch_min_ms,torch_med_ms); process CPU time,
minimum and median over the repetitions, like bench/step.c.  Only for the
benchmark: the project never needs Python to build or test."""
import sys
import time

try:
    import torch
except ImportError:
    print("torch_step: python3-torch not installed; PyTorch comparison skipped",
          file=sys.stderr)
    sys.exit(3)


def bench(n, d, k):
    torch.manual_seed(1)
    X = torch.randn(n, d, dtype=torch.float64)
    X = X / X.norm(dim=1, keepdim=True) * d ** 0.5
    y = torch.ones(n, dtype=torch.float64)
    y[: n // 2] = -1.0
    W = (1e-2 * torch.randn(k, d, dtype=torch.float64)).requires_grad_()
    v = (1e-2 * torch.randn(k, dtype=torch.float64)).requires_grad_()
    eta = 1e-9
    reps = max(3, min(31, int(3e10 / (4.0 * n * d * k))))
    times = []
    for _ in range(reps + 1):
        t0 = time.process_time()
        A = X @ W.t()
        N = torch.relu(A) @ v
        L = torch.nn.functional.softplus(-y * N).sum()
        L.backward()
        with torch.no_grad():
            W -= eta * W.grad
            v -= eta * v.grad
            s = float((W * W).sum() + (v * v).sum())
        W.grad = None
        v.grad = None
        times.append(time.process_time() - t0)
    times = sorted(times[1:])  # the first call warms up autograd
    print("%d,%d,%d,%d,%d,%.4f,%.4f" % (n, d, k, torch.get_num_threads(), reps,
                                        1e3 * times[0], 1e3 * times[len(times) // 2]))
    sys.stdout.flush()
    return s


def main():
    torch.set_num_threads(1)
    args = [int(a) for a in sys.argv[1:]]
    if not args or len(args) % 3:
        print("usage: torch_step.py n d k [n d k ...]", file=sys.stderr)
        sys.exit(2)
    print("n,d,k,threads,reps,torch_min_ms,torch_med_ms")
    for i in range(0, len(args), 3):
        bench(*args[i:i + 3])


if __name__ == "__main__":
    main()
