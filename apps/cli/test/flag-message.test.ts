import { flagMessage } from '../src/flag-message';

describe('flagMessage', () => {
  it('puts the flag where a library error names its field', () => {
    expect(flagMessage({ field: 'steps' }, 'steps must be a positive integer, got 0')).toBe('--steps must be a positive integer, got 0');
    expect(flagMessage({ field: 'lrRefSteps' }, 'lrRefSteps must be >= 0')).toBe('--lr-ref-steps must be >= 0');
    expect(flagMessage({ field: 'couplingOptions.beta' }, 'couplingOptions.beta must be a number >= 0, got -1')).toBe('--beta must be a number >= 0, got -1');
    expect(flagMessage({ field: 'backend' }, 'backend webgpu: no WebGPU adapter found')).toBe('--backend webgpu: no WebGPU adapter found');
  });

  it('leaves other messages alone', () => {
    expect(flagMessage(new Error('x.npy: truncated'), 'x.npy: truncated')).toBe('x.npy: truncated');
    expect(flagMessage({ field: 'steps' }, 'flow train: something else')).toBe('flow train: something else');
  });
});
