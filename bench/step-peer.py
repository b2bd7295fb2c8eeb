#!/usr/bin/python3
# One-thread PyTorch CPU peer of ganc's training steps, for bench/ort-step.ts: for each workload, the same step the
# compiled trainer runs (every update of the spec's schedule on ONE shared minibatch, in order, fresh latent draws
# per update, each update's loss read back to the host), written the way a PyTorch user would (eager, nn.Module,
# torch.optim). Timing-irrelevant parts are simplified: initializations, and the data (random tensors of the right
# shapes where the spec reads files). Each update differentiates only the parameters it trains
# (backward(inputs=...)), nets that an update does not train run under no_grad where nothing flows through them.
#   dense784     bench/dense784.gan: D 784-512-256-1 (LeakyReLU 0.2), G 64-256-512-784 (ReLU, tanh), batch 64,
#                Adam(2e-4, 0.5, 0.999), NS-GAN losses; data: 5000 random rows in [-1, 1] (the spec: a 784-d GMM).
#   vanilla_ring specs/vanilla_gan.gan defaults: ring data, G 8-128-128-128-2, D 2-128-128-128-1 (ReLU), batch 256,
#                Adam(1e-3, 0.5), NS-GAN losses.
#   gat_gmm      specs/gat_gmm.gan defaults: d 2, K 2, batch 1000, softmax-quadratic D, W2-dual loss, simultaneous
#                GDA (mu: SGD 0.03; A, b, c: Adam(0.1, 0.5) ascent), eigenvalue clip of A at 0.99 after the step.
#                One forward + one autograd.grad for both players (ganc runs one graph per update, both at the
#                same point).
#   mixture_gan  specs/mixture_gan.gan defaults: mu = uniform (t ~ U(0, 1)), ring data, D(concat(x, t)) on the
#                t-interpolated pairs, G as vanilla_ring, batch 256, Adam(1e-3, 0.5), v / g_ns losses.
#   gm_gan       specs/gm_gan.gan defaults: static GM latent (K 10, dz 100, means U[-0.1, 0.1] fixed, std 0.15),
#                G 100-256-512-1024-784, D 784-1024-512-256-1 (LeakyReLU 0.2), batch 64, Adam(2e-4, 0.9, 0.999);
#                data: random [-1, 1] 784-d rows and random labels (Fashion-MNIST shapes).
#   pcm_gan_mlp  specs/pcm_gan.gan --set dataset=fashion arch=mlp (K = 4, dz = 4: the spec's defaults, which are
#                what bench/ort-step.ts compiles; --pcm-K/--pcm-dz change both pcm workloads): shared Enc
#                784-1024-512-256 (LeakyReLU 0.2), D = Enc |> dense(1), C = Enc |> dense(K) |> softmax,
#                G dz-256-512-1024-784; learnable full-covariance GMM prior, K draws per real (z = mu_k + L_k eps);
#                batch 32; d_step, g_step, gc_step, c_step (marginal JS), prior_step (-MI), Adam(2e-4, 0.5).
#   pcm_gan_conv specs/pcm_gan.gan --set dataset=fashion: the same step with Table I's conv Enc (conv 64 5x5 /2,
#                conv 128 4x4 /2, batchnorm) and the DCGAN G (dense 6272, convT 64 4x4 /2, batchnorm, convT 1), NCHW,
#                TF 'same' padding (asymmetric for the 5x5 /2 conv), batchnorm eps 1e-3 with batch statistics.
# Usage: /usr/bin/python3 bench/step-peer.py [--seconds 2] [--rounds 3] [--check] [--device cpu|cuda] [--batch B] NAME...
#   --device cuda: every tensor on the GPU (torch >= 2.0's default device; bench/gpu/device.sh), wall time is then
#   the measure; --batch B replaces every workload's batch size (the GPU table's large batch).
#   Prints "NAME <best wall steps/s> <best CPU ms/step>" per workload (5 warm-up steps, ROUNDS rounds of SECONDS);
#   --check runs 3 steps of each and prints their losses instead.
import os

# One thread, pinned BEFORE torch loads: torch.set_num_threads does not reach Debian's OpenBLAS pool.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
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
PCM_K = opt("pcm-K", 4)
PCM_DZ = opt("pcm-dz", 4)
DEVICE = opt("device", "cpu")
BATCH = opt("batch", 0)
if DEVICE != "cpu":
    torch.set_default_device(DEVICE)


def batch(b):
    """the workload's batch size, or --batch"""
    return BATCH or b


def sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


CHECK = "--check" in sys.argv
if CHECK:
    sys.argv.remove("--check")
