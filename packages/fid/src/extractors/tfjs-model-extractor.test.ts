import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createExtractor } from './create-extractor';
import { TfjsModelExtractor } from './tfjs-model-extractor';

function concat(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((a, b) => a + b.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

describe('TensorFlow.js model extractor (layers model from a local folder)', () => {
  let dir = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // no tfjs-node banner in test output
    dir = mkdtempSync(path.join(tmpdir(), 'fid-tfjs-'));
    const model = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 1] }), tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }) })],
    });
    await model.save({
      save: async (artifacts) => {
        writeFileSync(path.join(dir, 'weights.bin'), concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
        writeFileSync(
          path.join(dir, 'model.json'),
          JSON.stringify({ format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }),
        );
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('features equal the model applied to the images mapped to its input range', async () => {
    const ex = await TfjsModelExtractor.load(dir, { inputRange: [-1, 1] });
    const images = Float32Array.from({ length: 5 * 16 }, (_, i) => (i % 7) / 6);
    const features = await ex.extract({ data: images, count: 5, height: 4, width: 4, channels: 1 });
    expect(ex.dim).toBe(3);
    // Same network through tfjs-layers directly.
    const direct = await tfl.loadLayersModel({
      load: async () => {
        const fs = await import('node:fs');
        const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
        const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
        return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
      },
    });
    const x = tf.tensor4d(images.map((v) => -1 + 2 * v), [5, 4, 4, 1]);
    const expected = (direct.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < expected.length; i++) expect(features[i]).toBeCloseTo(expected[i], 5);
    ex.dispose();
  });

  test('createExtractor names: tfjs:PATH, mnist, identity; unknown names and missing folders are input errors', async () => {
    const ex = await createExtractor(`tfjs:${dir}`);
    expect(ex.name).toBe(`tfjs:${dir}`);
    await expect(createExtractor('inception')).rejects.toThrow(/unknown extractor/);
    await expect(createExtractor(`tfjs:${path.join(dir, 'missing')}`)).rejects.toThrow(/model\.json/);
    const id = await createExtractor('identity');
    const f = await id.extract({ data: Float32Array.from([1, 2, 3, 4]), count: 2, height: 1, width: 2, channels: 1 });
    expect(Array.from(f)).toEqual([1, 2, 3, 4]);
    expect(id.dim).toBe(2);
  });
});
