// Entry of the test worker processes (the package is ESM, so a .ts main would not go through the require hook).
require('../../../tools/register-ts-sources.cjs');
require('./worker-main.ts');
