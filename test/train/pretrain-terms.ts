/**
 * Shared steps of the pretraining-term tests (contrastive, amplitude map): one MAE training graph run
 * with the model's own weights, and the interrupt-then-resume check of a pretraining run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pretrain, PretrainOptions } from '../../kernel/train/pretrain';
import type { NeuroStormModel } from '../../kernel/models/model';
import { buildMaeGraph, BuildOptions } from '../../kernel/models/graph/build';
import { createSession } from '../../kernel/runtime/session';
import type { HostTensor } from '../../kernel/runtime/host-tensor';

/** The outputs of `buildMaeGraph(model.config, options)` on `feeds`; the session is released after. */
export async function runMaeGraph(model: NeuroStormModel, options: BuildOptions, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const values = model.parameterValues();
  const built = buildMaeGraph(model.config, options);
  const initializers = Object.fromEntries(built.params.names().map(n => [n, values.get(n)!]));
  const s = await createSession(built.graph, { provider: 'cpu', cache: false, initializers });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** The parameter names the MAE graph of `options` reads (a term's projection among them). */
export const maeGraphParams = (model: NeuroStormModel, options: BuildOptions): string[] => buildMaeGraph(model.config, options).params.names();

/**
 * Pretrains `opts` into ROOT/cut, interrupted after its first step, resumes it, and expects its
 * metrics.jsonl byte for byte equal to the uninterrupted run's in ROOT/full.
 */
export async function expectExactResume(opts: Omit<PretrainOptions, 'out'>, root: string): Promise<void> {
  const out = path.join(root, 'cut');
  const ctl = new AbortController();
  await expect(pretrain({ ...opts, out, signal: ctl.signal, onProgress: e => { if (e.step === 1 && e.loss !== undefined) ctl.abort(); } })).rejects.toThrow();
  await pretrain({ data: opts.data, out, resume: true });
  expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'full', 'metrics.jsonl'), 'utf8'));
}
