import { Redis } from 'ioredis';
import { DistributedInputError } from './errors';
import { redactRedisUrl } from './redact-redis-url';

/**
 * An ioredis connection for BullMQ. `redis://` or `rediss://` (TLS); the password comes from the URL. A worker's
 * connection (`persistent`) waits through outages and reconnects forever (`maxRetriesPerRequest: null`, as
 * BullMQ workers require); a client's (submit, status) gives up after a few seconds, so a command never hangs
 * on an unreachable Redis. Connection errors are reported once per outage through `onError`, URL redacted.
 */
export function connectRedis(url: string, onError: (message: string) => void = () => undefined, persistent = false): Redis {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new DistributedInputError(`Redis URL ${redactRedisUrl(url)}: expected redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://...`);
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new DistributedInputError(`Redis URL ${redactRedisUrl(url)}: expected the redis:// or rediss:// scheme, got ${protocol}`);
  const redis = persistent
    ? new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(200 * times, 2000) })
    : new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000, retryStrategy: (times) => (times > 5 ? null : 200 * times) });
  let reported = false;
  redis.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    // ioredis messages carry host:port at most, never the password; redact anyway in case a URL slips in.
    onError(`Redis ${redactRedisUrl(url)}: ${error.message.split(url).join(redactRedisUrl(url))}`);
  });
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}
