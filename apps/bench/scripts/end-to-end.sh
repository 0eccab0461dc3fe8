#!/usr/bin/env bash
# End-to-end speed of the top-level README's MNIST U-Net commands per engine: `flow train` steps/s and
# `flow sample` samples/s (the figures in packages/runtime/README.md). After a build, from the repo root:
#   bash apps/bench/scripts/end-to-end.sh            (BACKENDS="wasm native" STEPS=40 by default)
set -u
cd "$(dirname "$0")/../../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
backends=${BACKENDS:-wasm native}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in $backends; do
  node apps/cli/dist/main.js train --dataset mnist --model unet-edm2 --preset mnist-fast --steps "${STEPS:-40}" --batch 16 \
    --ema-every 250 --out "$work/run-$b" --backend "$b" --quiet --json 2>/dev/null | tail -1 > "$work/train-$b.json"
  node -e "const j=require('$work/train-$b.json'); console.log('flow train ($b): ' + j.steps_this_run + ' steps in ' + j.seconds.toFixed(2) + ' s, ' + (j.steps_this_run / j.seconds).toFixed(2) + ' steps/s, final loss ' + j.final_loss.toFixed(6))"
done
last=${backends##* }
for b in $backends; do
  node apps/cli/dist/main.js sample --model "$work/run-$last" --solver heun --nfe 32 --count 64 --out "$work/s-$b.npy" \
    --backend "$b" --json 2>/dev/null | tail -1 > "$work/sample-$b.json"
  node -e "const j=require('$work/sample-$b.json'); console.log('flow sample ($b): ' + j.count + ' samples, heun 32 NFE, in ' + j.seconds.toFixed(2) + ' s, ' + (j.count / j.seconds).toFixed(2) + ' samples/s')"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
