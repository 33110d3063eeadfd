"""PyTorch CPU peer of `pnpm run bench losses`: the official Balanced MSE formulas
(jiawei-ren/BalancedMSE, balanaced_mse.py / synthetic_benchmark/loss.py, written the way
the official code writes them) on the very inputs the tfjs side wrote to disk, timed the
same way (median ms of forward + backward).

Usage: python3 torch_losses.py <case.json>  -> one JSON line.
case.json: { name, dir, threads, warmup, steps, sigma, learnable_sigma, B, d, K?, M? }
Input files in dir (little-endian float32): pred.bin, target.bin, plus centers.bin /
weights.bin (BNI), gmm.json (GAI), negatives.bin (bounded BMC).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(d, name, shape=None):
    a = np.fromfile(os.path.join(d, name), dtype='<f4')
    return torch.from_numpy(a.reshape(shape) if shape is not None else a)


def bmc(pred, target, noise_var):
    # spec 1.3: logits[i][j] = -(pred_i - y_j)^2 / (2 s); CE against the diagonal; x 2s detached
    logits = -(pred - target.T).pow(2) / (2 * noise_var)
    loss = F.cross_entropy(logits, torch.arange(pred.shape[0]))
    return loss * (2 * noise_var).detach()


def bmc_md(pred, target, noise_var):
    # spec 1.6: logits[i][j] = log N(y_j; pred_i, s I) (row constants cancel in the softmax)
    logits = -0.5 * (pred.unsqueeze(1) - target.unsqueeze(0)).pow(2).sum(-1) / noise_var
    loss = F.cross_entropy(logits, torch.arange(pred.shape[0]))
    return loss * (2 * noise_var).detach()


def bni(pred, target, noise_var, centers, weights):
    # spec 1.4
    mse_term = F.mse_loss(pred, target, reduction='none') / 2 / noise_var
    bal = -0.5 * (pred - centers.unsqueeze(0)).pow(2) / noise_var + weights.log().unsqueeze(0)
    bal = torch.logsumexp(bal, dim=-1, keepdim=True)
    loss = (mse_term + bal) * (2 * noise_var).detach()
    return loss.mean()


def gai(pred, target, noise_var, means, variances, weights):
    # spec 1.2
    mse_term = F.mse_loss(pred, target, reduction='none') / 2 / noise_var + 0.5 * noise_var.log()
    sum_var = variances.reshape(1, -1) + noise_var
    bal = -0.5 * sum_var.log() - 0.5 * (pred - means.reshape(1, -1)).pow(2) / sum_var + weights.log().reshape(1, -1)
    bal = torch.logsumexp(bal, dim=-1, keepdim=True)
    loss = (mse_term + bal) * (2 * noise_var).detach()
    return loss.mean()


def bmc_bounded(pred, target, noise_var, negatives):
    # BalancedMSE issue #5 (the author's down-sampled BMC): each row's own label + shared negatives
    pos = -(pred - target).pow(2) / (2 * noise_var)
    neg = -(pred - negatives.reshape(1, -1)).pow(2) / (2 * noise_var)
    logits = torch.cat([pos, neg], dim=1)
    loss = F.cross_entropy(logits, torch.zeros(pred.shape[0], dtype=torch.long))
    return loss * (2 * noise_var).detach()


def main():
    case = json.load(open(sys.argv[1]))
    torch.set_num_threads(case['threads'])
    d = case['dir']
    B, dim = case['B'], case['d']
    pred0 = load(d, 'pred.bin', (B, dim))
    target = load(d, 'target.bin', (B, dim))
    sigma = torch.tensor(float(case['sigma']), requires_grad=bool(case['learnable_sigma']))
    name = case['name']
    if name == 'bni':
        centers, weights = load(d, 'centers.bin'), load(d, 'weights.bin')
        fn = lambda p, s: bni(p, target, s, centers, weights)  # noqa: E731
    elif name == 'gai':
        g = json.load(open(os.path.join(d, 'gmm.json')))
        means = torch.tensor(g['means'], dtype=torch.float32).reshape(-1)
        variances = torch.tensor(g['variances'], dtype=torch.float32).reshape(-1)
        weights = torch.tensor(g['weights'], dtype=torch.float32)
        fn = lambda p, s: gai(p, target, s, means, variances, weights)  # noqa: E731
    elif name == 'bmc_bounded':
        negatives = load(d, 'negatives.bin')
        fn = lambda p, s: bmc_bounded(p, target, s, negatives)  # noqa: E731
    elif name == 'bmc_md':
        fn = lambda p, s: bmc_md(p, target, s)  # noqa: E731
    else:
        fn = lambda p, s: bmc(p, target, s)  # noqa: E731

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    value = None
    for i in range(case['warmup'] + case['steps']):
        pred = pred0.clone().requires_grad_(True)
        if sigma.grad is not None:
            sigma.grad = None
        t0 = time.perf_counter()
        loss = fn(pred, sigma ** 2)
        loss.backward()
        value = loss.item()
        dt = (time.perf_counter() - t0) * 1000
        if i >= case['warmup']:
            times.append(dt)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times.sort()
    print(json.dumps({
        'name': name, 'median_ms': times[len(times) // 2], 'loss': value,
        'grad_abs_sum': float(pred.grad.abs().sum()),
        'sigma_grad': None if sigma.grad is None else float(sigma.grad),
        'peak_extra_mib': (rss1 - rss0) / 1024.0, 'peak_rss_mib': rss1 / 1024.0,
        'torch': torch.__version__, 'threads': torch.get_num_threads(),
    }), flush=True)


if __name__ == '__main__':
    main()
