import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { UnetConfig } from '@flow/unet-edm2';

export interface TorchPeer {
  executable: string;
  torch: string;
}

export interface TorchPeerResult {
  torch: string;
  threads: number;
  parameters: number;
  rows: { batch: number; pass: 'forward' | 'forward+backward'; seconds: number; repeats: number; images_per_second: number }[];
}

/**
 * python3 with torch importable (FLOW_BENCH_PYTHON, else python3 on PATH, else the system's /usr/bin/python3,
 * where Debian's python3-torch lives), or why not (the peer columns are then skipped).
 */
export function findTorchPeer(): TorchPeer | string {
  const candidates = process.env.FLOW_BENCH_PYTHON ? [process.env.FLOW_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  for (const executable of candidates) {
    const r = spawnSync(executable, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout) return { executable, torch: r.stdout.trim() };
  }
  return `${candidates.map((c) => `${c} -c "import torch"`).join(' and ')} failed`;
}

/** The PyTorch network script, shipped beside dist/ (python/edm2_unet_peer.py). */
export function torchPeerScript(): string {
  const p = fileURLToPath(new URL('../python/edm2_unet_peer.py', import.meta.url));
  if (!existsSync(p)) throw new Error(`PyTorch peer script not found at ${p}`);
  return p;
}

/** Builds the same U-Net in PyTorch from `config` and times forward and forward+backward per batch size. */
export function runTorchPeer(peer: TorchPeer, config: UnetConfig, batches: number[], threads: number, budget: number, maxRepeats: number, warmups = 1): TorchPeerResult {
  const args = [torchPeerScript(), JSON.stringify(config), batches.join(','), String(threads), String(budget), String(maxRepeats), String(warmups)];
  const r = spawnSync(peer.executable, args, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`PyTorch peer failed (exit ${r.status})`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as TorchPeerResult;
}
