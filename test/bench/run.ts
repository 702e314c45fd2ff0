/**
 * Benchmark dispatcher: `npm run bench -- NAME [args]` runs test/bench/NAME.ts's `main(args)`.
 * Benchmarks measure speed and memory side by side with a peer in one run (never in timed tests).
 */
import * as fs from 'fs';
import * as path from 'path';

/** Short names of benches whose file says more (`npm run bench -- null`). */
const ALIASES: Record<string, string> = { null: 'null-cohorts' };

interface BenchModule {
  main: (args: string[]) => Promise<void>;
}

async function run(): Promise<void> {
  const [given, ...args] = process.argv.slice(2);
  const name = given && Object.prototype.hasOwnProperty.call(ALIASES, given) ? ALIASES[given] : given;
  const available = fs
    .readdirSync(__dirname)
    .filter(f => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('_'))
    .map(f => f.slice(0, -3))
    .sort();
  if (!name || !available.includes(name)) {
    const aliases = Object.entries(ALIASES).map(([a, b]) => `${a} = ${b}`);
    process.stderr.write(
      `usage: npm run bench -- NAME [args]\navailable: ${available.join(', ')} (aliases: ${aliases.join(', ')})\n`
    );
    process.exitCode = 2;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, name)) as BenchModule;
  await mod.main(args);
}

run().catch(err => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
