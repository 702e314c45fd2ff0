/** `%neurostorm help` and completion inside magics, generated from the verb table (kernel/verbs). */
import { completeVerbLine, Completion, findVerb, helpText, offeredBy, Verb, VERBS } from '../../verbs';
import { MAGIC_STYLE } from './style';

/** The magic verb list, or one verb's usage and flags. */
export function magicHelp(verbs: readonly Verb[] = VERBS, verb?: string): string {
  return helpText(verbs, MAGIC_STYLE, verb);
}

/** Completions for the magic text before the cursor: verbs, flags, choices, and paths. */
export function completeMagic(text: string, verbs: readonly Verb[] = VERBS, cwd: string = process.cwd()): Completion {
  return completeVerbLine(text, verbs, MAGIC_STYLE, cwd);
}

/** Whether `name` is a verb of the magics (its name, an alias, or its magic name). */
export function isMagicVerb(name: string, verbs: readonly Verb[] = VERBS): boolean {
  const verb = findVerb(verbs, name);
  return verb !== undefined && offeredBy(verb, 'magic');
}
