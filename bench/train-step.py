# Hand-written PyTorch equivalents of the compiled trainers timed by bench/train-step.ts, one thread, so
# "compiled / torch" says how far the tfjs trainers are from an eager framework. The thread count is pinned BEFORE
# torch loads (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS = 1, then torch.set_num_threads(1)):
# torch.set_num_threads alone does not reach Debian's OpenBLAS pool. bench/step-peer.py has these two workloads too.
#   vanilla_ring: specs/vanilla_gan.gan dataset=ring: G 8-128-128-128-2, D 2-128-128-128-1 (ReLU), batch 256,
#                 Adam(1e-3, 0.5), alternating D then G on one minibatch, fresh z per update, losses read (.item()).
#   gat_gmm:      specs/gat_gmm.gan defaults: d=2, K=2, batch 1000, softmax-quadratic D (alpha 5), W2-dual loss with
#                 inv(I - A), simultaneous GDA (mu: SGD 0.03 descent; A, b, c: Adam(0.1, 0.5) ascent), eigenvalue
#                 clip of A at 0.99 after every step.
# Usage: /usr/bin/python3 bench/train-step.py [--seconds 2] [--rounds 3] vanilla_ring gat_gmm
# Prints "<name> <best wall steps/s> <best CPU ms/step> <round1,round2,...>" per benchmark.
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)


def opt(name, default):
    if f"--{name}" in sys.argv:
        i = sys.argv.index(f"--{name}")
        v = sys.argv[i + 1]
        del sys.argv[i : i + 2]
        return type(default)(v)
    return default


SECONDS = opt("seconds", 2.0)
ROUNDS = opt("rounds", 3)
WARMUP = 10


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Batcher:
    """random minibatches without replacement within an epoch, like runtime/data/batcher.ts"""

    def __init__(self, data, batch):
        self.data, self.batch = data, batch
        self.perm, self.pos = torch.randperm(len(data)), 0

    def next(self):
        if self.pos + self.batch > len(self.data):
            self.perm, self.pos = torch.randperm(len(self.data)), 0
        idx = self.perm[self.pos : self.pos + self.batch]
        self.pos += self.batch
        return self.data[idx]


def vanilla_ring():
    n, modes, radius, std, B, dz = 20000, 8, 2.0, 0.02, 256, 8
    k = torch.randint(0, modes, (n,)).float() * (2 * math.pi / modes)
    data = torch.stack([radius * torch.cos(k), radius * torch.sin(k)], 1) + std * torch.randn(n, 2)
    batcher = Batcher(data, B)
    G, D = mlp([dz, 128, 128, 128, 2]), mlp([2, 128, 128, 128, 1])
    optD = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def step():
        x = batcher.next()
        optD.zero_grad()
        with torch.no_grad():
            fake = G(torch.randn(B, dz))
        d_loss = F.logsigmoid(D(x)).mean() + F.logsigmoid(-D(fake)).mean()
        (-d_loss).backward()
        optD.step()
        optG.zero_grad()
        g_loss = -F.logsigmoid(D(G(torch.randn(B, dz)))).mean()
        g_loss.backward()
        optG.step()
        return d_loss.item(), g_loss.item()

    return step


def gat_gmm():
    K, d, sep, n, B, alpha, delta, lam = 2, 2, 4.0, 10000, 1000, 5.0, 0.01, 1e-3
    theta = torch.randn(d)
    theta = theta / theta.norm() * sep
    sign = torch.randint(0, 2, (n, 1)).float() * 2 - 1
    data = sign * theta + torch.randn(n, d)
    batcher = Batcher(data, B)
    mu = data[torch.randperm(n)[:K]].clone().requires_grad_(True)
    A = torch.zeros(K, d, d, requires_grad=True)
    b = torch.zeros(K, d, requires_grad=True)
    c = torch.zeros(K, requires_grad=True)
    optG = torch.optim.SGD([mu], lr=0.03)
    optD = torch.optim.Adam([A, b, c], lr=0.1, betas=(0.5, 0.999))
    eye = torch.eye(d)

    def step():
        x = batcher.next()
        y = torch.randint(0, K, (B,))
        e = torch.randn(B, d)
        phi = 0.5 * torch.einsum("nd,kde,ne->nk", x, A, x) + x @ b.T + c
        Dx = -torch.logsumexp(-alpha * phi, 1) / alpha
        xg = e + mu[y]
        Minv = torch.linalg.inv(eye - A)[y]
        v = xg + b[y]
        conj = 0.5 * (xg * xg).sum(1) - 0.5 * torch.einsum("nd,nde,ne->n", v, Minv, v) - c[y]
        w2 = Dx.mean() + conj.mean() - lam / 2 * ((A * A).sum() + (b * b).sum() + (c * c).sum())
        gmu, gA, gb, gc = torch.autograd.grad(w2, [mu, A, b, c])  # simultaneous: one point
        mu.grad, A.grad, b.grad, c.grad = gmu, -gA, -gb, -gc  # D ascends
        optG.step()
        optD.step()
        with torch.no_grad():
            S = 0.5 * (A + A.transpose(1, 2))
            ev, V = torch.linalg.eigh(S)
            A.copy_(V @ torch.diag_embed(ev.clamp(max=1 - delta)) @ V.transpose(1, 2))
        return w2.item()

    return step


BENCHES = {"vanilla_ring": vanilla_ring, "gat_gmm": gat_gmm}

for name in sys.argv[1:] or list(BENCHES):
    step = BENCHES[name]()
    for _ in range(WARMUP):
        step()
    rounds, cpu = [], []
    for _ in range(ROUNDS):
        k, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < SECONDS:
            step()
            k += 1
        rounds.append(k / (time.perf_counter() - t0))
        cpu.append((time.process_time() - c0) * 1000 / k)
    print(f"{name} {max(rounds):.2f} {min(cpu):.3f} {','.join(f'{r:.2f}' for r in rounds)}", flush=True)
