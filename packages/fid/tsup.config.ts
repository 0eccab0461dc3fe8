import { libraryConfig } from '../../tools/tsup-library';

// shims: __dirname in the ESM build (the MNIST weights are found relative to the module).
export default libraryConfig({ shims: true });
