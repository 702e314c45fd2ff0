/**
 * Completion of a verb line, generated from the table: verbs, then the verb's flags, a flag's
 * choices, and file-system paths where a flag or positional names a file or folder (issue 13,
 * item 12: "no path completion inside magics").
 */
import * as fs from 'fs';
import * as path from 'path';
import { FlagSpec } from './flags';
import { findVerb, nameIn, offeredBy, Verb } from './verb';
import { flagsOf, FrontEndStyle } from './usage';

export interface Completion {
  matches: string[];
  /** How many characters before the cursor the matches replace. */
  replace: number;
}

/**
 * Entries of the folder a partial path points into, as the user would type them (folders end in
 * `/`); `kind: 'dir'` offers folders only. Relative paths resolve against `cwd` (the notebook's).
 */
export function completePath(partial: string, kind: 'file' | 'dir', cwd: string = process.cwd()): string[] {
  const slash = partial.lastIndexOf('/');
  const typedDir = slash >= 0 ? partial.slice(0, slash + 1) : '';
  const stem = partial.slice(slash + 1);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.resolve(cwd, typedDir || '.'), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter(e => e.name.startsWith(stem) && (stem.startsWith('.') || !e.name.startsWith('.')))
    .filter(e => kind === 'file' || e.isDirectory() || e.isSymbolicLink())
    .map(e => typedDir + e.name + (e.isDirectory() ? '/' : ''))
    .sort();
}

function valuesOf(spec: FlagSpec, partial: string, cwd: string): string[] {
  if (spec.choices) return spec.choices.filter(c => c.startsWith(partial));
  if (spec.path) return completePath(partial, spec.path, cwd);
  return [];
}

/** Completions for the verb text before the cursor (after `neurostorm` / `%neurostorm`). */
export function completeVerbLine(
  text: string,
  verbs: readonly Verb[],
  style: FrontEndStyle,
  cwd: string = process.cwd()
): Completion {
  const words = text.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const none = { matches: [], replace: 0 };
  if (words.length <= 1) {
    const names = verbs.filter(v => offeredBy(v, style.frontEnd)).map(v => nameIn(v, style.frontEnd));
    return { matches: names.filter(v => v.startsWith(last)), replace: last.length };
  }
  const verb = findVerb(verbs, words[0]);
  if (!verb) return none;
  const schema = flagsOf(verb, style);
  const inline = /^--([\w-]+)=(.*)$/.exec(last);
  if (inline) {
    const spec = schema[inline[1]];
    return spec ? { matches: valuesOf(spec, inline[2], cwd), replace: inline[2].length } : none;
  }
  if (last.startsWith('-')) {
    const flags = Object.keys(schema).map(f => `--${f}`);
    return { matches: flags.filter(f => f.startsWith(last)), replace: last.length };
  }
  const previous = words[words.length - 2];
  if (previous.startsWith('--')) {
    const spec = schema[previous.slice(2)];
    if (spec && spec.type !== 'boolean') return { matches: valuesOf(spec, last, cwd), replace: last.length };
  }
  // A positional: count the words that are neither flags nor flag values.
  let index = 0;
  for (let i = 1; i < words.length - 1; i++) {
    const w = words[i];
    if (w.startsWith('--')) {
      const spec = schema[w.slice(2).split('=')[0]];
      if (spec && spec.type !== 'boolean' && !w.includes('=')) i++;
    } else index++;
  }
  const positional = verb.positionals[index];
  if (positional?.path) return { matches: completePath(last, positional.path, cwd), replace: last.length };
  return none;
}
