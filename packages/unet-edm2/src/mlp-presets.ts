import { UnknownPresetError } from './errors';
import { defaultMlpConfig, type MlpConfig } from './mlp-velocity-net';

export interface MlpPreset {
  name: string;
  description: string;
  config: MlpConfig;
}

/** Velocity-MLP presets for vector data. */
export const mlpPresets: readonly MlpPreset[] = [
  { name: 'mlp-2d', description: '2-D toys (two-mode-2d, ...): 3 hidden layers of 128, SiLU, 16 time features', config: { ...defaultMlpConfig } },
  { name: 'mlp-2d-wide', description: '2-D toys, larger: 4 hidden layers of 256, SiLU', config: { ...defaultMlpConfig, hidden: 256, depth: 4 } },
  { name: 'mlp-2d-paper', description: "the curvature paper's 2-D toy: 3 tanh layers of 100 units", config: { ...defaultMlpConfig, hidden: 100, depth: 3, activation: 'tanh' } },
];

export function mlpPresetNames(): string[] {
  return mlpPresets.map((p) => p.name);
}

export function getMlpPreset(name: string): MlpPreset {
  const p = mlpPresets.find((q) => q.name === name);
  if (!p) throw new UnknownPresetError(name, mlpPresetNames());
  return { ...p, config: { ...p.config } };
}
