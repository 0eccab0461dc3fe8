import { libraryConfig } from '../../tools/tsup-library';

// shims: __dirname / import.meta.url in both builds.
export default libraryConfig({ shims: true });
