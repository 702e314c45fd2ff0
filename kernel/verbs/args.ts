/**
 * A verb's arguments from a command line and (for `%%neurostorm` cells) a YAML/JSON body, checked
 * against the verb's schema before any work starts: unknown flags, values out of range, missing or
 * extra positionals are UsageErrors carrying the generated usage line (exit code 2 on the CLI).
 */
import { parse as parseYaml } from 'yaml';
import { applyDefaults, checkFlagValue, FlagSchema, FlagValue, parseFlags, toCamel } from './flags';
import { UsageError } from '../errors';
import { nameIn, Verb, VerbInput } from './verb';
import { flagsOf, FrontEndStyle, usageLine } from './usage';

export interface ParsedVerbArgs {
  input: VerbInput;
  /** Values of the front end's own flags (`json`, `as`), camelCase keys. */
  extra: Record<string, FlagValue>;
}

/** Parses a `%%neurostorm` cell body: a mapping of options in YAML or JSON; empty is no body. */
export function parseBody(body: string, verb: string): Record<string, unknown> | null {
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

/**
 * Values of one call, in order of precedence: the command line, then the body (keys kebab- or
 * camelCase; a positional by its lower-case name), then the flag defaults (a default must not
 * override the body). Every value is checked against its flag's limits whichever source it came from.
 */
export function parseVerbArgs(
  verb: Verb,
  argv: readonly string[],
  style: FrontEndStyle,
  body: Record<string, unknown> | null = null
): ParsedVerbArgs {
  const usage = `usage: ${usageLine(verb, style)}`;
  const schema = flagsOf(verb, style);
  const bare: FlagSchema = {};
  for (const [name, spec] of Object.entries(schema)) bare[name] = { ...spec, default: undefined, required: false };
  const parsed = parseFlags(argv, bare, usage);
  const flags: Record<string, FlagValue> = {};
  const positionals = [...parsed.positionals];
  const fromBody = verb.positionals.map((p, i) => ({ p, i }));
  for (const [key, value] of Object.entries(body ?? {})) {
    const slot = fromBody.find(({ p }) => p.name.toLowerCase() === key.toLowerCase());
    if (slot) {
      if (positionals[slot.i] === undefined) positionals[slot.i] = String(value);
      continue;
    }
    const entry = Object.entries(schema).find(([name]) => toCamel(name) === toCamel(key));
    if (!entry) throw new UsageError(`unknown option "${key}" in the %%neurostorm ${nameIn(verb, style.frontEnd)} body`, { hint: usage });
    flags[toCamel(entry[0])] = checkFlagValue(entry[0], entry[1], value, usage);
  }
  for (const [key, value] of Object.entries(parsed.flags)) if (value !== undefined) flags[key] = value;
  applyDefaults(flags, schema, usage);
  checkPositionals(verb, nameIn(verb, style.frontEnd), positionals, usage);
  const input: VerbInput = { positionals, flags: {} };
  const extra: Record<string, FlagValue> = {};
  for (const [key, value] of Object.entries(flags)) {
    const own = Object.keys(verb.flags).some(name => toCamel(name) === key);
    if (own) input.flags[key] = value;
    else extra[key] = value;
  }
  verb.check?.(input);
  return { input, extra };
}

function checkPositionals(verb: Verb, name: string, positionals: readonly string[], usage: string): void {
  const missing = verb.positionals.filter((p, i) => !p.optional && positionals[i] === undefined).map(p => p.name);
  if (missing.length) throw new UsageError(`${name} needs ${missing.join(' and ')}`, { hint: usage });
  if (positionals.length > verb.positionals.length) {
    const extra = positionals.slice(verb.positionals.length).map(p => `"${p}"`);
    const takes =
      verb.positionals.length === 0 ? 'takes no arguments' : `takes ${verb.positionals.map(p => p.name).join(' ')}`;
    throw new UsageError(`${name} ${takes}, got also ${extra.join(' ')}`, { hint: usage });
  }
}
