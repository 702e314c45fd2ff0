/**
 * A small hand-written schema checker for display payloads (issue 8: no heavy validator
 * dependency). A `Schema<T>` turns `unknown` into `T` or records readable issues with the path of
 * the offending field ("layers[1].opacity: expected a number in [0, 1], found 2").
 *
 * Pure module: no DOM, no JupyterLab, so jest tests it in Node.
 */

/** One problem found in a payload: where (a JSON path) and what. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** Thrown by `check` when a value does not match its schema; `issues` lists every problem. */
export class PayloadValidationError extends Error {
  readonly issues: SchemaIssue[];

  constructor(what: string, issues: SchemaIssue[]) {
    const lines = issues.slice(0, MAX_REPORTED).map(i => `  ${i.path || '(payload)'}: ${i.message}`);
    const more = issues.length > MAX_REPORTED ? [`  ... and ${issues.length - MAX_REPORTED} more`] : [];
    super([`Invalid ${what}:`, ...lines, ...more].join('\n'));
    this.name = 'PayloadValidationError';
    this.issues = issues;
  }
}

/** A renderer shows this many issues; the rest are counted. */
const MAX_REPORTED = 8;

/** Collects issues while a schema walks a value. */
export class IssueList {
  readonly issues: SchemaIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
}

/** Parses `value` at `path`; returns undefined (and records issues) when it does not match. */
export type Schema<T> = (value: unknown, path: string, issues: IssueList) => T | undefined;

/** Short, safe description of a found value for messages (never the whole value). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** Runs `schema` and throws PayloadValidationError listing every issue, or returns the typed value. */
export function check<T>(schema: Schema<T>, value: unknown, what: string): T {
  const issues = new IssueList();
  const parsed = schema(value, '', issues);
  if (issues.issues.length > 0 || parsed === undefined) {
    throw new PayloadValidationError(what, issues.issues.length ? issues.issues : [{ path: '', message: 'no value' }]);
  }
  return parsed;
}

export const str =
  (opts: { nonEmpty?: boolean; maxLength?: number } = {}): Schema<string> =>
  (v, path, issues) => {
    if (typeof v !== 'string') return void issues.add(path, `expected a string, found ${describe(v)}`);
    if (opts.nonEmpty && v.length === 0) return void issues.add(path, 'expected a non-empty string');
    if (opts.maxLength !== undefined && v.length > opts.maxLength) {
      return void issues.add(path, `expected at most ${opts.maxLength} characters, found ${v.length}`);
    }
    return v;
  };

export const num =
  (opts: { min?: number; max?: number; integer?: boolean } = {}): Schema<number> =>
  (v, path, issues) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return void issues.add(path, `expected a finite number, found ${describe(v)}`);
    }
    if (opts.integer && !Number.isInteger(v)) return void issues.add(path, `expected an integer, found ${v}`);
    const lo = opts.min ?? -Infinity;
    const hi = opts.max ?? Infinity;
    if (v < lo || v > hi) return void issues.add(path, `expected a number in [${lo}, ${hi}], found ${v}`);
    return v;
  };

export const bool: Schema<boolean> = (v, path, issues) =>
  typeof v === 'boolean' ? v : void issues.add(path, `expected true or false, found ${describe(v)}`);

export function literal<L extends string | number>(...allowed: L[]): Schema<L> {
  return (v, path, issues) => {
    if ((allowed as unknown[]).includes(v)) return v as L;
    return void issues.add(path, `expected one of ${allowed.map(a => JSON.stringify(a)).join(', ')}, found ${describe(v)}`);
  };
}

export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return (v, path, issues) => (v === null ? null : schema(v, path, issues));
}

export function arr<T>(item: Schema<T>, opts: { minLength?: number; maxLength?: number } = {}): Schema<T[]> {
  return (v, path, issues) => {
    if (!Array.isArray(v)) return void issues.add(path, `expected an array, found ${describe(v)}`);
    if (opts.minLength !== undefined && v.length < opts.minLength) {
      return void issues.add(path, `expected at least ${opts.minLength} entries, found ${v.length}`);
    }
    if (opts.maxLength !== undefined && v.length > opts.maxLength) {
      return void issues.add(path, `expected at most ${opts.maxLength} entries, found ${v.length}`);
    }
    const before = issues.issues.length;
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      const parsed = item(v[i], `${path}[${i}]`, issues);
      if (parsed !== undefined) out.push(parsed);
      // A long array of wrong numbers reports its first few entries, not thousands of lines.
      if (issues.issues.length - before >= 3) break;
    }
    return issues.issues.length === before ? out : undefined;
  };
}

/** A string-keyed map whose values all match `value`. */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  return (v, path, issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return void issues.add(path, `expected an object, found ${describe(v)}`);
    }
    const before = issues.issues.length;
    const out: Record<string, T> = {};
    for (const [k, item] of Object.entries(v)) {
      const parsed = value(item, `${path}[${JSON.stringify(k)}]`, issues);
      if (parsed !== undefined) out[k] = parsed;
    }
    return issues.issues.length === before ? out : undefined;
  };
}

type Fields<T> = { [K in keyof T]-?: Schema<T[K]> };
type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * An object with exactly these fields. Keys listed in `optional` may be absent; unknown keys are
 * reported, so a typo in the kernel's payload builder shows up instead of being ignored.
 */
export function obj<T extends object>(fields: Fields<T>, optional: OptionalKeys<T>[] = []): Schema<T> {
  return (v, path, issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return void issues.add(path, `expected an object, found ${describe(v)}`);
    }
    const input = v as Record<string, unknown>;
    const before = issues.issues.length;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(fields) as (keyof T & string)[]) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in input) || input[key] === undefined) {
        if (!(optional as string[]).includes(key)) issues.add(at, 'missing');
        continue;
      }
      const parsed = (fields[key] as Schema<unknown>)(input[key], at, issues);
      if (parsed !== undefined) out[key] = parsed;
    }
    for (const key of Object.keys(input)) {
      if (!(key in fields)) issues.add(path ? `${path}.${key}` : key, 'unknown field');
    }
    return issues.issues.length === before ? (out as T) : undefined;
  };
}

/** A tagged union: `tag` selects the schema of the variant. */
export function tagged<T extends object>(tag: string, variants: Record<string, Schema<T>>): Schema<T> {
  return (v, path, issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return void issues.add(path, `expected an object, found ${describe(v)}`);
    }
    const key = (v as Record<string, unknown>)[tag];
    const variant = typeof key === 'string' && Object.prototype.hasOwnProperty.call(variants, key) ? variants[key] : undefined;
    if (!variant) {
      const at = path ? `${path}.${tag}` : tag;
      return void issues.add(at, `expected one of ${Object.keys(variants).map(k => JSON.stringify(k)).join(', ')}, found ${describe(key)}`);
    }
    return variant(v, path, issues);
  };
}

/** Adds a cross-field rule after `schema` succeeded; `rule` records issues itself. */
export function refine<T>(schema: Schema<T>, rule: (value: T, path: string, issues: IssueList) => void): Schema<T> {
  return (v, path, issues) => {
    const parsed = schema(v, path, issues);
    if (parsed === undefined) return undefined;
    const before = issues.issues.length;
    rule(parsed, path, issues);
    return issues.issues.length === before ? parsed : undefined;
  };
}
