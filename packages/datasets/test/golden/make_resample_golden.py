"""Golden values for test/resample.test.ts (run by hand; the tests read the JSON this writes, not Python):
Pillow's Image.resize(size, filter) of small 8-bit RGB and L images, the resizes in the official transforms
(torchvision Resize((224, 224)) = BILINEAR on RGB; NYUD2 Scale = BILINEAR on RGB; NYUD2 depth CenterCrop
resize = Pillow's default BICUBIC on L). Images are base64 uint8, C order. Usage (Pillow 9.4):
  /usr/bin/python3 make_resample_golden.py > resample-golden.json && pnpm exec biome format --write resample-golden.json"""
import base64
import json

import numpy as np
import PIL
from PIL import Image

rs = np.random.RandomState(224)


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode('ascii')


def smooth(h, w, c=None):
    y, x = np.mgrid[0:h, 0:w]
    base = 128 + 100 * np.sin(x / 3.0 + 0.3) * np.cos(y / 4.0) + rs.normal(0, 15, (h, w))
    if c is not None:
        base = np.stack([base + 25 * k - 25 for k in range(c)], -1)
    return np.clip(np.round(base), 0, 255).astype(np.uint8)


def case(name, a, size, flt):
    mode = 'RGB' if a.ndim == 3 else 'L'
    out = np.asarray(Image.fromarray(a, mode).resize(size, {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC}[flt]))
    return {'name': name, 'shape': list(a.shape), 'size': list(size), 'filter': flt, 'input': b64(a), 'output': b64(out)}


checker = (((np.indices((12, 16)).sum(0)) % 2) * 255).astype(np.uint8)
cases = [
    case('RGB 40x31 -> 35x27 bilinear (like 256 -> 224)', smooth(31, 40, 3), (35, 27), 'bilinear'),
    case('RGB noise 37x29 -> 24x20 bilinear', rs.randint(0, 256, (29, 37, 3)).astype(np.uint8), (24, 20), 'bilinear'),
    case('RGB 40x30 -> 20x15 bilinear (like 640x480 -> 320x240)', smooth(30, 40, 3), (20, 15), 'bilinear'),
    case('RGB 15x11 -> 33x25 bilinear (upscale)', smooth(11, 15, 3), (33, 25), 'bilinear'),
    case('RGB 24x18 -> 24x9 bilinear (height only)', smooth(18, 24, 3), (24, 9), 'bilinear'),
    case('L 30x23 -> 15x12 bicubic (like the depth 304x228 -> 152x114)', smooth(23, 30), (15, 12), 'bicubic'),
    case('L checkerboard 16x12 -> 7x5 bicubic (clipping)', checker, (7, 5), 'bicubic'),
    case('L 9x7 -> 20x15 bicubic (upscale)', smooth(7, 9), (20, 15), 'bicubic'),
]
print(json.dumps({'generator': 'make_resample_golden.py', 'pillow': PIL.__version__, 'resize': cases}, indent=2))