WARMUP = 5


def mlp(sizes, act=nn.ReLU, out=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    if out is not None:
        layers.append(out())
    return nn.Sequential(*layers)


def lrelu():
    return nn.LeakyReLU(0.2)


def adam(params, lr, beta1, beta2=0.999):
    return torch.optim.Adam(list(params), lr=lr, betas=(beta1, beta2))


def update(optimizer, params, loss):
    """one update: gradients of `loss` for `params` only, then the optimizer step"""
    optimizer.zero_grad(set_to_none=True)
    loss.backward(inputs=params)
    optimizer.step()
    return loss.detach()


class Batcher:
    """random minibatches without replacement within an epoch, like runtime/data/batcher.ts"""

    def __init__(self, cols, batch):
        self.cols, self.batch, self.n = cols, batch, len(cols[0])
        self.perm, self.pos = torch.randperm(self.n), 0

    def next(self):
        if self.pos + self.batch > self.n:
            self.perm, self.pos = torch.randperm(self.n), 0
        idx = self.perm[self.pos : self.pos + self.batch]
        self.pos += self.batch
        return [c[idx] for c in self.cols]


def ring(n=20000, modes=8, radius=2.0, std=0.02):
    k = torch.randint(0, modes, (n,)).float() * (2 * math.pi / modes)
    return torch.stack([radius * torch.cos(k), radius * torch.sin(k)], 1) + std * torch.randn(n, 2)


def images(n, shape):
    """stand-in for Fashion-MNIST: random pixels in [-1, 1] and random labels"""
    return [torch.rand(n, *shape) * 2 - 1, torch.randint(0, 10, (n,))]


def ns_gan(G, D, batcher, B, dz, lr, beta1, beta2=0.999, latent=None):
    """non-saturating GAN, alternating d_step (D maximizes E log s(D(x)) + E log s(-D(G(z)))) then g_step
    (G minimizes E -log s(D(G(z)))) on one minibatch, fresh z per update"""
    latent = latent or (lambda: torch.randn(B, dz))
    pD, pG = list(D.parameters()), list(G.parameters())
    optD, optG = adam(pD, lr, beta1, beta2), adam(pG, lr, beta1, beta2)

    def step():
        x = batcher.next()[0]
        with torch.no_grad():
            fake = G(latent())
        d_loss = F.logsigmoid(D(x)).mean() + F.logsigmoid(-D(fake)).mean()
        d = update(optD, pD, -d_loss)
        g_loss = -F.logsigmoid(D(G(latent()))).mean()
        g = update(optG, pG, g_loss)
        return {"d_loss": -d.item(), "g_loss": g.item()}

    return step


def dense784():
    B = batch(64)
    D = mlp([784, 512, 256, 1], act=lrelu)
    G = mlp([64, 256, 512, 784], out=nn.Tanh)
    return ns_gan(G, D, Batcher([torch.rand(5000, 784) * 2 - 1], B), B, 64, 2e-4, 0.5)


def vanilla_ring():
    B, dz = batch(256), 8
    G, D = mlp([dz, 128, 128, 128, 2]), mlp([2, 128, 128, 128, 1])
    return ns_gan(G, D, Batcher([ring()], B), B, dz, 1e-3, 0.5)


def gm_gan():
    K, dz, c, sigma, B = 10, 100, 0.1, 0.15, batch(64)
    means = (torch.rand(K, dz) * 2 - 1) * c  # static: drawn once, frozen

    def latent():  # z = mu_k + sigma * eps, k ~ Categorical(1/K)
        return means[torch.randint(0, K, (B,))] + sigma * torch.randn(B, dz)

    G = mlp([dz, 256, 512, 1024, 784], act=lrelu, out=nn.Tanh)
    D = mlp([784, 1024, 512, 256, 1], act=lrelu)
    return ns_gan(G, D, Batcher(images(10000, (784,)), B), B, dz, 2e-4, 0.9, 0.999, latent=latent)


def mixture_gan():
    B, dz, lr = batch(256), 8, 1e-3
    batcher = Batcher([ring()], B)
    G, D = mlp([dz, 128, 128, 128, 2]), mlp([3, 128, 128, 128, 1])
    pD, pG = list(D.parameters()), list(G.parameters())
    optD, optG = adam(pD, lr, 0.5), adam(pG, lr, 0.5)

    def pair(x, g):
        t = torch.rand(B, 1)  # mu = uniform
        a, b = (1 + t) / 2, (1 - t) / 2
        return D(torch.cat([a * x + b * g, t], 1)), D(torch.cat([b * x + a * g, t], 1))

    def step():
        x = batcher.next()[0]
        with torch.no_grad():
            g = G(torch.randn(B, dz))
        dp, dm = pair(x, g)
        v = (F.logsigmoid(dp) + F.logsigmoid(-dm)).mean()
        v = update(optD, pD, -v)
        dp, dm = pair(x, G(torch.randn(B, dz)))
        g_ns = (-F.logsigmoid(dm) - F.logsigmoid(-dp)).mean()
        g_ns = update(optG, pG, g_ns)
        return {"v": -v.item(), "g_ns": g_ns.item()}

    return step


def gat_gmm():
    K, d, sep, n, B, alpha, delta, lam = 2, 2, 4.0, 10000, batch(1000), 5.0, 0.01, 1e-3
    theta = torch.randn(d)
    theta = theta / theta.norm() * sep
    sign = torch.randint(0, 2, (n, 1)).float() * 2 - 1
    data = sign * theta + torch.randn(n, d)
    batcher = Batcher([data], B)
    mu = data[torch.randperm(n)[:K]].clone().requires_grad_(True)
    A = torch.zeros(K, d, d, requires_grad=True)
    b = torch.zeros(K, d, requires_grad=True)
    c = torch.zeros(K, requires_grad=True)
    optG = torch.optim.SGD([mu], lr=0.03)
    optD = torch.optim.Adam([A, b, c], lr=0.1, betas=(0.5, 0.999))
    eye = torch.eye(d)

    def step():
        x = batcher.next()[0]
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
        with torch.no_grad():  # constrain sym_eig_below(1 - delta)
            S = 0.5 * (A + A.transpose(1, 2))
            ev, V = torch.linalg.eigh(S)
            A.copy_(V @ torch.diag_embed(ev.clamp(max=1 - delta)) @ V.transpose(1, 2))
        return {"w2": w2.item()}

    return step


class Prior(nn.Module):
    """GaussianMixture(K, dz, means=learn(U[-c, c]), scale=learn(sigma), cov="full"), equal weights"""

    def __init__(self, K, dz, c, sigma):
        super().__init__()
        self.K, self.dz = K, dz
        self.means = nn.Parameter((torch.rand(K, dz) * 2 - 1) * c)
        self.scale = nn.Parameter(sigma * torch.eye(dz).repeat(K, 1, 1))
        self.register_buffer("tril", torch.tril(torch.ones(dz, dz)))

    def L(self):
        return self.scale * self.tril

    def each(self, n):
        """one reparameterised draw from every component per example: [n * K, dz], row i * K + k"""
        eps = torch.randn(n, self.K, self.dz, 1)
        return (self.means + (self.L() @ eps).squeeze(-1)).reshape(n * self.K, self.dz)

    def responsibilities(self, z):
        """p(k | z) under the current prior: softmax_k(-1/2 |L_k^-1 (z - mu_k)|^2 - log |det L_k|)"""
        L = self.L()
        diff = (z[:, None, :] - self.means).unsqueeze(-1)  # [N, K, dz, 1]
        u = torch.linalg.solve_triangular(L, diff, upper=False).squeeze(-1)
        logdet = torch.log(torch.diagonal(L, dim1=-2, dim2=-1).abs()).sum(-1)
        return torch.softmax(-0.5 * (u * u).sum(-1) - logdet, -1)


def mutual_info(P, Q):
    """IIC batch MI of the pooled joint 1/N P^T Q, symmetrised, clipped to [1e-8, 1]"""
    J = P.T @ Q / P.shape[0]
    J = ((J + J.T) / 2).clamp(1e-8, 1)
    return (J * (J.log() - J.sum(1, keepdim=True).log() - J.sum(0, keepdim=True).log())).sum()


def marginal_match(P, Q):
    """JS(mean P || mean Q)"""
    p, q = P.mean(0), Q.mean(0)
    m = ((p + q) / 2).clamp(1e-8, 1).log()
    return 0.5 * ((p * (p.clamp(1e-8, 1).log() - m)).sum() + (q * (q.clamp(1e-8, 1).log() - m)).sum())


def pcm_gan(arch):
    K, dz, c, sigma, B, lr = PCM_K, PCM_DZ, 2.0, 0.5, batch(32), 2e-4
    if arch == "mlp":
        batcher = Batcher(images(10000, (784,)), B)
        Enc = mlp([784, 1024, 512, 256], act=lrelu, out=lrelu)
        G = mlp([dz, 256, 512, 1024, 784], act=lrelu, out=nn.Tanh)
        feat = 256
    else:
        batcher = Batcher(images(10000, (1, 28, 28)), B)
        Enc = nn.Sequential(
            nn.ZeroPad2d((1, 2, 1, 2)),  # 'same' for 5x5 stride 2 on 28: pads top 1, bottom 2, left 1, right 2
            nn.Conv2d(1, 64, 5, stride=2),
            lrelu(),
            nn.Conv2d(64, 128, 4, stride=2, padding=1),
            nn.BatchNorm2d(128, eps=1e-3, momentum=0.01),
            lrelu(),
            nn.Flatten(),
        )
        G = nn.Sequential(
            nn.Linear(dz, 6272),
            nn.ReLU(),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1),
            nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )
        feat = 6272
    Dh, Ch = nn.Linear(feat, 1), nn.Linear(feat, K)
    prior = Prior(K, dz, c, sigma)
    pD = list(Enc.parameters()) + list(Dh.parameters())  # D = Enc |> dense(1)
    pC = list(Enc.parameters()) + list(Ch.parameters())  # shared head C = Enc |> dense(K) |> softmax
    pG = list(G.parameters()) + list(prior.parameters())  # G, z.means, z.scale
    pP = list(Ch.parameters()) + list(Enc.parameters()) + list(prior.parameters())
    optD, optG, optGC, optC, optP = adam(pD, lr, 0.5), adam(pG, lr, 0.5), adam(pC, lr, 0.5), adam(pC, lr, 0.5), adam(pP, lr, 0.5)

    def heads(x):
        h = Enc(x)
        return torch.softmax(Ch(h), -1), Dh(h).squeeze(-1)

    def adv(x, fakes):
        cx, dx = heads(x)
        df = Dh(Enc(fakes)).view(B, K)
        return (cx * (F.logsigmoid(dx)[:, None] + F.logsigmoid(-df))).mean()

    def step():
        x = batcher.next()[0]
        with torch.no_grad():
            fakes = G(prior.each(B))
        l_d = update(optD, pD, -adv(x, fakes))  # d_step: D maximizes adv
        with torch.no_grad():
            cx, _ = heads(x)  # a constant for this update
        df = Dh(Enc(G(prior.each(B)))).view(B, K)
        l_g = update(optG, pG, -(cx * F.logsigmoid(df)).mean())  # g_step: G, prior minimize g_adv
        with torch.no_grad():
            fakes = G(prior.each(B))
        l_gc = update(optGC, pC, adv(x, fakes))  # gc_step: C minimizes adv
        with torch.no_grad():
            fakes = G(prior.each(B))
        cx, _ = heads(x)
        cf = torch.softmax(Ch(Enc(fakes)), -1)
        l_c = update(optC, pC, marginal_match(cx, cf))  # c_step: C minimizes consistency_loss
        zk = prior.each(B)
        cf = torch.softmax(Ch(Enc(G(zk))), -1)
        l_p = update(optP, pP, -mutual_info(prior.responsibilities(zk), cf))  # prior_step: mi_latent
        return {"adv": -l_d.item(), "g_adv": l_g.item(), "adv(gc)": l_gc.item(), "consistency": l_c.item(), "mi_latent": l_p.item()}

    return step


