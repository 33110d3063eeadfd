#!/usr/bin/env bash
# Verification only (issue #17 §1; never needed by install or CI): builds @tensorflow/tfjs-node 4.22.0
# against a TensorFlow C library taken from a tensorflow-cpu wheel (pip's local file index), in a
# scratch folder outside the lockfile, and links it into packages/backend/node_modules so that
# initBackend('tensorflow') finds it. tfjs-node's binding targets libtensorflow 2.9.1; the wheel's
# library is newer (2.21 in Nov 2026): a version mix tfjs does not support — say so with any number.
# Usage: scripts/backends/tfjs-node-local.sh [scratch dir, default /tmp/bmse-tfjs-node]   (~850 MB)
#        scripts/backends/tfjs-node-local.sh --unlink   (removes the link again)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
link="$repo/packages/backend/node_modules/@tensorflow/tfjs-node"
if [[ "${1:-}" == "--unlink" ]]; then rm -f "$link"; echo "removed $link"; exit 0; fi
scratch="${1:-/tmp/bmse-tfjs-node}"
mkdir -p "$scratch/wheel"
cd "$scratch"

whl=$(ls wheel/tensorflow_cpu-*.whl 2>/dev/null | head -1 || true)
if [[ -z "$whl" ]]; then
  pip download --no-deps tensorflow-cpu -d wheel >/dev/null
  whl=$(ls wheel/tensorflow_cpu-*.whl | head -1)
fi
echo "TensorFlow C library from $whl"

if [[ ! -d node_modules/@tensorflow/tfjs-node ]]; then
  [[ -f package.json ]] || echo '{"name":"bmse-tfjs-node-scratch","private":true}' >package.json
  npm install --no-save --no-audit --no-fund --ignore-scripts @tensorflow/tfjs-node@4.22.0 >/dev/null
fi
pkg="$scratch/node_modules/@tensorflow/tfjs-node"

# deps/: lib/ with the wheel's two libraries under the names the binding links, include/ with the C headers
deps="$pkg/deps"
if [[ ! -f "$deps/lib/libtensorflow.so.2.9.1" ]]; then
  rm -rf "$deps" && mkdir -p "$deps/lib" "$deps/include"
  python3 - "$whl" "$deps" <<'PY'
import sys, zipfile, os
whl, deps = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            with z.open(n) as src, open(os.path.join(deps, 'lib', os.path.basename(n)), 'wb') as dst:
                while chunk := src.read(1 << 24):
                    dst.write(chunk)
        elif n.startswith('tensorflow/include/') and n.endswith('.h') and (
            '/tensorflow/c/' in n or '/tensorflow/core/platform/ctstring' in n
            or '/tsl/platform/ctstring' in n or '/xla/tsl/c/' in n):
            rel = n[len('tensorflow/include/'):]
            os.makedirs(os.path.join(deps, 'include', os.path.dirname(rel)), exist_ok=True)
            with z.open(n) as src, open(os.path.join(deps, 'include', rel), 'wb') as dst:
                dst.write(src.read())
PY
  (cd "$deps/lib" &&
    ln -sf libtensorflow_cc.so.2 libtensorflow.so && ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1 &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1)
fi

# the binding: install.js skips the download (deps/lib/libtensorflow.so.2.9.1 exists), node-gyp compiles it
(cd "$pkg" && PATH="$scratch/node_modules/.bin:$PATH" npm_config_nodedir=/usr node scripts/install.js | tail -3)

# one tfjs instance per process: tfjs-node's @tensorflow/* dependencies become the repo's own copies
for dep in "$scratch"/node_modules/@tensorflow/*; do
  name=$(basename "$dep")
  [[ "$name" == tfjs-node ]] && continue
  ours=$(cd "$repo/packages/backend" && node -p "require('path').dirname(require.resolve('@tensorflow/$name/package.json'))" 2>/dev/null || true)
  if [[ -n "$ours" ]]; then rm -rf "$dep" && ln -s "$ours" "$dep"; fi
done
ln -sfn "$pkg" "$link"
cd "$repo/packages/backend"
node --conditions=source --import tsx --input-type=module -e "
import { initBackend, describeBackend, tf } from '@bmse/backend';
const info = await initBackend('tensorflow');
const a = tf.tensor2d([[1, 2], [3, 4]]);
console.log(describeBackend(info), '| TF', tf.backend().binding?.TF_Version, '| matMul', Array.from(await tf.matMul(a, a).data()).join(','));" 2>&1 | tail -1
echo "linked $link -> $pkg (remove with: $0 --unlink)"
