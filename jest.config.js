/** Jest runs every test under test/ (mirroring kernel/ and src/); benchmarks live in test/bench and never run here. */
module.exports = {
  testEnvironment: '<rootDir>/test/setup/node-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/bench/'],
  transform: {
    // tsconfig.test.json sets isolatedModules: ts-jest transpiles each file alone (fast); `npm run build`
    // (which `npm test` runs first) and `npx tsc -p tsconfig.test.json` do the type checking.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testTimeout: 120000
};
