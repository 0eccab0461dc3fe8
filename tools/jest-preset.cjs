// Shared jest settings: swc transpiles TypeScript; workspace imports resolve to source so tests never need a build.
const path = require('node:path');
const root = path.resolve(__dirname, '..');
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: { '^@flow/([a-z0-9-]+)$': path.join(root, 'packages/$1/src/index.ts') },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 120000,
};
