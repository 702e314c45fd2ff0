/**
 * `runMagic`: what a rewritten `%neurostorm` line calls. Splits the line like a shell, looks the verb
 * up in the table, parses flags with THE flag parser, parses a `%%neurostorm` body as YAML/JSON, and
 * runs the verb under the cell's abort signal. Unknown verbs and bad flags are UsageErrors carrying
 * the usage line; the kernel shows them as a short error and keeps running.
 */
import { parse as parseYaml } from 'yaml';
import { FlagSchema, parseFlags } from '../cli/flags';
import { UsageError } from '../errors';
import { currentSignal } from './abort';
import { magicUsageLine as usageLine, unknownVerb } from './magic-help';
import { MAGIC_VERBS } from './magic-table';
import { MagicVerb } from './magic-verb';

/** Splits a magic line into words: whitespace separates, '...' and "..." group, \ escapes. */
export function splitMagicLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote)
    throw new UsageError(`unterminated ${quote} quote in "%neurostorm ${line}"`, { hint: usageLine() });
  if (inWord) words.push(word);
  return words;
}

function parseConfig(body: string, verb: string): Record<string, unknown> | null {
  if (body.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = parseYaml(body);
  } catch (err) {
    throw new UsageError(
      `the body of %%neurostorm ${verb} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `the body of %%neurostorm ${verb} must be a mapping of options, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`
    );
  }
  return parsed as Record<string, unknown>;
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Options of one call: the flag defaults, then the cell body's config, then the flags given on the
 * line (a default must not override the body). Config keys may be kebab- or camelCase and must be
 * flags of the verb.
 */
function mergeOptions(
  entry: MagicVerb,
  argv: string[],
  config: Record<string, unknown> | null
): { values: Record<string, unknown>; positionals: string[] } {
  const usage = `usage: ${entry.usage}`;
  const bare: FlagSchema = {};
  for (const [name, spec] of Object.entries(entry.flags))
    bare[name] = { ...spec, default: undefined, required: false };
  const { flags, positionals } = parseFlags(argv, bare, usage);
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(entry.flags))
    if (spec.default !== undefined) values[camel(name)] = spec.default;
  for (const [key, value] of Object.entries(config ?? {})) {
    const spec = Object.entries(entry.flags).find(([name]) => camel(name) === camel(key))?.[1];
    if (!spec)
      throw new UsageError(`unknown option "${key}" in the %%neurostorm ${entry.verb} body`, { hint: usage });
    const ok =
      spec.type === 'number'
        ? typeof value === 'number'
        : spec.type === 'boolean'
          ? typeof value === 'boolean'
          : true;
    if (!ok)
      throw new UsageError(`option "${key}" takes a ${spec.type}, got ${JSON.stringify(value)}`, {
        hint: usage
      });
    values[camel(key)] = spec.type === 'list' && !Array.isArray(value) ? [value] : value;
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) values[key] = value;
  for (const [name, spec] of Object.entries(entry.flags)) {
    if (spec.required && values[camel(name)] === undefined)
      throw new UsageError(`--${name} is required`, { hint: usage });
  }
  return { values, positionals };
}

/**
 * Runs one magic. `line` is the text after `%neurostorm`; `body` is the rest of a `%%neurostorm`
 * cell. Resolves to the verb's result.
 */
export async function runMagic(
  line: string,
  body?: string,
  verbs: readonly MagicVerb[] = MAGIC_VERBS
): Promise<unknown> {
  const [verb, ...argv] = splitMagicLine(line);
  if (verb === undefined)
    throw new UsageError('no verb given', {
      hint: `verbs: ${verbs.map(v => v.verb).join(', ')}; ${usageLine()}`
    });
  const entry = verbs.find(v => v.verb === verb);
  if (!entry) throw unknownVerb(verb, verbs);
  if (body !== undefined && !entry.takesConfig) {
    throw new UsageError(`%%neurostorm ${verb} takes no cell body`, { hint: `usage: ${entry.usage}` });
  }
  const config = body === undefined ? null : parseConfig(body, verb);
  const options = mergeOptions(entry, argv, config);
  return entry.run({
    positionals: options.positionals,
    options: options.values,
    config,
    signal: currentSignal(),
    print: text => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    verbs
  });
}

/** Completions for the magic text before the cursor: verbs, then the verb's flags. */
export function completeMagic(
  text: string,
  verbs: readonly MagicVerb[] = MAGIC_VERBS
): { matches: string[]; replace: number } {
  const words = text.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length <= 1)
    return { matches: verbs.map(v => v.verb).filter(v => v.startsWith(last)), replace: last.length };
  const entry = verbs.find(v => v.verb === words[0]);
  if (!entry || !last.startsWith('-')) return { matches: [], replace: 0 };
  const flags = Object.keys(entry.flags).map(f => `--${f}`);
  return { matches: flags.filter(f => f.startsWith(last)), replace: last.length };
}
