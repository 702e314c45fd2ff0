/** `%neurostorm help` text, generated from the verb table so a new verb documents itself. */
import { formatFlagHelp } from '../cli/flags';
import { UsageError } from '../errors';
import { MagicVerb } from './magic-verb';

export function magicUsageLine(): string {
  return 'usage: %neurostorm <verb> [--flags]; %neurostorm help lists the verbs';
}

/** `%neurostorm help`: generated from the verb table, so a new verb documents itself. */
export function magicHelp(verbs: readonly MagicVerb[], verb?: string): string {
  if (verb !== undefined) {
    const entry = verbs.find(v => v.verb === verb);
    if (!entry) throw unknownVerb(verb, verbs);
    const flags = Object.keys(entry.flags).length ? `\n\n${formatFlagHelp(entry.flags)}` : '';
    const body = entry.takesConfig
      ? `\n\nAs a cell magic, %%neurostorm ${entry.verb} takes a YAML/JSON body with the same options.`
      : '';
    return `usage: ${entry.usage}\n\n${entry.summary}${flags}${body}`;
  }
  const width = Math.max(...verbs.map(v => v.verb.length)) + 2;
  return [
    magicUsageLine(),
    '',
    'verbs:',
    ...verbs.map(v => `  ${v.verb.padEnd(width)}${v.summary}`),
    '',
    'Each verb is one call of the API (import * as ns from "neurostorm-lab"); %neurostorm help <verb> shows its flags.'
  ].join('\n');
}

export function unknownVerb(verb: string, verbs: readonly MagicVerb[]): UsageError {
  return new UsageError(`unknown verb "${verb}"`, {
    hint: `verbs: ${verbs.map(v => v.verb).join(', ')}; ${magicUsageLine()}`
  });
}
