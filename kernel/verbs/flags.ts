/**
 * THE flag schema and parser of every verb, for both front ends (`neurostorm VERB` and
 * `%neurostorm VERB`), so a flag means the same thing, with the same limits, in both.
 *
 * Accepted forms: `--name value`, `--name=value`, `-a value` (alias), `--flag` / `--no-flag` for
 * booleans, repeated `--name v1 --name v2` (or `v1,v2`) for lists. A value outside the flag's schema
 * (not a number, below `min`, not one of `choices`) is a UsageError that names the flag, found before
 * any work starts (issue 13, item 11).
 */
import { UsageError } from '../errors';

export type FlagType = 'string' | 'number' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  /** One line for `--help`. */
  description: string;
  /** Single-letter alias, without the dash. */
  alias?: string;
  default?: string | number | boolean | string[];
  required?: boolean;
  /** Numbers: whole numbers only. */
  integer?: boolean;
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Strings and list items: the accepted values (completion offers them). */
  choices?: readonly string[];
  /** Strings and list items that accept one of `choices` OR a value matching this (e.g. `phenotype:COLUMN`). */
  pattern?: { regex: RegExp; describe: string };
  /** The value names a file or folder: completion offers paths. */
  path?: 'file' | 'dir';
  /** Placeholder in usage and help, e.g. DIR; defaults to N, VALUE or PATH by type. */
  metavar?: string;
  /** Lists: the words after the value that match this are items too (`--sweep seed=1,2 mode=tpt,probe`). */
  continues?: RegExp;
}

export type FlagSchema = Record<string, FlagSpec>;
export type FlagValue = string | number | boolean | string[] | undefined;

export interface ParsedFlags {
  flags: Record<string, FlagValue>;
  positionals: string[];
}

/** `out-dir` -> `outDir`: schema names are kebab-case, parsed keys camelCase (API option names). */
export function toCamel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The placeholder a flag's value has in usage lines and help. */
export function flagMetavar(spec: FlagSpec): string {
  if (spec.metavar) return spec.metavar;
  if (spec.choices && !spec.pattern) return spec.choices.join('|');
  if (spec.path) return 'PATH';
  return spec.type === 'number' ? 'N' : 'VALUE';
}

function describeBounds(spec: FlagSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
  if (spec.max !== undefined) return `${kind} <= ${spec.max}`;
  return kind;
}

function checkChoice(name: string, spec: FlagSpec, value: string, usage: string): void {
  if (!spec.choices && !spec.pattern) return;
  if (spec.choices?.includes(value) || spec.pattern?.regex.test(value)) return;
  const allowed = [...(spec.choices ?? []), ...(spec.pattern ? [spec.pattern.describe] : [])].join(', ');
  throw new UsageError(`--${name} must be one of ${allowed}, got "${value}"`, { hint: usage });
}

/**
 * Checks one value against its flag's schema and returns it in the flag's type. Values from a
 * `%%neurostorm` YAML body arrive typed already (numbers, booleans, lists); values from a command
 * line arrive as strings. Either way the same limits apply.
 */
export function checkFlagValue(name: string, spec: FlagSpec, value: unknown, usage: string): FlagValue {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  switch (spec.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new UsageError(`--${name} takes true or false, got ${JSON.stringify(value)}`, { hint: usage });
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw new UsageError(`--${name} takes a number, got "${shown}"`, { hint: usage });
      const inRange =
        (!spec.integer || Number.isInteger(n)) &&
        (spec.min === undefined || n >= spec.min) &&
        (spec.max === undefined || n <= spec.max);
      if (!inRange) throw new UsageError(`--${name} must be ${describeBounds(spec)}, got ${n}`, { hint: usage });
      return n;
    }
    case 'list': {
      const items = (Array.isArray(value) ? value : [value]).flatMap(v =>
        typeof v === 'string' ? v.split(',').filter(s => s.length > 0) : [String(v)]
      );
      for (const item of items) checkChoice(name, spec, item, usage);
      return items;
    }
    case 'string': {
      if (typeof value === 'object' && value !== null)
        throw new UsageError(`--${name} takes one value, got ${shown}`, { hint: usage });
      const s = String(value);
      checkChoice(name, spec, s, usage);
      return s;
    }
  }
}

/**
 * Parses argv against a schema. Flag names in the schema are kebab-case (`--out-dir`); the result
 * keys are camelCase (`outDir`) so they can be passed straight to API options.
 */
export function parseFlags(argv: readonly string[], schema: FlagSchema, usage: string): ParsedFlags {
  const byAlias = new Map<string, string>();
  for (const [name, spec] of Object.entries(schema)) if (spec.alias) byAlias.set(spec.alias, name);
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const alias = byAlias.get(arg.slice(1));
      if (!alias) throw new UsageError(`unknown flag ${arg}`, { hint: usage });
      name = alias;
    }
    let spec = schema[name];
    let negated = false;
    if (!spec && name.startsWith('no-') && schema[name.slice(3)]?.type === 'boolean') {
      spec = schema[name.slice(3)];
      name = name.slice(3);
      negated = true;
    }
    if (!spec) throw new UsageError(`unknown flag --${name}`, { hint: usage });
    const key = toCamel(name);
    if (spec.type === 'boolean') {
      const on = inline === undefined ? true : checkFlagValue(name, spec, inline, usage);
      flags[key] = negated ? !on : on;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`, { hint: usage });
      value = argv[++i];
    }
    if (spec.continues) while (i + 1 < argv.length && spec.continues.test(argv[i + 1])) value += `,${argv[++i]}`;
    const checked = checkFlagValue(name, spec, value, usage);
    const prev = flags[key];
    flags[key] = spec.type === 'list' ? [...(Array.isArray(prev) ? prev : []), ...(checked as string[])] : checked;
  }
  applyDefaults(flags, schema, usage);
  return { flags, positionals };
}

/** Fills defaults and refuses a missing required flag (after every source of values is merged). */
export function applyDefaults(flags: Record<string, FlagValue>, schema: FlagSchema, usage: string): void {
  for (const [name, spec] of Object.entries(schema)) {
    const key = toCamel(name);
    if (flags[key] !== undefined) continue;
    if (spec.required) throw new UsageError(`--${name} is required`, { hint: usage });
    if (spec.default !== undefined) flags[key] = spec.default;
  }
}

/** Help lines for a schema, aligned: `  --name, -a VALUE   description (default: x)`. */
export function formatFlagHelp(schema: FlagSchema): string {
  const rows = Object.entries(schema).map(([name, spec]) => {
    const alias = spec.alias ? `, -${spec.alias}` : '';
    const meta = spec.type === 'boolean' ? '' : ` ${flagMetavar(spec)}${spec.type === 'list' ? ',...' : ''}`;
    const limits =
      spec.type === 'number' && (spec.min !== undefined || spec.max !== undefined || spec.integer)
        ? ` (${describeBounds(spec)})`
        : '';
    const def = spec.default !== undefined ? ` (default: ${String(spec.default)})` : '';
    return [`  --${name}${alias}${meta}`, `${spec.description}${spec.required ? ' (required)' : ''}${limits}${def}`];
  });
  const width = Math.max(0, ...rows.map(r => r[0].length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}
