import { libraryConfig } from '../../tools/tsup-library';

// @flow/native is an optional dependency loaded with import() where present: never bundle it.
export default libraryConfig({ external: ['@flow/native'] });
