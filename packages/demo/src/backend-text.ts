import type { JobResult } from './job';

// train.json records tfjs's name of the backend, which calls tensorflow-gpu `tensorflow`
const tfjsName = (backend: string) => (backend === 'tensorflow-gpu' ? 'tensorflow' : backend);

/** The run's backend; when a model was trained on another one (reused from an earlier run), each model's. */
export function backendText(input: { backend: string; results: readonly JobResult[] }): string {
  const byBackend = new Map<string, string[]>();
  for (const r of input.results) byBackend.set(r.train.backend, [...(byBackend.get(r.train.backend) ?? []), r.id]);
  const run = `TensorFlow.js backend \`${input.backend}\``;
  if ([...byBackend.keys()].every((b) => tfjsName(b) === tfjsName(input.backend))) return run;
  return `${run} (models trained on ${[...byBackend].map(([b, ids]) => `\`${b}\`: ${ids.join(', ')}`).join('; ')})`;
}
