"""Golden values for test/native-image.test.ts: small JPEGs encoded by Pillow and the pixels Pillow decodes from them
(Image.open(f).convert('RGB'), libjpeg-turbo, as torchvision datasets read images).

Run by hand with Debian's python3-pil (Pillow 9.4): /usr/bin/python3 test/golden/make_jpeg_golden.py && pnpm exec biome format --write test/golden/jpeg-golden.json
"""
import base64
import io
import json
import os

import numpy as np
from PIL import Image

rng = np.random.default_rng(7)
cases = []


def add(name, img, **save):
    buf = io.BytesIO()
    img.save(buf, 'JPEG', **save)
    data = buf.getvalue()
    out = np.asarray(Image.open(io.BytesIO(data)).convert('RGB'))
    cases.append({
        'name': name,
        'jpeg': base64.b64encode(data).decode(),
        'shape': list(out.shape),
        'rgb': base64.b64encode(out.tobytes()).decode(),
    })


# smooth gradients plus noise: exercises the IDCT and the chroma upsampling
h, w = 13, 17
y, x = np.mgrid[0:h, 0:w]
base = np.stack([x * 15, y * 19, (x + y) * 8], axis=-1) + rng.integers(0, 40, (h, w, 3))
rgb = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), 'RGB')
add('4:2:0, quality 75, odd size', rgb, quality=75, subsampling=2)
add('4:4:4, quality 95', rgb, quality=95, subsampling=0)
add('4:2:2, quality 90', rgb, quality=90, subsampling=1)
add('progressive', rgb, quality=85, progressive=True)
add('greyscale', rgb.convert('L'), quality=90)

path = os.path.join(os.path.dirname(__file__), 'jpeg-golden.json')
with open(path, 'w') as f:
    json.dump({'pillow': Image.__version__, 'cases': cases}, f, indent=1)
print(f'wrote {path}')
