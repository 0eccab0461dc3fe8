declare const __FLOW_VERSIONS__: Record<string, string> | undefined;

/**
 * `@flow/bench` and the `@flow/*` packages it measures, with their versions (written into the bundle at build
 * time by tools/flow-versions.mjs; `{ '@flow/bench': 'source' }` when run from source).
 */
export const benchVersions: Readonly<Record<string, string>> =
  typeof __FLOW_VERSIONS__ === 'undefined' ? { '@flow/bench': 'source' } : __FLOW_VERSIONS__;
