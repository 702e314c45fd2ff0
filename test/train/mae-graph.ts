/**
 * Runs one MAE training graph (buildMaeGraph) of a model on the CPU provider with the model's own
 * weights, for the pretraining-term tests (contrastive, amplitude map) that compare graph outputs.
 */
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
