"""PyTorch CPU peer of `pnpm run bench backend`: the same nets, shapes, loss and
optimizer (MSE, Adam; the tf.layers nets plain and separable: SGD), timed the same way (median ms per training step).
Usage: python3 torch_backend.py '<json list of cases>'  -> one JSON line per case."""
import json
import resource
import sys
import time

import torch
import torch.nn as nn


def conv3():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 1))


def plain():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 1))


def separable():
    # tf.layers.separableConv2d: a depthwise 3x3 (no bias), a pointwise 1x1 with bias, then ReLU
    def block(cin, cout, stride):
        return [nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1), nn.ReLU()]
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(),
        *block(32, 64, 1), *block(64, 128, 2), *block(128, 128, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 1))


def build(name):
    if name == 'conv3':
        return conv3()
    if name == 'plain':
        return plain()
    if name == 'separable':
        return separable()
    import torchvision
    return getattr(torchvision.models, name)(num_classes=1)


def main():
    cases = json.loads(sys.argv[1])
    for case in cases:
        torch.set_num_threads(case['threads'])
        torch.manual_seed(0)
        model = build(case['net'])
        model.train()
        # the tf.layers nets are trained as their users do in tfjs: SGD (tf.train.sgd), the loss read back each step
        sgd = case['net'] in ('plain', 'separable')
        opt = torch.optim.SGD(model.parameters(), 1e-3) if sgd else torch.optim.Adam(model.parameters(), 1e-3)
        b, h, w, c = case['batch'], case['size'], case['size'], 3
        x = torch.randn(b, c, h, w)
        y = torch.randn(b, 1)
        times = []
        for i in range(case['warmup'] + case['steps']):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            if sgd:
                loss.item()
            dt = (time.perf_counter() - t0) * 1000
            if i >= case['warmup']:
                times.append(dt)
        times.sort()
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        print(json.dumps({'net': case['net'], 'median_ms': times[len(times) // 2], 'params': params,
                          'torch': torch.__version__, 'threads': torch.get_num_threads(),
                          'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


if __name__ == '__main__':
    main()
