#!/usr/bin/env bash
# Run on the GPU machine (issue 15), from the repository root, with the folder bench/gpu/pack.ts wrote carried
# (default .dev/gpu): unpacks Node, ONNX Runtime and the Vulkan loader, times every packed step plan on ONNX
# Runtime's WebGPU engine (state on the host, then resident on the GPU) and on its CPU engine, times the same
# steps in PyTorch CUDA eager (step-peer.py --device cuda) in the same run, and prints the table (table.py).
# Everything it measured is also left in $OUT (the device tool's result folder) when that is set.
set -u
P="${1:-.dev/gpu}"
R="${OUT:-/tmp/ganc-gpu-out}"
mkdir -p "$R" /tmp/ganc-gpu
# the Vulkan loader (Dawn needs libvulkan.so.1 to find the NVIDIA ICD)
if [ -d "$P/debs" ]; then for f in "$P"/debs/*.deb; do dpkg -x "$f" / ; done; ldconfig; fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && export VK_DRIVER_FILES="$icd" && break
done
xz -dc "$P/node.xz" > /tmp/ganc-gpu/node && chmod +x /tmp/ganc-gpu/node
rm -rf /tmp/ganc-gpu/ort && cp -r "$P/ort" /tmp/ganc-gpu/ort
for z in $(find /tmp/ganc-gpu/ort -name 'libonnxruntime.so*.xz'); do xz -d "$z"; done
export ORT_NODE=/tmp/ganc-gpu/ort/node_modules/onnxruntime-node
NODE=/tmp/ganc-gpu/node
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | tee "$R/gpu.txt"
PLANS=$(ls -d "$P"/plans/*/)
SECONDS_PER_ROUND="${GANC_GPU_SECONDS:-1}"
for mode in "webgpu host" "webgpu gpu" "cpu host"; do
  set -- $mode
  [ "$1" = cpu ] && [ -z "${GANC_GPU_CPU:-}" ] && continue
  timeout 240 "$NODE" "$P/run-plan.cjs" --provider "$1" --resident "$2" --seconds "$SECONDS_PER_ROUND" --rounds 2 \
    --json "$R/ort-$1-$2.json" $PLANS 2>&1 | tee "$R/ort-$1-$2.txt"
done
: > "$R/peer.txt"
for b in $(python3 -c "import json; print(' '.join(map(str, json.load(open('$P/workloads.json'))['batches'])))"); do
  for w in $(python3 -c "import json; print(' '.join(json.load(open('$P/workloads.json'))['workloads']))"); do
    timeout 120 python3 "$P/step-peer.py" --device cuda --batch "$b" --seconds "$SECONDS_PER_ROUND" --rounds 2 "$w" 2>>"$R/peer.err" \
      | awk -v b="$b" '{print $1, b, $2, $3}' | tee -a "$R/peer.txt"
  done
done
python3 "$P/table.py" "$R/peer.txt" "$R"/ort-*.json | tee "$R/table.md"
