"""pytorch-fid's FID Inception v3 built on torchvision's Inception3 (same structure and state-dict names as
pytorch-fid's fid_inception_v3(): FIDInceptionA/C/E_1/E_2 blocks), written here so the fixture needs only
torch + torchvision, plus the seeded weight generator that @flow/fid re-implements in TypeScript."""
import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models import inception as tvi


class FIDInceptionA(tvi.InceptionA):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        # TF's average pool does not count padded zeros
        bp = self.branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, bd, bp], 1)


class FIDInceptionC(tvi.InceptionC):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for m in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = m(bd)
        bp = self.branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, bd, bp], 1)


class _FIDInceptionE(tvi.InceptionE):
    use_max = False

    def forward(self, x):
        b1 = self.branch1x1(x)
        h = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(h), self.branch3x3_2b(h)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if self.use_max:
            p = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            p = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([b1, b3, bd, self.branch_pool(p)], 1)


class FIDInceptionE_1(_FIDInceptionE):
    use_max = False


class FIDInceptionE_2(_FIDInceptionE):
    use_max = True


def fid_inception_v3():
    net = tvi.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    net.Mixed_5b = FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = FIDInceptionE_1(1280)
    net.Mixed_7c = FIDInceptionE_2(2048)
    return net


def pool3_features(net, x, resize='bilinear'):
    """pytorch-fid's InceptionV3 forward (resize_input, normalize_input) up to the 2048-d pool3 output.
    x: (n, 3, h, w) float in [0, 1]."""
    if resize == 'bilinear':
        x = F.interpolate(x, size=(299, 299), mode='bilinear', align_corners=False)
    x = 2 * x - 1
    for name in ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3'):
        x = getattr(net, name)(x)
    x = F.max_pool2d(x, 3, stride=2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, 3, stride=2)
    for name in ('Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e', 'Mixed_7a', 'Mixed_7b', 'Mixed_7c'):
        x = getattr(net, name)(x)
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


def _fnv1a(name):
    h = 0x811C9DC5
    for ch in name.encode():
        h = ((h ^ ch) * 0x01000193) & 0xFFFFFFFF
    return h


def hash_uniform(name, n):
    """n values in [-0.5, 0.5), exact in float32, from a hash of (name, index): the generator
    syntheticInceptionTensors() in @flow/fid reproduces bit for bit."""
    with np.errstate(over='ignore'):
        x = np.arange(n, dtype=np.uint32) * np.uint32(0x9E3779B1)
        x ^= np.uint32(_fnv1a(name))
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x85EBCA6B)
        x ^= x >> np.uint32(13)
        x *= np.uint32(0xC2B2AE35)
        x ^= x >> np.uint32(16)
    return ((x >> np.uint32(8)).astype(np.float32) / np.float32(2 ** 24) - np.float32(0.5)).astype(np.float32)


def synthetic_state_dict(net):
    """Conv weights uniform with variance 2 / fan_in (He), batch-norm gamma in [0.875, 1.125), beta in
    [-0.1, 0.1); running mean 0 and variance 1 (calibrated afterwards by the fixture script)."""
    sd = {}
    for name, t in net.state_dict().items():
        if name.startswith('fc.') or name.endswith('num_batches_tracked'):
            continue
        n = t.numel()
        if name.endswith('conv.weight'):
            fan_in = int(np.prod(t.shape[1:]))
            v = hash_uniform(name, n) * np.float32(np.sqrt(24.0 / fan_in))
        elif name.endswith('bn.weight'):
            v = np.float32(1) + hash_uniform(name, n) * np.float32(0.25)
        elif name.endswith('bn.bias'):
            v = hash_uniform(name, n) * np.float32(0.2)
        elif name.endswith('running_mean'):
            v = np.zeros(n, np.float32)
        elif name.endswith('running_var'):
            v = np.ones(n, np.float32)
        else:
            raise ValueError(name)
        sd[name] = v.reshape(tuple(t.shape))
    return sd
