/**
 * `runMagic`: what a rewritten `%neurostorm` line calls (kernel/cell-rewrite.ts). Splits the line,
 * looks the verb up in THE verb table (kernel/verbs), checks its arguments and a `%%neurostorm` YAML
 * body against the verb's schema, runs it under the cell's abort signal with a progress display fed
 * by its progress events, presents the result (present.ts) and resolves to the value it produces:
 * `--as NAME` binds it, and a magic that ends a cell makes it the cell's value.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../../errors';
import { findVerb, generalUsage, nameIn, offeredBy, parseBody, parseVerbArgs, unknownVerb, usageLine, Verb, VerbInput, VERBS } from '../../verbs';
import { ProgressEvent } from '../../progress';
import { currentSignal } from '../kernel/abort';
import { ProgressDisplay } from '../display/progress';
import { MimeBundle } from '../../verbs/jupyter/wire';
import { presentInNotebook } from './present';
import { liveTrainingCurve } from './train-views';
import { runRecord, RUN_RECORD_KEY } from './run-record';
import { splitMagicLine } from './split-line';
import { MAGIC_STYLE } from './style';

/** A TypeScript identifier that `--as` may bind (the rewrite declares it with `const`). */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Labels of values magics produced, so the cell's value shows as one line, not an object dump. */
const labels = new WeakMap<object, string>();

/** The cell-value bundle of a value a magic produced, or null for any other value. */
export function magicValueBundle(value: unknown): MimeBundle | null {
  const label = typeof value === 'object' && value !== null ? labels.get(value) : undefined;
  return label === undefined ? null : { data: { 'text/plain': label }, metadata: {} };
}

/** Numbers a training loop adds to its progress events (kernel/train/loop.ts), shown as metrics. */
interface TrainFields {
  epoch?: number;
  loss?: number;
  lr?: number;
  metric?: { name: string; value: number };
  clipsPerSecond?: number;
}

/**
 * A progress display that appears with the first progress event (quick verbs show none), with
 * loss, learning rate, validation metric and clips/s when the work is training, and a training
 * curve growing beside it. When the work writes a run folder (`out` holds run.json once training
 * starts) the display carries the run's record in its output metadata, refreshed at each epoch end
 * and at the finish: the runs panel (src/runs) shows the run live from these display updates.
 */
function lazyProgress(label: string, out: string | null): { onProgress: (e: ProgressEvent) => void; finish: ProgressDisplay['finish'] } {
  let shown: ProgressDisplay | null = null;
  let recorded = false;
  const curve = liveTrainingCurve(`${label}: training curve`);
  const recordOf = () => (out !== null && fs.existsSync(path.join(out, 'run.json')) ? { [RUN_RECORD_KEY]: runRecord(out) } : null);
  return {
    onProgress: event => {
      const e = event as ProgressEvent & TrainFields;
      if (!shown) {
        // The record from the first display on: the panel lists the run as soon as it starts.
        const meta = recordOf();
        shown = new ProgressDisplay(label, { totalSteps: e.totalSteps, ...(meta ? { metadata: meta } : {}) });
        recorded = meta !== null;
      } else if (!recorded || e.metric !== undefined) {
        const meta = recordOf();
        if (meta) shown.setMetadata(meta);
        recorded ||= meta !== null;
      }
      const metrics: Record<string, number> = {};
      if (e.loss !== undefined) metrics.loss = e.loss;
      if (e.lr !== undefined) metrics.lr = e.lr;
      if (e.metric) metrics[`valid_${e.metric.name}`] = e.metric.value;
      if (e.clipsPerSecond !== undefined) metrics['clips/s'] = e.clipsPerSecond;
      shown.update({
        step: e.step,
        totalSteps: e.totalSteps,
        ...(e.epoch !== undefined ? { epoch: e.epoch } : {}),
        ...(e.message ? { message: e.message } : {}),
        metrics
      });
      curve(e);
    },
    finish: (state, message) => {
      const meta = shown ? recordOf() : null;
      if (meta) shown?.setMetadata(meta);
      shown?.finish(state, message);
    }
  };
}

/** The folder a verb writes (`--out`), where a training verb's run.json appears; null for others. */
function runFolderOf(input: VerbInput): string | null {
  const out = input.flags.out;
  return typeof out === 'string' ? path.resolve(out) : null;
}

/** The magic-side verb of `name`, or a UsageError listing the verbs. */
function lookUp(name: string | undefined, verbs: readonly Verb[]): Verb {
  if (name === undefined)
    throw new UsageError('no verb given', {
      hint: `verbs: ${verbs.filter(v => offeredBy(v, 'magic')).map(v => nameIn(v, 'magic')).join(', ')}; ${generalUsage(MAGIC_STYLE)}`
    });
  const verb = findVerb(verbs.filter(v => offeredBy(v, 'magic')), name);
  if (!verb) throw unknownVerb(name, verbs, MAGIC_STYLE);
  return verb;
}

/**
 * Runs one magic. `line` is the text after `%neurostorm`; `body` is the rest of a `%%neurostorm`
 * cell. Resolves to the value the verb produces (undefined for help).
 */
export async function runMagic(line: string, body?: string, verbs: readonly Verb[] = VERBS): Promise<unknown> {
  const [name, ...argv] = splitMagicLine(line);
  const verb = lookUp(name, verbs);
  const usage = `usage: ${usageLine(verb, MAGIC_STYLE)}`;
  if (body !== undefined && !verb.takesBody)
    throw new UsageError(`%%neurostorm ${name} takes no cell body`, { hint: usage });
  const config = body === undefined ? null : parseBody(body, nameIn(verb, 'magic'));
  const { input, extra } = parseVerbArgs(verb, argv, MAGIC_STYLE, config);
  const bindAs = extra.as as string | undefined;
  if (bindAs !== undefined && !IDENTIFIER.test(bindAs))
    throw new UsageError(`--as takes a variable name, got "${bindAs}"`, { hint: usage });
  if (bindAs !== undefined && verb.producesNothing)
    throw new UsageError(`${name} produces no value to bind with --as`, { hint: usage });
  const signal = currentSignal();
  const progress = lazyProgress(nameIn(verb, 'magic'), runFolderOf(input));
  let presented;
  try {
    const result = await verb.call(input, { env: process.env, signal, onProgress: progress.onProgress });
    progress.finish('done');
    presented = await presentInNotebook(result, verbs);
  } catch (err) {
    progress.finish(signal.aborted ? 'interrupted' : 'error', err instanceof Error ? err.message : String(err));
    throw err;
  }
  if (typeof presented.value === 'object' && presented.value !== null) labels.set(presented.value, presented.label);
  return presented.value;
}
