#!/usr/bin/env python3
"""Converts pytorch-fid's FID Inception weights (pt_inception-2015-12-05-*.pth, a torch.save state dict) to
safetensors for `flow fid --extractor inception:OUT.safetensors`. Keeps every floating-point tensor under its
state-dict name (Conv2d_1a_3x3.conv.weight, Mixed_5b.branch1x1.bn.running_mean, ..., fc.*) as float32.

Usage: python3 tools/inception-pth-to-safetensors.py pt_inception-2015-12-05-6726825d.pth inception.safetensors
Needs torch and numpy. torch.load unpickles: run it only on files you trust (weights_only=True where supported).
"""
import json
import struct
import sys

import numpy as np
import torch


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    try:
        sd = torch.load(src, map_location='cpu', weights_only=True)
    except TypeError:  # torch < 1.13 has no weights_only
        sd = torch.load(src, map_location='cpu')
    if isinstance(sd, dict) and 'state_dict' in sd and isinstance(sd['state_dict'], dict):
        sd = sd['state_dict']
    header, blobs, offset = {}, [], 0
    for name, t in sd.items():
        if not torch.is_tensor(t) or not t.is_floating_point():
            continue
        a = np.ascontiguousarray(t.detach().to(torch.float32).numpy()).astype('<f4')
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    if 'Conv2d_1a_3x3.conv.weight' not in header:
        sys.exit(f'{src}: no Conv2d_1a_3x3.conv.weight: not pytorch-fid\'s FID Inception state dict')
    header['__metadata__'] = {'source': src.split('/')[-1], 'format': 'pytorch-fid FID Inception state dict'}
    meta = json.dumps(header, separators=(',', ':')).encode()
    meta += b' ' * (-len(meta) % 8)
    with open(dst + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(meta)))
        f.write(meta)
        for b in blobs:
            f.write(b)
    import os
    os.replace(dst + '.tmp', dst)
    print(f'{dst}: {len(blobs)} tensors, {offset / 1e6:.1f} MB')


if __name__ == '__main__':
    main()
