#!/usr/bin/python3
"""Makes packages/fid/test/fixtures/inception: PyTorch reference features of pytorch-fid's FID Inception v3
with seeded synthetic weights, for the agreement test of @flow/fid's TensorFlow.js Inception.

The ~24M weights are not committed: they come from a hash of (tensor name, index) that both this script and
syntheticInceptionTensors() in @flow/fid compute bit for bit (the fixture records per-tensor sums to check it).
Only the batch-norm running statistics are stored: they are calibrated here on separate images (one pass in
train mode) so activations stay O(1) through all 94 convolutions.

Usage: /usr/bin/python3 packages/fid/tools/inception-fixture/make_fixture.py [--weights-out FULL.safetensors]
Needs numpy, torch, torchvision (and PIL for the clean-fid resize reference).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fid_inception import fid_inception_v3, pool3_features, synthetic_state_dict  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'inception')


def smooth_images(rng, n, h, w):
    """uint8 RGB images with structure at several scales (coarse noise upsampled plus fine noise)."""
    coarse = rng.rand(n, 3, 6, 6).astype(np.float32)
    t = torch.nn.functional.interpolate(torch.from_numpy(coarse), size=(h, w), mode='bicubic', align_corners=False).numpy()
    img = np.clip(t + 0.15 * rng.randn(n, 3, h, w), 0, 1)
    return np.round(255 * img).astype(np.uint8).transpose(0, 2, 3, 1).copy()


def to_tensor(u8):
    return torch.from_numpy(u8.astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()


def clean_resize(u8):
    """clean-fid's 'clean' mode: PIL bicubic (antialiased) per channel on float values 0..255, clipped."""
    from PIL import Image
    out = np.zeros((u8.shape[0], 299, 299, 3), np.float32)
    for n in range(u8.shape[0]):
        for c in range(3):
            im = Image.fromarray(u8[n, :, :, c].astype(np.float32), mode='F').resize((299, 299), resample=Image.BICUBIC)
            out[n, :, :, c] = np.asarray(im).clip(0, 255)
    return torch.from_numpy(out / 255).permute(0, 3, 1, 2).contiguous()


def frechet(f1, f2):
    """pytorch-fid's formula in float64; tr sqrtm(S1 S2) from the eigenvalues of sqrt(S1) S2 sqrt(S1), since
    scipy's sqrtm is inaccurate for the rank-deficient covariances of a few samples."""
    f1 = f1.astype(np.float64)
    f2 = f2.astype(np.float64)
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    e = np.linalg.eigvalsh(r @ s2 @ r)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(e, 0, None)).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--weights-out', help='also write the full float32 weights (with calibrated BN) as safetensors (~87 MB)')
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.RandomState(2024)
    net = fid_inception_v3()
    sd = synthetic_state_dict(net)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=False)

    # Calibrate batch-norm running statistics on 6 images not used below, two of each kind (resized first so
    # they form one batch), so every test image keeps activations O(1) and rounding is not amplified.
    kinds = [(32, 32), (40, 56), (320, 300)]
    calib = torch.cat([F.interpolate(to_tensor(smooth_images(rng, 2, h, w)), size=(299, 299), mode='bilinear', align_corners=False) for h, w in kinds])
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        pool3_features(net, calib)
    net.eval()

    images = {
        'a': smooth_images(rng, 3, 32, 32),   # CIFAR-sized: upsampled
        'b': smooth_images(rng, 2, 40, 56),   # non-square
        'c': smooth_images(rng, 1, 320, 300),  # downsampled (no antialiasing in pytorch-fid)
    }
    with torch.no_grad():
        feats = {k: pool3_features(net, to_tensor(v)).numpy() for k, v in images.items()}
        clean_c = pool3_features(net, clean_resize(images['c']), resize='none').numpy()
        # float64 run of the same float32 weights: the exact reference both float32 implementations are measured to
        net64 = fid_inception_v3()
        net64.load_state_dict(net.state_dict())
        net64 = net64.double().eval()
        # (input resized in float32 exactly as pytorch-fid does, then the network in float64)
        resized = {k: F.interpolate(to_tensor(v), size=(299, 299), mode='bilinear', align_corners=False) for k, v in images.items()}
        feats64 = {k: pool3_features(net64, v.double(), resize='none').numpy() for k, v in resized.items()}
        clean64 = pool3_features(net64, clean_resize(images['c']).double(), resize='none').numpy()
    torch32_error = {k: float(np.abs(feats[k] - feats64[k]).max() / np.abs(feats64[k]).max()) for k in feats}

    os.makedirs(OUT, exist_ok=True)
    bn = {}
    state = net.state_dict()
    for k in sd:
        if k.endswith('running_mean') or k.endswith('running_var'):
            bn[k] = state[k].numpy().astype(np.float32)
    write_safetensors(os.path.join(OUT, 'bn-stats.safetensors'), bn, {'format': 'flow-fid-inception-fixture-bn'})
    for k, v in images.items():
        np.save(os.path.join(OUT, f'images-{k}.npy'), v)
    np.savez(os.path.join(OUT, 'features.npz'), a=feats['a'], b=feats['b'], c=feats['c'], clean_c=clean_c,
             a64=feats64['a'], b64=feats64['b'], c64=feats64['c'], clean_c64=clean64)
    set1 = np.concatenate([feats['a']])
    set2 = np.concatenate([feats['b'], feats['c']])
    meta = {
        'torch': torch.__version__,
        'fid_a_vs_bc': frechet(set1, set2),
        'fid_a_vs_bc_float64': frechet(feats64['a'], np.concatenate([feats64['b'], feats64['c']])),
        'torch_float32_relative_error': torch32_error,
        'feature_abs_max': float(max(np.abs(f).max() for f in feats.values())),
        'tensor_sums': {k: float(np.abs(sd[k].astype(np.float64)).sum()) for k in ('Conv2d_1a_3x3.conv.weight', 'Mixed_6e.branch7x7dbl_5.conv.weight', 'Mixed_7c.branch_pool.bn.weight', 'Mixed_7c.branch_pool.bn.bias')},
    }
    with open(os.path.join(OUT, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta, indent=1))
    for k, v in feats.items():
        print(k, v.shape, 'mean', v.mean(), 'std', v.std(), 'max', v.max())
    if args.weights_out:
        full = {k: (state[k].numpy() if k in bn else v) for k, v in sd.items()}
        write_safetensors(args.weights_out, full, {'format': 'pytorch-fid FID Inception state dict (synthetic fixture weights)'})


if __name__ == '__main__':
    main()