BENCHES = {
    "dense784": dense784,
    "vanilla_ring": vanilla_ring,
    "gat_gmm": gat_gmm,
    "mixture_gan": mixture_gan,
    "gm_gan": gm_gan,
    "pcm_gan_mlp": lambda: pcm_gan("mlp"),
    "pcm_gan_conv": lambda: pcm_gan("conv"),
}

for name in sys.argv[1:] or list(BENCHES):
    if name not in BENCHES:
        sys.exit(f"unknown workload {name!r}; known: {' '.join(BENCHES)}")
    step = BENCHES[name]()
    if CHECK:
        for s in range(3):
            losses = step()
            bad = [k for k, v in losses.items() if not math.isfinite(v)]
            print(f"{name} step {s}: " + " ".join(f"{k}={v:.5f}" for k, v in losses.items()) + (f"  NOT FINITE: {bad}" if bad else ""), flush=True)
        continue
    for _ in range(WARMUP):
        step()
    sps, cpu = [], []
    for _ in range(ROUNDS):
        sync()
        k, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < SECONDS or k < 2:
            step()
            k += 1
        sync()
        sps.append(k / (time.perf_counter() - t0))
        cpu.append((time.process_time() - c0) * 1000 / k)
    print(f"{name} {max(sps):.2f} {min(cpu):.3f}", flush=True)
