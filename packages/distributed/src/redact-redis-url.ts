/**
 * A Redis URL safe to print: the password (and a user name, which some providers make secret too) replaced by
 * `***`. Anything unparseable is not echoed at all.
 */
export function redactRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<unparseable Redis URL>';
  }
  if (u.password !== '') u.password = '***';
  if (u.username !== '' && u.username !== 'default') u.username = '***';
  return u.toString();
}

/** `text` with every occurrence of the URL's password (raw or percent-encoded) and of the URL itself replaced. */
export function scrubRedisSecrets(text: string, url: string): string {
  let out = text.split(url).join(redactRedisUrl(url));
  try {
    const { password } = new URL(url);
    for (const secret of new Set([password, decodeURIComponent(password)])) if (secret.length >= 3) out = out.split(secret).join('***');
  } catch {
    // an unparseable URL has no password to find
  }
  return out;
}
