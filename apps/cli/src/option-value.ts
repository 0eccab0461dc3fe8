/** The value given to `--name` in argv (`--name v` or `--name=v`; the last one wins, as parseArgs does). */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === `--${name}` && i + 1 < argv.length) value = argv[++i];
    else if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
  }
  return value;
}

/** The option whose value is exactly `value`, if one is; for naming the option a path came from. */
export function optionWithValue(argv: readonly string[], value: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--') && a.includes('=') && a.slice(a.indexOf('=') + 1) === value) return a.slice(2, a.indexOf('='));
    if (a.startsWith('--') && argv[i + 1] === value) return a.slice(2);
  }
  return undefined;
}
