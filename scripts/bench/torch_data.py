"""Peer of `pnpm run bench data`: the official IMDB-WIKI-DIR and NYUD2-DIR train transforms with torchvision + PIL
(+ scipy for the rotation, as nyud2-dir/nyu_transform.py) in a DataLoader with N workers; prints JSON images/s.

usage: python3 torch_data.py <imdb dataset dirs, comma-separated> <nyud2 dataset dir> <workers> <imdb batch> <nyud2 batch> <passes>
"""
import csv
import json
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

torch.set_num_threads(1)


class ImdbWiki(Dataset):
    # imdb-wiki-dir/datasets.py, train transform (spec §2.1)
    def __init__(self, root, size=224):
        with open(os.path.join(root, 'imdb_wiki.csv')) as f:
            rows = [r for r in csv.DictReader(f) if r['split'] == 'train']
        self.paths = [os.path.join(root, r['path']) for r in rows]
        self.ages = [float(r['age']) for r in rows]
        self.t = transforms.Compose([
            transforms.Resize((size, size)),
            transforms.RandomCrop(size, padding=16),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.5] * 3, [0.5] * 3),
        ])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        img = Image.open(self.paths[i]).convert('RGB')
        return self.t(img), np.asarray([self.ages[i]], dtype=np.float32)


EIGVAL = torch.Tensor([0.2175, 0.0188, 0.0045])
EIGVEC = torch.Tensor([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140], [-0.5836, -0.6948, 0.4203]])


def grayscale(img):
    gs = img.clone()
    gs[0].mul_(0.299).add_(gs[1], alpha=0.587).add_(gs[2], alpha=0.114)
    gs[1].copy_(gs[0])
    gs[2].copy_(gs[0])
    return gs


class Nyud2(Dataset):
    # nyud2-dir/loaddata.py + nyu_transform.py, train transform (spec §2.3)
    def __init__(self, root):
        with open(os.path.join(root, 'nyu2_train.csv')) as f:
            self.rows = [r for r in csv.reader(f) if r]
        self.root = root

    def __len__(self):
        return len(self.rows)

    def path(self, p):
        return os.path.join(self.root, *p.split('/')[1:])

    def __getitem__(self, i):
        image = Image.open(self.path(self.rows[i][0]))
        depth = Image.open(self.path(self.rows[i][1]))
        w, h = image.size
        ow, oh = (int(240 * w / h), 240) if w >= h else (240, int(240 * h / w))
        image = image.resize((ow, oh), Image.BILINEAR)
        depth = depth.resize((ow, oh), Image.NEAREST)
        if random.random() < 0.5:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
            depth = depth.transpose(Image.FLIP_LEFT_RIGHT)
        angle = random.uniform(-5, 5)
        image = Image.fromarray(ndimage.rotate(np.asarray(image), angle, reshape=False, order=2))
        depth = Image.fromarray(ndimage.rotate(np.asarray(depth), angle, reshape=False, order=2))
        x1, y1 = int(round((ow - 304) / 2.0)), int(round((oh - 228) / 2.0))
        image = image.crop((x1, y1, x1 + 304, y1 + 228))
        depth = depth.crop((x1, y1, x1 + 304, y1 + 228)).resize((152, 114))
        img = transforms.functional.to_tensor(image)
        d = transforms.functional.to_tensor(depth).float() * 10
        alpha = img.new().resize_(3).normal_(0, 0.1)
        rgb = EIGVEC.clone().mul(alpha.view(1, 3).expand(3, 3)).mul(EIGVAL.view(1, 3).expand(3, 3)).sum(1).squeeze()
        img = img.add(rgb.view(3, 1, 1).expand_as(img))
        for k in torch.randperm(3).tolist():
            a = random.uniform(-0.4, 0.4)
            if k == 0:
                img = img.lerp(torch.zeros_like(img), a)
            elif k == 1:
                gs = grayscale(img)
                gs.fill_(gs.mean())
                img = img.lerp(gs, a)
            else:
                img = img.lerp(grayscale(img), a)
        img = transforms.functional.normalize(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
        return img, d


def images_per_s(ds, batch, workers, passes):
    loader = DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, persistent_workers=workers > 0)
    for _ in loader:  # warm-up pass (worker start, page cache)
        pass
    t0 = time.perf_counter()
    n = 0
    for _ in range(passes):
        for x, _y in loader:
            n += x.shape[0]
    return n / (time.perf_counter() - t0)


if __name__ == '__main__':
    imdb, nyu, workers, b1, b2, passes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    out = {
        'imdb': [images_per_s(ImdbWiki(d), b1, workers, passes) for d in imdb.split(',')],
        'nyud2': images_per_s(Nyud2(nyu), b2, workers, passes),
        'torch': torch.__version__,
    }
    print(json.dumps(out))
