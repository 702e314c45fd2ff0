/**
 * Usage lines and help text, generated from the verb table for either front end: the same verbs,
 * flags and limits, written as `neurostorm VERB ...` or `%neurostorm VERB ...`. A new verb or flag
 * documents itself.
 */
import { FlagSchema, FlagSpec, flagMetavar, formatFlagHelp } from './flags';
import { UsageError } from '../errors';
import { findVerb, FrontEnd, nameIn, offeredBy, Verb } from './verb';

/** How each front end is typed, and the flags it adds to every verb (`--json`, `--as NAME`). */
export interface FrontEndStyle {
  frontEnd: FrontEnd;
  /** `neurostorm` or `%neurostorm`. */
  prefix: string;
  extraFlags: FlagSchema;
}

function flagUsage(name: string, spec: FlagSpec): string {
  const word = spec.type === 'boolean' ? `--${name}` : `--${name} ${flagMetavar(spec)}`;
  const shown = spec.type === 'list' ? `${word} ...` : word;
  return spec.required ? shown : `[${shown}]`;
}

/** Every flag of a verb in one front end: the verb's own, then the front end's (`--json`, `--as`). */
export function flagsOf(verb: Verb, style: FrontEndStyle): FlagSchema {
  return { ...verb.flags, ...style.extraFlags };
}

/** One line listing every positional and flag, e.g. `neurostorm check DATASET [--mask PATH] [--json]`. */
export function usageLine(verb: Verb, style: FrontEndStyle): string {
  const flags = Object.entries(flagsOf(verb, style));
  const ordered = [...flags.filter(([, s]) => s.required), ...flags.filter(([, s]) => !s.required)];
  return [
    `${style.prefix} ${nameIn(verb, style.frontEnd)}`,
    ...verb.positionals.map(p => (p.optional ? `[${p.name}]` : p.name)),
    ...ordered.map(([name, spec]) => flagUsage(name, spec))
  ].join(' ');
}

/** The general line: `usage: neurostorm <verb> [flags]; neurostorm help lists the verbs`. */
export function generalUsage(style: FrontEndStyle): string {
  return `usage: ${style.prefix} <verb> [flags]; ${style.prefix} help lists the verbs`;
}

export function unknownVerb(name: string, verbs: readonly Verb[], style: FrontEndStyle): UsageError {
  const names = verbs.filter(v => offeredBy(v, style.frontEnd)).map(v => nameIn(v, style.frontEnd));
  return new UsageError(`unknown verb "${name}"`, { hint: `verbs: ${names.join(', ')}; ${generalUsage(style)}` });
}

/** Help of one verb: usage, summary, arguments, flags, and the cell-body note for magics. */
export function verbHelp(verb: Verb, style: FrontEndStyle): string {
  const width = Math.max(0, ...verb.positionals.map(p => p.name.length)) + 4;
  const args = verb.positionals.length
    ? `\n\n${verb.positionals.map(p => `  ${p.name.padEnd(width)}${p.description}`).join('\n')}`
    : '';
  const schema = flagsOf(verb, style);
  const flags = Object.keys(schema).length ? `\n\n${formatFlagHelp(schema)}` : '';
  const body =
    style.frontEnd === 'magic' && verb.takesBody
      ? `\n\nAs a cell magic, %%neurostorm ${nameIn(verb, style.frontEnd)} takes a YAML/JSON body with the same options.`
      : '';
  const others = [verb.name, ...(verb.aliases ?? []), ...Object.values(verb.shownAs ?? {})].filter(
    n => n !== nameIn(verb, style.frontEnd)
  );
  const aliases = others.length ? `\n\nAlso answers to: ${[...new Set(others)].join(', ')}.` : '';
  return `usage: ${usageLine(verb, style)}\n\n${verb.summary}${args}${flags}${body}${aliases}`;
}

/** The verb list of one front end, or one verb's help when `name` is given. */
export function helpText(verbs: readonly Verb[], style: FrontEndStyle, name?: string): string {
  const offered = verbs.filter(v => offeredBy(v, style.frontEnd));
  if (name !== undefined) {
    const verb = findVerb(offered, name);
    if (!verb) throw unknownVerb(name, verbs, style);
    return verbHelp(verb, style);
  }
  const width = Math.max(...offered.map(v => nameIn(v, style.frontEnd).length)) + 2;
  return [
    generalUsage(style),
    '',
    'verbs:',
    ...offered.map(v => `  ${nameIn(v, style.frontEnd).padEnd(width)}${v.summary}`),
    '',
    `Each verb is one call of the API (import * as ns from "neurostorm-lab"); ${style.prefix} help <verb> shows its flags.`
  ].join('\n');
}
