/**
 * What several benches read from their command line and environment, in one place: a flag's value,
 * and the folder of an official-model fixture (NEUROSTORM_FIXTURES, or ../shared beside the checkout:
 * benches, like tests, may read the developers' shared folder; the product never does).
 */
import * as path from 'path';
import { packageRoot } from '../../kernel/version';

/** The word after `name` in args, or `fallback` when the flag or its value is absent. */
export function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** The folder of the fixture model `config` (tiny, official, prompt-odd, ...). */
export function fixtureFolder(config: string): string {
  const root = process.env.NEUROSTORM_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures', 'neurostorm');
  return path.join(root, config);
}
