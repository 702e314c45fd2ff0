/**
 * Writing models: `saveModel` writes a folder `load()` reads back (config.json in the official
 * constructor-argument form + safetensors with official key names, split as the fixtures are:
 * weights, prompts, head_<kind>, mae_weights); `exportOnnx` writes a standalone inference .onnx
 * (weights baked in as initializers, input `x`, outputs `backbone` and the requested heads).
 * Every file is written atomically (temp + rename).
 */
import * as path from 'path';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { toModelBytes } from '../graph/serialize';
import { writeSafetensors, StoredTensor } from '../runtime/safetensors';
import { configToJson } from './config-json';
import { buildBackboneGraph } from './graph/build';
import type { NeuroStormModel } from './model';
import { isPromptKey, HeadKind, ParamMap } from './weights/weight-set';

function stored(m: ParamMap, keep: (k: string) => boolean = () => true): Map<string, StoredTensor> {
  return new Map([...m].filter(([k]) => keep(k)).map(([k, v]) => [k, { dtype: 'F32', shape: v.shape, data: v.data }]));
}

/** Writes `folder/config.json` and the safetensors files; returns the written paths. */
export async function saveModel(model: NeuroStormModel, folder: string, name?: string): Promise<string[]> {
  const w = model.weights;
  const written: string[] = [];
  const put = async (file: string, tensors: Map<string, StoredTensor>) => {
    if (tensors.size === 0) return;
    const target = path.join(folder, file);
    await writeSafetensors(target, tensors, { format: 'pt', producer: 'neurostorm-lab' });
    written.push(target);
  };
  await put('weights.safetensors', stored(w.backbone, k => !isPromptKey(k)));
  await put('prompts.safetensors', stored(w.backbone, isPromptKey));
  for (const [kind, m] of w.heads) await put(`head_${kind}.safetensors`, stored(m));
  if (w.mae) await put('mae_weights.safetensors', stored(w.mae));
  const configFile = path.join(folder, 'config.json');
  await writeFileAtomic(configFile, JSON.stringify(configToJson(model.config, name), null, 1) + '\n');
  written.push(configFile);
  return written;
}

export interface ExportOptions {
  batch?: number;
  heads?: HeadKind[];
  prompts?: boolean;
}

/** Writes a standalone inference ONNX model (opset 18) with the weights baked in. */
export async function exportOnnx(model: NeuroStormModel, file: string, options: ExportOptions = {}): Promise<void> {
  const heads = options.heads ?? [...model.weights.heads.keys()];
  for (const h of heads) if (!model.weights.heads.has(h)) throw new UsageError(`no ${h} head is loaded`);
  if (options.prompts && !model.hasPrompts) throw new UsageError('this model has no TPT prompts to export');
  const built = buildBackboneGraph(model.config, { batch: options.batch ?? 1, heads, prompts: options.prompts === true });
  const values = model.parameterValues();
  const initializers: Record<string, Float32Array> = {};
  for (const n of built.params.names()) initializers[n] = values.get(n) as Float32Array;
  await writeFileAtomic(file, toModelBytes(built.graph, { initializers }));
}
