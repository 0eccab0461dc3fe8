"""PyTorch CPU peer of `flow-bench train`: the EDM2 U-Net of @flow/unet-edm2, layer for layer, in NCHW float32.

Written from the TypeScript network (packages/unet-edm2/src: unet-layout.ts, edm2-unet.ts, mp-ops.ts,
mp-conv.ts, preconditioning.ts), not from any other code base. The layout is derived here from the same
config JSON on its own, so the parameter count it prints checks that both sides built the same network.

usage: python3 edm2_unet_peer.py CONFIG_JSON BATCHES THREADS BUDGET_S MAX_REPEATS
  CONFIG_JSON  the preset's UnetConfig as JSON (a string)
  BATCHES      comma-separated batch sizes
Prints one JSON object on its last line:
  {"torch", "threads", "parameters", "rows": [{"batch", "pass", "seconds", "repeats", "images_per_second"}]}
usage: python3 edm2_unet_peer.py check CONFIG_JSON NPZ
  loads the TS network's weights (tfjs layout, TS names) and runs its input; prints the largest difference
  from its output (scripts/check-torch-peer.mjs writes the NPZ: outputs agree to ~1e-6 of their scale).
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

FLAGS = {
    'C': dict(mp_learned=False, group_norm=True, pixel_norm=False, mp_fixed=False, gains=False),
    'E': dict(mp_learned=True, group_norm=True, pixel_norm=False, mp_fixed=False, gains=False),
    'G': dict(mp_learned=True, group_norm=False, pixel_norm=True, mp_fixed=True, gains=True),
}


def normalize(x, dims, eps=1e-4):
    n = 1
    for d in dims:
        n *= x.shape[d]
    norm = torch.sqrt(torch.sum(x * x, dim=dims, keepdim=True))
    return x / (norm / math.sqrt(n) + eps)


def mp_silu(x):
    return F.silu(x) / 0.596


def mp_sum(a, b, t):
    s = 1 / math.sqrt((1 - t) ** 2 + t ** 2)
    return a * ((1 - t) * s) + b * (t * s)


def mp_cat(a, b, t):
    na, nb = a.shape[1], b.shape[1]
    c = math.sqrt((na + nb) / ((1 - t) ** 2 + t ** 2))
    return torch.cat([a * (c / math.sqrt(na) * (1 - t)), b * (c / math.sqrt(nb) * t)], dim=1)


def rms_group_norm(x, max_groups=32, eps=1e-4):
    n, c, h, w = x.shape
    g = min(max_groups, c)
    while c % g:
        g -= 1
    return normalize(x.reshape(n, g, c // g, h, w), [2, 3, 4], eps).reshape(n, c, h, w)


class Layer(torch.nn.Module):
    """An MPConv (kernel 3 / 1) or fully-connected layer (kernel 0); weight normalised in the forward pass."""

    def __init__(self, cin, cout, kernel, mp, name):
        super().__init__()
        self.ts_name = name  # the TS variable is `${name}.weight`, [k, k, cin, cout] or [cin, cout]
        shape = (cout, cin) if kernel == 0 else (cout, cin, kernel, kernel)
        self.weight = torch.nn.Parameter(torch.randn(shape))
        self.kernel = kernel
        self.mp = mp
        self.fan_in = cin * max(kernel, 1) ** 2

    def forward(self, x, gain=1.0):
        w = self.weight
        if self.mp:
            w = normalize(w, list(range(1, w.ndim))) * (gain / math.sqrt(self.fan_in))
        elif not (isinstance(gain, float) and gain == 1.0):
            w = w * gain
        if self.kernel == 0:
            return x @ w.t()
        return F.conv2d(x, w, padding=self.kernel // 2)


class Block(torch.nn.Module):
    def __init__(self, name, cfg, fl, cin, cout, cemb, flavor, resample, attention):
        super().__init__()
        self.ts_name = name
        self.cfg, self.fl, self.flavor, self.resample = cfg, fl, flavor, resample
        mp = fl['mp_learned']
        self.heads = cout // cfg['channelsPerHead'] if attention else 0
        self.conv_res0 = Layer(cout if flavor == 'enc' else cin, cout, 3, mp, f'{name}.conv_res0')
        self.emb_linear = Layer(cemb, cout, 0, mp, f'{name}.emb_linear')
        self.conv_res1 = Layer(cout, cout, 3, mp, f'{name}.conv_res1')
        self.conv_skip = Layer(cin, cout, 1, mp, f'{name}.conv_skip') if cin != cout else None
        self.attn_qkv = Layer(cout, cout * 3, 1, mp, f'{name}.attn_qkv') if self.heads else None
        self.attn_proj = Layer(cout, cout, 1, mp, f'{name}.attn_proj') if self.heads else None
        self.emb_gain = torch.nn.Parameter(torch.zeros([])) if fl['gains'] else None

    def act(self, x):
        return mp_silu(x) if self.fl['mp_fixed'] else F.silu(x)

    def pre(self, x):
        return rms_group_norm(x) if self.fl['group_norm'] else x

    def sum(self, a, b, t):
        return mp_sum(a, b, t) if self.fl['mp_fixed'] else a + b

    def forward(self, x, emb):
        if self.resample == 'down':
            x = F.avg_pool2d(x, 2)
        elif self.resample == 'up':
            x = F.interpolate(x, scale_factor=2, mode='nearest')
        if self.flavor == 'enc':
            if self.conv_skip is not None:
                x = self.conv_skip(x)
            if self.fl['pixel_norm']:
                x = normalize(x, [1])
        y = self.conv_res0(self.act(self.pre(x)))
        c = self.emb_linear(emb, self.emb_gain if self.emb_gain is not None else 1.0) + 1
        y = self.act(self.pre(y) * c[:, :, None, None])
        y = self.conv_res1(y)
        if self.flavor == 'dec' and self.conv_skip is not None:
            x = self.conv_skip(x)
        x = self.sum(x, y, self.cfg['resBalance'])
        if self.heads:
            n, c_, h, w = x.shape
            cph = c_ // self.heads
            # Output channel o of qkv = (head * cph + channel) * 3 + (q, k, v), as in the TS network.
            y = self.attn_qkv(self.pre(x)).reshape(n, self.heads, cph, 3, h * w)
            y = normalize(y, [2])
            q, k, v = y.unbind(3)
            a = torch.softmax(torch.einsum('nhcq,nhck->nhqk', q, k) / math.sqrt(cph), dim=3)
            y = torch.einsum('nhqk,nhck->nhcq', a, v).reshape(n, c_, h, w)
            x = self.sum(x, self.attn_proj(y), self.cfg['attnBalance'])
        if self.cfg['clipAct'] > 0:
            x = torch.clamp(x, -self.cfg['clipAct'], self.cfg['clipAct'])
        return x


class Unet(torch.nn.Module):
    """UNet + flow preconditioning (+ the log-variance head, counted in the parameters as the TS side does)."""

    def __init__(self, cfg):
        super().__init__()
        fl = FLAGS[cfg['config']]
        self.cfg, self.fl = cfg, fl
        mp = fl['mp_learned']
        C = cfg['modelChannels']
        cblock = [C * m for m in cfg['channelMult']]
        cnoise = C * cfg['channelMultNoise'] if cfg.get('channelMultNoise') is not None else cblock[0]
        cemb = C * cfg['channelMultEmb'] if cfg.get('channelMultEmb') is not None else max(cblock)
        attn = set(cfg['attnResolutions'])
        self.register_buffer('freqs', 2 * math.pi * torch.randn(cnoise))
        self.register_buffer('phases', 2 * math.pi * torch.rand(cnoise))
        self.emb_noise = Layer(cnoise, cemb, 0, mp, 'unet.emb_noise')
        self.emb_label = Layer(cfg['labelDim'], cemb, 0, mp, 'unet.emb_label') if cfg['labelDim'] else None
        self.enc = torch.nn.ModuleList()
        skips = []
        cout = cfg['channels'] + 1
        for level, channels in enumerate(cblock):
            res = cfg['resolution'] >> level
            if level == 0:
                self.enc_conv = Layer(cout, channels, 3, mp, f'unet.enc.{res}x{res}_conv')
                cout = channels
            else:
                self.enc.append(Block(f'unet.enc.{res}x{res}_down', cfg, fl, cout, cout, cemb, 'enc', 'down', False))
            skips.append(cout)
            for i in range(cfg['numBlocks']):
                self.enc.append(Block(f'unet.enc.{res}x{res}_block{i}', cfg, fl, cout, channels, cemb, 'enc', 'keep', res in attn))
                cout = channels
                skips.append(cout)
        self.dec = torch.nn.ModuleList()
        self.takes_skip = []
        for level in range(len(cblock) - 1, -1, -1):
            channels = cblock[level]
            res = cfg['resolution'] >> level
            if level == len(cblock) - 1:
                self.dec.append(Block(f'unet.dec.{res}x{res}_in0', cfg, fl, cout, cout, cemb, 'dec', 'keep', True))
                self.dec.append(Block(f'unet.dec.{res}x{res}_in1', cfg, fl, cout, cout, cemb, 'dec', 'keep', False))
                self.takes_skip += [False, False]
            else:
                self.dec.append(Block(f'unet.dec.{res}x{res}_up', cfg, fl, cout, cout, cemb, 'dec', 'up', False))
                self.takes_skip.append(False)
            for i in range(cfg['numBlocks'] + 1):
                cin = cout + skips.pop()
                self.dec.append(Block(f'unet.dec.{res}x{res}_block{i}', cfg, fl, cin, channels, cemb, 'dec', 'keep', res in attn))
                self.takes_skip.append(True)
                cout = channels
        self.out_conv = Layer(cout, cfg['channels'], 3, mp, 'unet.out_conv')
        self.out_gain = torch.nn.Parameter(torch.zeros([])) if fl['gains'] else None
        self.logvar_linear = Layer(cfg['logvarChannels'], 1, 0, mp, 'logvar_linear')

    def load_ts(self, tensors):
        """Copies the TS network's variables (name -> array in tfjs layout) into this one; returns the names used."""
        used = set()
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, Layer):
                    w = torch.as_tensor(tensors[f'{m.ts_name}.weight'])
                    m.weight.copy_(w.t() if w.ndim == 2 else w.permute(3, 2, 0, 1))
                    used.add(f'{m.ts_name}.weight')
                elif isinstance(m, Block) and m.emb_gain is not None:
                    m.emb_gain.fill_(float(tensors[f'{m.ts_name}.emb_gain']))
                    used.add(f'{m.ts_name}.emb_gain')
            if self.out_gain is not None:
                self.out_gain.fill_(float(tensors['unet.out_gain']))
                used.add('unet.out_gain')
            self.freqs.copy_(torch.as_tensor(tensors['unet.emb_fourier.freqs']))
            self.phases.copy_(torch.as_tensor(tensors['unet.emb_fourier.phases']))
        return used

    def act(self, x):
        return mp_silu(x) if self.fl['mp_fixed'] else F.silu(x)

    def raw(self, x, c_noise):
        cfg = self.cfg
        f = self.freqs[None, :] * c_noise[:, None]
        if self.fl['mp_fixed']:
            f = math.sqrt(2) * torch.cos(f + self.phases[None, :])
        else:
            half = self.freqs.shape[0] // 2
            f = torch.cat([torch.cos(f[:, : self.freqs.shape[0] - half]), torch.sin(f[:, :half])], dim=1)
        emb = self.emb_noise(f)
        if self.emb_label is not None:
            e = self.emb_label(torch.zeros(x.shape[0], cfg['labelDim']))
            emb = mp_sum(emb, e, cfg['labelBalance']) if self.fl['mp_fixed'] else emb + e
        emb = self.act(emb)
        x = self.enc_conv(torch.cat([x, torch.ones_like(x[:, :1])], dim=1))
        skips = [x]
        for b in self.enc:
            x = b(x, emb)
            skips.append(x)
        for b, takes in zip(self.dec, self.takes_skip):
            if takes:
                s = skips.pop()
                x = mp_cat(x, s, cfg['concatBalance']) if self.fl['mp_fixed'] else torch.cat([x, s], dim=1)
            x = b(x, emb)
        if self.out_gain is not None:
            return self.out_conv(x, self.out_gain)
        y = rms_group_norm(x) if self.fl['group_norm'] else x
        return self.out_conv(F.silu(y))

    def forward(self, x, t):
        sd = self.cfg['sigmaData']
        s2 = (1 - t) ** 2 + t * t * sd * sd
        s = torch.sqrt(s2)
        tc = torch.clamp(t, 1e-5, 1 - 1e-5)
        c_in, c_skip, c_out = 1 / s, (t * sd * sd - (1 - t)) / s2, sd / s
        c_noise = torch.log((1 - tc) / tc) / 4
        col = lambda v: v[:, None, None, None]
        return x * col(c_skip) + self.raw(x * col(c_in), c_noise) * col(c_out)


