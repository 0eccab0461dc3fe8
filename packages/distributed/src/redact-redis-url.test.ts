import { redactRedisUrl, scrubRedisSecrets } from './redact-redis-url';

describe('redactRedisUrl', () => {
  it('hides passwords and user names, keeps host, port, db and the TLS scheme', () => {
    expect(redactRedisUrl('redis://:hunter2@10.0.0.5:6379/2')).toBe('redis://:***@10.0.0.5:6379/2');
    expect(redactRedisUrl('rediss://alice:p%40ss@cache.example:6380')).toBe('rediss://***:***@cache.example:6380');
    expect(redactRedisUrl('redis://default:pw@h:1')).toBe('redis://default:***@h:1');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('not a url with secret')).toBe('<unparseable Redis URL>');
  });

  it('scrubs the URL and the password (raw or decoded) out of any text', () => {
    const url = 'rediss://u:p%40ssw0rd@h:6380';
    expect(scrubRedisSecrets(`failed on ${url}: p@ssw0rd rejected (p%40ssw0rd)`, url)).toBe('failed on rediss://***:***@h:6380: *** rejected (***)');
  });
});
