declare const __FLOW_VERSIONS__: Record<string, string> | undefined;

/**
 * `@flow/cli` and every `@flow/*` package it assembles, with their versions, so a result can be traced to a
 * release. Written into the bundle at build time (tools/flow-versions.mjs); run from source (tests) it is
 * `{ '@flow/cli': 'source' }`.
 */
export const versions: Readonly<Record<string, string>> =
  typeof __FLOW_VERSIONS__ === 'undefined' ? { '@flow/cli': 'source' } : __FLOW_VERSIONS__;

/** `flow --version`: the CLI's version on the first line, then one `name version` line per package. */
export function versionText(): string {
  const [first, ...rest] = Object.entries(versions);
  return [`flow ${first?.[1] ?? 'unknown'}`, ...rest.map(([name, version]) => `${name} ${version}`), ''].join('\n');
}
