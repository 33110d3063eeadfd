#!/usr/bin/env bash
# One command for a GPU machine (issue #17 §3): what it has (NVIDIA driver, CUDA, Vulkan), which
# backend initBackend('auto') picks there and why, and the training-step benchmark (the
# `pnpm run bench backend` cases plus ResNet-50 batch 32 at 224) on that backend beside PyTorch
# CUDA when python3 has a CUDA torch. Needs Node >= 20; no network, no node_modules: it runs the
# bundle that scripts/gpu/build.mjs writes to scripts/gpu/dist/ (copy that folder over).
# Usage: check.sh [--bench]   (--bench: run the benchmark even without an NVIDIA GPU)
# Env: GPU_CHECK_WARMUP, GPU_CHECK_STEPS (default 2, 5); GPU_CHECK_CASES (e.g. "a,d": which cases);
#      GPU_CHECK_BACKEND (benchmark this backend instead of auto's pick: webgpu, tensorflow, wasm, cpu).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench=0
for a in "$@"; do
  case "$a" in
    --bench) bench=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "check.sh: unknown option $a (allowed: --bench)" >&2; exit 2 ;;
  esac
done

if [[ -f "$here/gpu-check.mjs" ]]; then bundle="$here"
elif [[ -f "$here/dist/gpu-check.mjs" ]]; then bundle="$here/dist"
elif [[ -f "$here/build.mjs" ]]; then
  echo "building the bundle (scripts/gpu/build.mjs) ..."
  node "$here/build.mjs" || { echo "check.sh: building the bundle failed (run pnpm install first)" >&2; exit 1; }
  bundle="$here/dist"
else echo "check.sh: no gpu-check.mjs beside me; build it with node scripts/gpu/build.mjs" >&2; exit 1; fi
if ! command -v node >/dev/null; then echo "check.sh: Node >= 20 is needed (node not found)" >&2; exit 1; fi

section() { printf '\n## %s\n' "$1"; }
libs() { ldconfig -p 2>/dev/null | grep -oE "$1[^ ]*" | sort -u | tr '\n' ' '; }

section machine
echo "$(uname -srm); node $(node -v); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | xargs)"

section NVIDIA
gpu=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  gpu=1
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null |
    sed 's/^/GPU: /'
  echo "CUDA (driver API): $(nvidia-smi | grep -oE 'CUDA Version: *[0-9.]+' | grep -oE '[0-9.]+$' || echo '?')"
elif ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
  gpu=1
  echo "device files $(ls /dev/nvidia[0-9]* | tr '\n' ' ')but no working nvidia-smi"
else
  echo "no NVIDIA GPU (no nvidia-smi, no /dev/nvidia0)"
fi
if command -v nvcc >/dev/null; then echo "nvcc: $(nvcc --version | grep -oE 'release [0-9.]+')"; else echo "nvcc: not found"; fi
echo "libcuda: $(libs 'libcuda\.so')"; echo "libcudart: $(libs 'libcudart\.so')"; echo "libcudnn: $(libs 'libcudnn\.so')"
echo "(tfjs-node-gpu 4.22 needs libtensorflow 2.9.1 with CUDA 11.2 / cuDNN 8.1: libcudart.so.11.0, libcudnn.so.8)"

section Vulkan
echo "libvulkan: $(libs 'libvulkan\.so')"
echo "VK_ICD_FILENAMES: ${VK_ICD_FILENAMES:-unset}"
icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ')
echo "ICD manifests: ${icds:-none}"
if [[ $gpu == 1 && "$icds" != *nvidia* ]]; then
  echo "note: no nvidia_icd.json — WebGPU (Dawn) sees no NVIDIA Vulkan device. In a container, NVIDIA's Vulkan"
  echo "      driver comes with NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics (or mount nvidia_icd.json)"
fi
if command -v vulkaninfo >/dev/null; then vulkaninfo --summary 2>/dev/null | grep -E 'deviceName|driverName|apiVersion' | head -6; fi

section "initBackend('auto')"
auto=$(cd "$bundle" && node gpu-check.mjs 2>/dev/null | grep '^{')
if [[ -z "$auto" ]]; then echo "initBackend failed:"; (cd "$bundle" && node gpu-check.mjs 2>&1 | tail -5); exit 1; fi
node -e 'const a = JSON.parse(process.argv[1]); console.log(a.describe)' "$auto"

section benchmark
if [[ $gpu == 0 && $bench == 0 ]]; then
  echo "not run: no NVIDIA GPU here (check.sh --bench runs it anyway)"
  exit 0
fi
tmp=$(mktemp -d)
(cd "$bundle" && node gpu-check.mjs --bench "${GPU_CHECK_BACKEND:-}") | tee "$tmp/tfjs.jsonl" >/dev/null
if python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$bundle/torch_cuda.py" "$(cd "$bundle" && node gpu-check.mjs --torch-cases)" >"$tmp/torch.jsonl" ||
    echo "PyTorch CUDA run failed"
else
  echo "PyTorch CUDA: not run (python3 has no torch with CUDA)"
fi
(cd "$bundle" && node gpu-check.mjs --table "$tmp/tfjs.jsonl" "$tmp/torch.jsonl")
echo "(median ms per training step — forward, backward, Adam — of ${GPU_CHECK_STEPS:-5} after ${GPU_CHECK_WARMUP:-2} warm-up)"
rm -rf "$tmp"
