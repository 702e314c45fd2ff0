/**
 * One flag parser for the `neurostorm` CLI and the `%neurostorm` magics (both are thin front ends
 * over the same API calls, so they take flags the same way).
 *
 * Accepted forms: `--name value`, `--name=value`, `-a value` (alias), `--flag` / `--no-flag` for
 * booleans, repeated `--name v1 --name v2` for lists. Anything else is a UsageError that names the flag.
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
}

export type FlagSchema = Record<string, FlagSpec>;
export type FlagValue = string | number | boolean | string[] | undefined;

export interface ParsedFlags {
  flags: Record<string, FlagValue>;
  positionals: string[];
}

function toCamel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
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
      if (inline !== undefined && !['true', 'false'].includes(inline)) {
        throw new UsageError(`--${name} takes true or false, got "${inline}"`, { hint: usage });
      }
      flags[key] = negated ? false : inline === undefined ? true : inline === 'true';
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`, { hint: usage });
      value = argv[++i];
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) {
        throw new UsageError(`--${name} takes a number, got "${value}"`, { hint: usage });
      }
      flags[key] = n;
    } else if (spec.type === 'list') {
      const prev = flags[key];
      flags[key] = [...(Array.isArray(prev) ? prev : []), ...value.split(',').filter(s => s.length > 0)];
    } else {
      flags[key] = value;
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const key = toCamel(name);
    if (flags[key] === undefined) {
      if (spec.required) throw new UsageError(`--${name} is required`, { hint: usage });
      if (spec.default !== undefined) flags[key] = spec.default;
    }
  }
  return { flags, positionals };
}

/** Help lines for a schema, aligned: `  --name, -a VALUE   description (default: x)`. */
export function formatFlagHelp(schema: FlagSchema): string {
  const rows = Object.entries(schema).map(([name, spec]) => {
    const alias = spec.alias ? `, -${spec.alias}` : '';
    const meta = spec.type === 'boolean' ? '' : spec.type === 'list' ? ' A,B' : spec.type === 'number' ? ' N' : ' VALUE';
    const def = spec.default !== undefined ? ` (default: ${String(spec.default)})` : '';
    return [`  --${name}${alias}${meta}`, `${spec.description}${spec.required ? ' (required)' : ''}${def}`];
  });
  const width = Math.max(0, ...rows.map(r => r[0].length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}
