/**
 * The shape of one verb: a short form of one public API call (design.md, "The public API sketch").
 * A verb declares its arguments (positionals and a flag schema with limits) and returns a typed
 * result; it never prints. Each front end presents the result its own way: the CLI as text or
 * JSON (kernel/cli), the `%neurostorm` magics as tables, plots and values (kernel/notebook/magic).
 */
import { FlagSchema, FlagValue } from './flags';
import { ProgressEvent } from '../progress';
import type { VerbResult } from './results';

/** The two front ends generated from the table. */
export type FrontEnd = 'cli' | 'magic';

export interface PositionalSpec {
  /** Upper-case placeholder in usage, e.g. DATASET; its lower-case form is its key in a YAML body. */
  name: string;
  description: string;
  /** The argument names a file or folder: completion offers paths. */
  path?: 'file' | 'dir';
  optional?: boolean;
}

/** A verb's arguments after parsing and validation. */
export interface VerbInput {
  positionals: string[];
  /** camelCase keys, defaults filled, every value checked against its FlagSpec. */
  flags: Record<string, FlagValue>;
}

/** What a front end hands the verb: where progress goes and what stops it. */
export interface VerbContext {
  /** Aborting stops long work at its next safe point (AbortedError). */
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  env: NodeJS.ProcessEnv;
}

export interface Verb<R extends VerbResult = VerbResult> {
  name: string;
  /** Other names the verb answers to in both front ends. */
  aliases?: readonly string[];
  /** The name a front end shows instead of `name` (`%neurostorm info` is `neurostorm doctor`). */
  shownAs?: Partial<Record<FrontEnd, string>>;
  summary: string;
  positionals: readonly PositionalSpec[];
  flags: FlagSchema;
  /** Where the verb exists; both front ends when absent. */
  frontEnds?: readonly FrontEnd[];
  /** Whether `%%neurostorm VERB` takes a YAML/JSON body with the same options. */
  takesBody: boolean;
  /** The verb only shows something (help): there is no value to bind with `--as`. */
  producesNothing?: boolean;
  /** Checks across flags (e.g. synth's frames at its TR); throws UsageError before any work. */
  check?(input: VerbInput): void;
  call(input: VerbInput, ctx: VerbContext): Promise<R>;
}

/** Whether `verb` is offered by `frontEnd`. */
export function offeredBy(verb: Verb, frontEnd: FrontEnd): boolean {
  return !verb.frontEnds || verb.frontEnds.includes(frontEnd);
}

/** The name `frontEnd` shows for `verb`. */
export function nameIn(verb: Verb, frontEnd: FrontEnd): string {
  return verb.shownAs?.[frontEnd] ?? verb.name;
}

/** The verb of `name` (its name, an alias, or a front end's name for it) among `verbs`, or undefined. */
export function findVerb(verbs: readonly Verb[], name: string): Verb | undefined {
  return verbs.find(
    v => v.name === name || v.aliases?.includes(name) || Object.values(v.shownAs ?? {}).includes(name)
  );
}
