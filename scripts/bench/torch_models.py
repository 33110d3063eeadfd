"""PyTorch CPU peer of `pnpm run bench models`: torchvision ResNet-50 regressor and the
Hu et al. depth net (ResNet-50 encoder; modules as in packages/models/test/golden/
make_golden.py, spec §3.2), median ms per forward (eval, no grad) and per training
step (train mode, MSE, Adam), and peak RSS.
Usage: python3 torch_models.py '<json list of cases>'  -> one JSON line per case."""
import json
import os
import resource
import sys
import time

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'models', 'test', 'golden'))


def build(case):
    if case['net'] == 'resnet50':
        return torchvision.models.resnet50(num_classes=1)
    import make_golden as g  # the depth modules (spec §3.2)
    return g.DepthNet('resnet50')


def timed(fn, warmup, steps):
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        fn()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def main():
    for case in json.loads(sys.argv[1]):
        torch.manual_seed(0)
        model = build(case)
        torch.set_num_threads(case['threads'])  # after build: importing make_golden sets 1 thread
        b, h, w = case['batch'], case['h'], case['w']
        x = torch.randn(b, 3, h, w)
        with torch.no_grad():
            out_shape = list(model.eval()(x).shape)
        y = torch.randn(*out_shape)

        def forward():
            with torch.no_grad():
                model(x)

        opt = torch.optim.Adam(model.parameters(), 1e-4)

        def train():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()

        model.eval()
        fwd = timed(forward, case['warmup'], case['steps'])
        model.train()
        step = timed(train, case['warmup'], case['steps'])
        params = sum(p.numel() for p in model.parameters())
        print(json.dumps({'case': case['name'], 'forward_ms': fwd, 'train_ms': step, 'params': params,
                          'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)


if __name__ == '__main__':
    main()
