import { libraryConfig } from '../../tools/tsup-library';

// shims: __filename in the ESM build (the lock keeper thread finds ioredis relative to the module).
export default libraryConfig({ shims: true });
