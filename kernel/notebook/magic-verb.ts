/**
 * The shape of one `%neurostorm` verb: a short form of one public API call (design.md, "The public
 * API sketch"). Flags are parsed by kernel/cli/flags.ts, the same parser as the CLI.
 */
import { FlagSchema, FlagValue } from '../cli/flags';

export interface MagicContext {
  /** Positional arguments after the verb. */
  positionals: string[];
  /** Flags (camelCase keys), merged over the cell body's config for `%%neurostorm` cells. */
  options: Record<string, FlagValue | unknown>;
  /** The parsed cell body of a `%%neurostorm` cell, else null. */
  config: Record<string, unknown> | null;
  /** The running cell's abort signal. */
  signal: AbortSignal;
  /** Prints a line into the cell's output. */
  print(text: string): void;
  /** The whole verb table (for `help`). */
  verbs: readonly MagicVerb[];
}

export interface MagicVerb {
  verb: string;
  summary: string;
  /** One line, e.g. `%neurostorm view PATH [--colormap NAME]`. */
  usage: string;
  flags: FlagSchema;
  /** Whether `%%neurostorm <verb>` takes a YAML/JSON body. */
  takesConfig: boolean;
  /** Makes the API call; the resolved value is the cell's result when the magic is its last line. */
  run(ctx: MagicContext): Promise<unknown>;
}
