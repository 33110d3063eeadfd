"""Golden values for test/rotate.test.ts (run by hand; the tests read the JSON this writes, not Python):
scipy.ndimage.rotate(a, angle, reshape=False, order=2) on small uint8 arrays, as nyud2-dir/nyu_transform.py
RandomRotate calls it on the RGB (H x W x 3) and depth (H x W) arrays of the PIL images, plus the official
RandomHorizontalFlip -> RandomRotate -> CenterCrop chain on PIL images.
Images are base64 uint8, C order. Usage (scipy 1.10, numpy 1.24, Pillow 9.4):
  /usr/bin/python3 make_rotate_golden.py > rotate-golden.json && pnpm exec biome format --write rotate-golden.json"""
import base64
import json

import numpy as np
import scipy
from PIL import Image
from scipy import ndimage, special

rs = np.random.RandomState(20220324)


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode('ascii')


def rotate_case(name, a, angle):
    out = ndimage.rotate(a, angle, reshape=False, order=2)
    assert out.dtype == np.uint8 and out.shape == a.shape
    return {
        'name': name,
        'shape': list(a.shape),
        'angle': angle,
        'input': b64(a),
        'output': b64(out),
    }


def smooth(h, w, c=None):
    y, x = np.mgrid[0:h, 0:w]
    base = 128 + 90 * np.sin(x / 5.0 + 0.3) * np.cos(y / 7.0) + rs.normal(0, 12, (h, w))
    if c is not None:
        base = np.stack([base + 20 * k - 20 for k in range(c)], -1)
    return np.clip(np.round(base), 0, 255).astype(np.uint8)


cases = [
    rotate_case('rgb noise +5', rs.randint(0, 256, (11, 14, 3)).astype(np.uint8), 5.0),
    rotate_case('rgb noise -5', rs.randint(0, 256, (11, 14, 3)).astype(np.uint8), -5.0),
    rotate_case('rgb smooth 2.7', smooth(16, 21, 3), 2.7),
    rotate_case('depth noise -3.3', rs.randint(0, 256, (9, 12)).astype(np.uint8), -3.3),
    rotate_case('depth smooth +4.81', smooth(24, 32), 4.81),
    rotate_case('depth smooth -0.37', smooth(12, 10), -0.37),
    rotate_case('depth 30 degrees', smooth(15, 18), 30.0),
    rotate_case('one row', rs.randint(0, 256, (1, 9)).astype(np.uint8), 3.0),
]


def official_chain(image, depth, flip, angle, crop):
    # nyu_transform.py: RandomHorizontalFlip -> RandomRotate(order=2, reshape=False) -> CenterCrop (both)
    if flip:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
        depth = depth.transpose(Image.FLIP_LEFT_RIGHT)
    image = Image.fromarray(ndimage.rotate(np.asarray(image), angle, reshape=False, order=2))
    depth = Image.fromarray(ndimage.rotate(np.asarray(depth), angle, reshape=False, order=2))
    w1, h1 = image.size
    tw, th = crop
    x1 = int(round((w1 - tw) / 2.))
    y1 = int(round((h1 - th) / 2.))
    return image.crop((x1, y1, tw + x1, th + y1)), depth.crop((x1, y1, tw + x1, th + y1))


chains = []
for flip, angle, size, crop in [(True, 4.2, (32, 24), (26, 18)), (False, -1.9, (31, 23), (24, 17))]:
    rgb = smooth(size[1], size[0], 3)
    dep = smooth(size[1], size[0])
    ci, cd = official_chain(Image.fromarray(rgb, 'RGB'), Image.fromarray(dep, 'L'), flip, angle, crop)
    chains.append({
        'flip': flip,
        'angle': angle,
        'size': list(size),
        'crop': list(crop),
        'rgb': b64(rgb),
        'depth': b64(dep),
        'rgbOut': b64(np.asarray(ci)),
        'depthOut': b64(np.asarray(cd)),
    })

angles = [5.0, -5.0, 2.7, -3.3, 4.81, -0.37, 30.0, 90.0, 0.0, 1e-3, 123.4, -271.5]
print(json.dumps({
    'generator': 'make_rotate_golden.py',
    'scipy': scipy.__version__,
    'numpy': np.__version__,
    'trig': [{'deg': a, 'cos': float(special.cosdg(a)), 'sin': float(special.sindg(a))} for a in angles],
    'rotate': cases,
    'chain': chains,
}, indent=2))
