import { countParameters, getUnetPreset, unetLayout, unetPresets } from './index';

describe('parameter counts', () => {
  // EDM2 paper, Table 2 (ImageNet-512), Mparams of XS..XXL.
  const paper: Record<string, number> = {
    'edm2-img512-xs': 125,
    'edm2-img512-s': 280,
    'edm2-img512-m': 498,
    'edm2-img512-l': 777,
    'edm2-img512-xl': 1119,
    'edm2-img512-xxl': 1523,
  };
  it.each(Object.entries(paper))('%s matches the paper within 0.5%%', (name, mparams) => {
    const n = countParameters(getUnetPreset(name).config);
    expect(Math.abs(n / 1e6 - mparams) / mparams).toBeLessThan(0.005);
  });

  it('pins the exact counts of the official network definition', () => {
    // Summed by hand over networks_edm2.py's modules (UNet + Precond.logvar_linear), buffers excluded.
    expect(countParameters(getUnetPreset('edm2-img512-xs').config)).toBe(124713253);
    expect(countParameters(getUnetPreset('edm2-img512-s').config)).toBe(280212837);
    expect(countParameters(getUnetPreset('edm2-img512-xxl').config)).toBe(1523164773);
  });

  it('every preset has a count and the paper value where known', () => {
    for (const p of unetPresets) {
      const n = countParameters(p.config);
      expect(n).toBeGreaterThan(0);
      if (p.paperMParams !== undefined) expect(Math.abs(n / 1e6 - p.paperMParams) / p.paperMParams).toBeLessThan(0.005);
    }
  });

  it('C and E lack only the learned gains of G', () => {
    const g = getUnetPreset('mnist').config;
    const e = { ...g, config: 'E' as const };
    const c = { ...g, config: 'C' as const };
    const layout = unetLayout(g);
    const gains = layout.encoder.length + layout.decoder.length + 1; // emb_gain per block + out_gain
    expect(countParameters(e)).toBe(countParameters(c));
    expect(countParameters(g) - countParameters(e)).toBeGreaterThan(0);
    expect(countParameters(g) - countParameters(e)).toBe(gains);
  });
});