def timed(fn, max_repeats, budget, warmups=1):
    """Best wall time after `warmups` warm-up runs, stopping once `budget` seconds are spent (as the TS side does)."""
    best, spent, repeats = math.inf, 0.0, 0
    for r in range(1 - warmups, max_repeats + 1):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        spent += dt
        if r > 0 or spent >= budget:
            best = min(best, dt)
            repeats += 1
        if spent >= budget:
            break
    return best, repeats


def check(cfg, npz_path):
    """`check CONFIG NPZ`: the TS network's weights, input and output (NHWC) in NPZ; prints the largest difference."""
    import numpy as np
    data = np.load(npz_path)
    net = Unet(cfg)
    used = net.load_ts({k: data[k] for k in data.files})
    params = {k for k in data.files if not k.startswith('io.') and 'fourier' not in k}
    missing = sorted(params - used)
    x = torch.as_tensor(data['io.x']).permute(0, 3, 1, 2)
    with torch.no_grad():
        y = net(x, torch.as_tensor(data['io.t'])).permute(0, 2, 3, 1).numpy()
    ref = data['io.y']
    print(json.dumps({'parameters': sum(p.numel() for p in net.parameters()), 'unused_ts_tensors': missing,
                      'max_abs_diff': float(np.abs(y - ref).max()), 'max_abs_ref': float(np.abs(ref).max())}))


