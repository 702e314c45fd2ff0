/** Jest runs every test under test/ (mirroring kernel/ and src/); benchmarks live in test/bench and never run here. */
const fs = require('fs');
const path = require('path');
const { filesNeedingShared } = require('./test/setup/needs-shared');

// Without ../shared (a newcomer's clone) the tests that read it are left out, and said so; CI has it.
const SHARED = path.resolve(__dirname, '..', 'shared');
const withoutShared =
  !fs.existsSync(path.join(SHARED, 'README.md')) && process.env.CI !== 'true'
    ? filesNeedingShared(path.join(__dirname, 'test'))
    : [];
if (withoutShared.length > 0) {
  process.stderr.write(
    `jest: ${SHARED} not found (the developers' fixtures and real sample data): leaving out ` +
      `${withoutShared.length} test files that read it:\n` +
      withoutShared.map(f => `  ${path.relative(__dirname, f)}\n`).join('')
  );
}
const escape = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  testEnvironment: '<rootDir>/test/setup/node-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/bench/', ...withoutShared.map(f => `${escape(f)}$`)],
  transform: {
    // tsconfig.test.json sets isolatedModules: ts-jest transpiles each file alone (fast); `npm test` type-checks
    // kernel and tests first (`npm run build`, then `npm run typecheck:test` = tsc -p tsconfig.test.json).
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testTimeout: 120000
};
