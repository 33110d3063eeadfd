"""PyTorch CUDA peer of scripts/gpu/check.sh's benchmark: the nets of scripts/bench/torch_backend.py
(3-conv net, torchvision ResNet-18/50 with one output), MSE + Adam, median ms per training step
with torch.cuda.synchronize() around each step.
Usage: python3 torch_cuda.py '<json list of {net, batch, size, warmup, steps}>' -> one JSON line per case."""
import json
import sys
import time

import torch
import torch.nn as nn


def build(name):
    if name == 'conv3':
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 1))
    import torchvision
    return getattr(torchvision.models, name)(num_classes=1)


def main():
    dev = torch.device('cuda')
    for case in json.loads(sys.argv[1]):
        torch.manual_seed(0)
        try:
            model = build(case['net']).to(dev).train()
        except ImportError as e:
            print(json.dumps({'net': case['net'], 'batch': case['batch'], 'size': case['size'], 'error': str(e)}), flush=True)
            continue
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        x = torch.randn(case['batch'], 3, case['size'], case['size'], device=dev)
        y = torch.randn(case['batch'], 1, device=dev)
        times = []
        for i in range(case['warmup'] + case['steps']):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            torch.cuda.synchronize()
            if i >= case['warmup']:
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(json.dumps({'net': case['net'], 'batch': case['batch'], 'size': case['size'],
                          'median_ms': times[len(times) // 2], 'torch': torch.__version__,
                          'device': torch.cuda.get_device_name(0)}), flush=True)


if __name__ == '__main__':
    main()
