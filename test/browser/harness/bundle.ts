/** The renderer test page bundle: harness/entry.ts + our extension, built by webpack (cached). */
import * as fs from 'fs';
import * as path from 'path';
import { buildBundle, commonRules, EXTENSION_INPUTS } from '../support/bundle';

export function buildHarness(): Promise<{ dir: string; cached: boolean }> {
  return buildBundle({
    name: 'renderers',
    inputs: [...EXTENSION_INPUTS, __dirname],
    config: outDir => ({
      mode: 'development',
      devtool: false,
      entry: path.join(__dirname, 'entry.ts'),
      output: { path: outDir, filename: 'harness.js' },
      resolve: { extensions: ['.ts', '.js'] },
      module: { rules: commonRules() },
      // Our package.json marks only style/ as having side effects; the test entries import styles too.
      optimization: { sideEffects: false },
      performance: { hints: false },
      infrastructureLogging: { level: 'error' },
      stats: 'errors-only'
    }),
    after: outDir => fs.copyFileSync(path.join(__dirname, 'index.html'), path.join(outDir, 'index.html'))
  });
}
