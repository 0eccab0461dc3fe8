import { backendText } from '../src/backend-text';
import type { JobResult } from '../src/job';

const model = (id: string, backend: string) => ({ id, train: { backend } }) as JobResult;

describe('backendText (the report names the backend of every model)', () => {
  it('names the run\'s backend once when every model was trained on it', () => {
    expect(backendText({ backend: 'wasm', results: [model('a', 'wasm'), model('b', 'wasm')] })).toBe('TensorFlow.js backend `wasm`');
    // tfjs calls tensorflow-gpu `tensorflow`
    expect(backendText({ backend: 'tensorflow-gpu', results: [model('a', 'tensorflow')] })).toBe('TensorFlow.js backend `tensorflow-gpu`');
  });

  it('names each model\'s backend when one differs (a model reused from an earlier run)', () => {
    expect(backendText({ backend: 'wasm', results: [model('a', 'wasm'), model('b', 'cpu'), model('c', 'cpu')] })).toBe(
      'TensorFlow.js backend `wasm` (models trained on `wasm`: a; `cpu`: b, c)',
    );
  });
});