def main():
    if sys.argv[1] == 'check':
        check(json.loads(sys.argv[2]), sys.argv[3])
        return
    cfg = json.loads(sys.argv[1])
    batches = [int(b) for b in sys.argv[2].split(',') if b]
    threads = int(sys.argv[3])
    budget = float(sys.argv[4])
    max_repeats = int(sys.argv[5])
    warmups = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = Unet(cfg)
    # Open the zero-initialised gains, as the TS benchmark does, so backward does a trained network's work.
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith('_gain'):
                p.fill_(1.0)
    parameters = sum(p.numel() for p in net.parameters())
    rows = []
    for batch in batches:
        g = torch.Generator().manual_seed(batch)
        shape = (batch, cfg['channels'], cfg['resolution'], cfg['resolution'])
        x = torch.randn(shape, generator=g)
        target = torch.randn(shape, generator=g)
        t = torch.rand(batch, generator=g)

        def forward():
            with torch.no_grad():
                net(x, t)

        def forward_backward():
            net.zero_grad(set_to_none=True)
            loss = torch.mean((net(x, t) - target) ** 2)
            loss.backward()

        for name, fn in (('forward', forward), ('forward+backward', forward_backward)):
            seconds, repeats = timed(fn, max_repeats, budget, warmups)
            rows.append({'batch': batch, 'pass': name, 'seconds': seconds, 'repeats': repeats, 'images_per_second': batch / seconds})
            print(f'  torch batch {batch} {name}: {batch / seconds:.1f} img/s', file=sys.stderr)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'parameters': parameters, 'rows': rows}))


if __name__ == '__main__':
    main()
