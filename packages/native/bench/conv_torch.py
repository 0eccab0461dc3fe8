# PyTorch 1.13 CPU peer of bench/conv.mjs: the same layers (NCHW), best of 20, forward / grad input / grad weight.
import sys, time, os, torch
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load {os.getloadavg()[0]:.2f}")
for n, s, c, co in [(16, 28, 16, 16), (16, 14, 32, 32), (16, 7, 32, 32), (16, 32, 32, 32), (16, 16, 64, 64), (16, 8, 64, 64)]:
    x = torch.randn(n, c, s, s, requires_grad=True); w = torch.randn(co, c, 3, 3, requires_grad=True)
    flops = 2 * n * s * s * c * co * 9
    cells = []
    y = torch.nn.functional.conv2d(x, w, padding=1); gy = torch.randn_like(y)
    for name, fn in [("fwd", lambda: torch.nn.functional.conv2d(x, w, padding=1)),
                     ("bwd-in", lambda: torch.autograd.grad(y, x, gy, retain_graph=True)),
                     ("bwd-f", lambda: torch.autograd.grad(y, w, gy, retain_graph=True))]:
        best = 1e9
        for r in range(20):
            t0 = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t0)
        cells.append(f"{name} {best*1e3:.2f} ms {flops/best/1e9:.0f} GF/s")
    print(f"{n}x{s}x{s}x{c}->{co}: " + " | ".join(cells))
