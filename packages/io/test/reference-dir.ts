import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** ../shared/reference relative to the repository root; tests that need it skip when it is absent. */
export const referenceDir = resolve(__dirname, '../../../../shared/reference');
export const hasReference = existsSync(referenceDir);
