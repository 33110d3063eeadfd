"""Golden values for test/torch-parity.test.ts (run by hand; the tests read the JSON
this writes, not Python): torchvision ResNet-18/50 regressors and the Hu et al. depth
net (ResNet-18 encoder, modules written from reference spec §3.2) filled with a
deterministic pattern, evaluated in PyTorch float32.
Usage: python3 make_golden.py > golden.json"""
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)


def phase(name):
    return (sum(ord(c) for c in name) % 97) * 0.1


def pattern(name, shape, kind):
    n = int(np.prod(shape)) if len(shape) else 1
    s = np.sin(0.7 * np.arange(n, dtype=np.float64) + phase(name))
    if kind == 'weight':
        fan_in = int(np.prod(shape[1:]))
        v = math.sqrt(2.0 / fan_in) * s
    elif kind == 'bn_weight':
        v = 1 + 0.2 * s
    elif kind == 'running_var':
        v = 1 + 0.5 * s * s
    else:  # bias, bn bias, running_mean
        v = 0.1 * s
    return torch.tensor(v.astype(np.float32).reshape(shape))


def fill(model, rename=lambda n: n):
    sd = model.state_dict()
    bn_names = {n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    for name, t in sd.items():
        if name.endswith('num_batches_tracked'):
            continue
        ours = rename(name)
        mod, leaf = name.rsplit('.', 1)
        if mod in bn_names:
            kind = {'weight': 'bn_weight', 'bias': 'bias', 'running_mean': 'bias', 'running_var': 'running_var'}[leaf]
        else:
            kind = 'weight' if leaf == 'weight' else 'bias'
        t.copy_(pattern(ours, list(t.shape), kind))


def nhwc_input(shape_nhwc):
    n = int(np.prod(shape_nhwc))
    x = np.sin(0.37 * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape_nhwc)
    return torch.tensor(x).permute(0, 3, 1, 2).contiguous()


def flat_nhwc(t):
    return t.permute(0, 2, 3, 1).reshape(-1) if t.dim() == 4 else t.reshape(-1)


def regressor(depth, size, batch):
    m = getattr(torchvision.models, f'resnet{depth}')(num_classes=1)
    fill(m, lambda n: n.replace('fc.', 'linear.'))
    x = nhwc_input([batch, size, size, 3])
    m.eval()
    with torch.no_grad():
        eval_out = m(x).reshape(-1).tolist()
        m.train()
        train_out = m(x).reshape(-1).tolist()
    return {'size': size, 'batch': batch, 'eval': eval_out, 'train': train_out,
            'bn1_running_mean': m.bn1.running_mean[:4].tolist(),
            'bn1_running_var': m.bn1.running_var[:4].tolist()}


class UpProjection(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 5, 1, 2, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv1_2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn1_2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cin, cout, 5, 1, 2, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x, size):
        x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        a = F.relu(self.bn1(self.conv1(x)))
        a = self.bn1_2(self.conv1_2(a))
        return F.relu(a + self.bn2(self.conv2(x)))


class Encoder(nn.Module):
    def __init__(self, base):
        super().__init__()
        for k in ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4']:
            setattr(self, k, getattr(base, k))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        b1 = self.layer1(x)
        b2 = self.layer2(b1)
        b3 = self.layer3(b2)
        return b1, b2, b3, self.layer4(b3)


class Decoder(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.conv = nn.Conv2d(nf, nf // 2, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(nf // 2)
        self.up1 = UpProjection(nf // 2, nf // 4)
        self.up2 = UpProjection(nf // 4, nf // 8)
        self.up3 = UpProjection(nf // 8, nf // 16)
        self.up4 = UpProjection(nf // 16, nf // 32)

    def forward(self, b1, b2, b3, b4):
        d = F.relu(self.bn(self.conv(b4)))
        d = self.up1(d, [b3.size(2), b3.size(3)])
        d = self.up2(d, [b2.size(2), b2.size(3)])
        d = self.up3(d, [b1.size(2), b1.size(3)])
        return self.up4(d, [b1.size(2) * 2, b1.size(3) * 2])


class MFF(nn.Module):
    def __init__(self, ch):
        super().__init__()
        for i in range(4):
            setattr(self, f'up{i + 1}', UpProjection(ch[i], 16))
        self.conv = nn.Conv2d(64, 64, 5, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, bs, size):
        ms = [getattr(self, f'up{i + 1}')(b, size) for i, b in enumerate(bs)]
        return F.relu(self.bn(self.conv(torch.cat(ms, 1))))


class Refine(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.conv0 = nn.Conv2d(nf, nf, 5, 1, 2, bias=False)
        self.bn0 = nn.BatchNorm2d(nf)
        self.conv1 = nn.Conv2d(nf, nf, 5, 1, 2, bias=False)
        self.bn1 = nn.BatchNorm2d(nf)
        self.conv2 = nn.Conv2d(nf, 1, 5, 1, 2, bias=True)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        x = F.relu(self.bn1(self.conv1(x)))
        return self.conv2(x)


class DepthNet(nn.Module):
    def __init__(self, encoder='resnet18'):
        super().__init__()
        e = 4 if encoder == 'resnet50' else 1
        ch = [64 * e, 128 * e, 256 * e, 512 * e]
        self.E = Encoder(getattr(torchvision.models, encoder)())
        self.D = Decoder(ch[3])
        self.MFF = MFF(ch)
        self.R = Refine(64 + ch[3] // 32)

    def forward(self, x):
        bs = self.E(x)
        d = self.D(*bs)
        m = self.MFF(bs, [d.size(2), d.size(3)])
        return self.R(torch.cat((d, m), 1))


def depth_net():
    m = DepthNet()
    fill(m)
    x = nhwc_input([1, 64, 96, 3])
    m.eval()
    with torch.no_grad():
        out = flat_nhwc(m(x))
    idx = [0, 7, 100, 777, 1535]
    return {'shape': [1, 32, 48, 1], 'sum': float(out.double().sum()), 'abs_mean': float(out.abs().double().mean()),
            'idx': idx, 'values': [float(out[i]) for i in idx]}


def upsample():
    x = nhwc_input([1, 3, 5, 2])
    return {'false': flat_nhwc(F.interpolate(x, size=[7, 4], mode='bilinear', align_corners=False)).tolist(),
            'true': flat_nhwc(F.interpolate(x, size=[7, 4], mode='bilinear', align_corners=True)).tolist()}


if __name__ == '__main__':
    print(json.dumps({'torch': torch.__version__, 'resnet18': regressor(18, 64, 2), 'resnet50': regressor(50, 64, 4),
                      'depth_resnet18': depth_net(), 'upsample': upsample()}, indent=1))
