/**
 * A loaded set of weights with the official key names, split by role: backbone (+ TPT prompts), the
 * MAE extras, and heads. Built by the loaders (folder of safetensors, torch checkpoint) and by
 * `create` (fresh initialisation); consumed by the model graphs and by `save`.
 */
import { WeightsError } from '../../errors';
import { toFloat32, StoredTensor } from '../../runtime/safetensors';
import { deriveSizes, NeuroStormConfig } from '../config';
import { backboneShapes, checkStateDict, headShapes, maeShapes } from './state-dict';

export type HeadKind = 'cls' | 'reg' | 'emb';

export interface HostParam {
  shape: number[];
  data: Float32Array;
}

export type ParamMap = Map<string, HostParam>;

export interface WeightSet {
  /** Configuration with `promptLen` = the loaded prompt length (0 if none). */
  config: NeuroStormConfig;
  /** Backbone keys including `...prompt` when prompts were loaded. */
  backbone: ParamMap;
  /** NeuroSTORMMAE extra keys, or null when no MAE weights were loaded. */
  mae: ParamMap | null;
  /** Heads under their Lightning names (`output_head.head.head.weight` ...). */
  heads: Map<HeadKind, ParamMap>;
  /** Where the weights came from (for messages and manifests). */
  source: string;
}

export const isPromptKey = (k: string): boolean => /\.prompt$/.test(k);

export function toParamMap(tensors: Map<string, StoredTensor>, file: string): ParamMap {
  const out: ParamMap = new Map();
  for (const [k, t] of tensors) {
    let data: Float32Array;
    try {
      data = toFloat32(t, k);
    } catch (err) {
      throw new WeightsError(`tensor "${k}": ${(err as Error).message}`, { file, cause: err });
    }
    out.set(k, { shape: [...t.shape], data });
  }
  return out;
}

function asStored(p: ParamMap): Map<string, StoredTensor> {
  return new Map([...p].map(([k, v]) => [k, { dtype: 'F32', shape: v.shape, data: v.data }]));
}

/**
 * Validates every part strictly against the configuration (one error per part listing every problem).
 * The prompt length is taken from the prompt tensors themselves.
 */
export function assembleWeightSet(
  config: NeuroStormConfig,
  backbone: ParamMap,
  mae: ParamMap | null,
  heads: Map<HeadKind, ParamMap>,
  source: string
): WeightSet {
  const prompt = [...backbone.entries()].find(([k]) => isPromptKey(k));
  const promptLen = prompt ? prompt[1].shape[1] : 0;
  const cfg: NeuroStormConfig = { ...config, promptLen };
  checkStateDict(backboneShapes(cfg), asStored(backbone), source);
  if (mae) checkStateDict(maeShapes(cfg), asStored(mae), source);
  const out = deriveSizes(cfg).outChannels;
  const headCfgs = [...cfg.heads];
  for (const [kind, params] of heads) {
    const hc = headCfgs.find(h => h.kind === kind);
    const w = params.get('output_head.head.head.weight');
    const numClasses = hc?.numClasses ?? (kind === 'cls' && w && w.shape[0] > 1 ? w.shape[0] : 2);
    checkStateDict(headShapes(kind, out, numClasses, hc?.embeddingSize), asStored(params), source);
    if (!hc) headCfgs.push(kind === 'cls' ? { kind, numClasses } : kind === 'emb' ? { kind, embeddingSize: params.get('output_head.fc1.weight')?.shape[0] } : { kind });
  }
  return { config: { ...cfg, heads: headCfgs }, backbone, mae, heads, source };
}
