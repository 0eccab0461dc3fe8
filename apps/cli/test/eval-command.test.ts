import { evalCommand } from '../src/commands/eval';
import { workerCommand } from '../src/commands/worker';
import { UsageError } from '../src/usage-error';

describe('flow eval / flow worker arguments', () => {
  const saved = process.env.FLOW_REDIS_URL;
  beforeAll(() => delete process.env.FLOW_REDIS_URL);
  afterAll(() => {
    if (saved !== undefined) process.env.FLOW_REDIS_URL = saved;
  });

  it('rejects unknown actions and a missing Redis URL or roots', async () => {
    await expect(evalCommand.run(['launch'])).rejects.toThrow(UsageError);
    await expect(evalCommand.run(['status', '--id', 'eval-0'])).rejects.toThrow(/--redis URL \(or FLOW_REDIS_URL\)/);
    await expect(evalCommand.run(['submit', '--redis', 'redis://127.0.0.1:1', '--model', 'm'])).rejects.toThrow(/--solver is required/);
    await expect(workerCommand.run(['--redis', 'redis://127.0.0.1:1'])).rejects.toThrow(/--roots is required/);
  });

  it('never prints the password of a Redis URL it rejects', async () => {
    await expect(evalCommand.run(['status', '--id', 'eval-0', '--redis', 'http://:topsecret99@h:1'])).rejects.toThrow(/^Redis URL http:\/\/:\*\*\*@h:1\/: expected the redis:\/\/ or rediss:\/\/ scheme/);
  });
});
