# PyTorch CPU reference for bench/dense-step.ts: the same GAN step (D update + G update, batch 64,
# D 784-512-256-1, G 64-256-512-784, Adam). Usage: /usr/bin/python3 bench/dense-step.py [seconds] [threads=2]
# The thread count is pinned BEFORE torch loads (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS = threads,
# then torch.set_num_threads(threads)): torch.set_num_threads alone does not reach Debian's OpenBLAS pool.
import os
import sys

THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(THREADS)

import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(THREADS)
torch.manual_seed(0)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
B = 64
D = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
G = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784), nn.Tanh())
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
x = torch.rand(B, 784) * 2 - 1


def step():
    optD.zero_grad()
    dl = -(F.logsigmoid(D(x)).mean() + F.logsigmoid(-D(G(torch.randn(B, 64)).detach())).mean())
    dl.backward()
    optD.step()
    optG.zero_grad()
    gl = -F.logsigmoid(D(G(torch.randn(B, 64)))).mean()
    gl.backward()
    optG.step()
    return gl.item()


for _ in range(3):
    step()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    step()
    n += 1
print(f"steps_per_sec={n / (time.perf_counter() - t0):.3f}")
