import { libraryConfig } from '../../tools/tsup-library';

// shims: __dirname in the ESM build (the addon is found relative to the package root).
export default libraryConfig({ shims: true });
