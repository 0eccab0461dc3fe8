import { runCaptured } from './run-captured';
import { versions } from '../src/versions';

// From source the build-time table is absent; the built CLI's table is checked by tools/release-check.mjs.
describe('flow --version', () => {
  it('prints the CLI version line first and exits 0', async () => {
    const { code, out } = await runCaptured(['--version']);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe(`flow ${versions['@flow/cli']}`);
  });
});
