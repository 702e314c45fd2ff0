/**
 * Writing models: `saveModel` writes a folder `load()` reads back (config.json in the official
 * constructor-argument form + safetensors with official key names, split as the fixtures are:
 * weights, prompts, head_<kind>, mae_weights); `exportOnnx` writes a standalone inference .onnx
 * (weights baked in as initializers, input `x`, outputs `backbone` and the requested heads; the
 * prompts of a prompt-tuned model are baked in too, as every forward of the model runs them).
 * Every file is written atomically (temp + rename), and a model folder is replaced as a whole: the
 * new files (with manifest.json fingerprinting them) go to a sibling temp folder that is swapped in
 * only when complete, so no old file survives beside new ones and a failed save keeps the old model.
 */
import * as path from 'path';
import { UsageError } from '../errors';
import { replaceDirAtomic, writeFileAtomic } from '../io/atomic';
import { toModelBytes } from '../graph/serialize';
import { writeSafetensors, StoredTensor } from '../runtime/safetensors';
import { configToJson } from './config-json';
import { buildBackboneGraph } from './graph/build';
import type { NeuroStormModel, PromptOption } from './model';
import { isPromptKey, HeadKind, ParamMap } from './weights/weight-set';
import { assertReplaceableModelFolder, writeManifest } from './weights/folder-manifest';

function stored(m: ParamMap, keep: (k: string) => boolean = () => true): Map<string, StoredTensor> {
  return new Map([...m].filter(([k]) => keep(k)).map(([k, v]) => [k, { dtype: 'F32', shape: v.shape, data: v.data }]));
}

/**
 * Replaces `folder` with config.json, the safetensors files and manifest.json; returns the written
 * paths. An existing folder may only hold model files (it is replaced whole).
 */
export async function saveModel(model: NeuroStormModel, folder: string, name?: string): Promise<string[]> {
  const w = model.weights;
  const target = path.resolve(folder);
  assertReplaceableModelFolder(target);
  const names = await replaceDirAtomic(target, async dir => {
    const written: string[] = [];
    const put = async (file: string, tensors: Map<string, StoredTensor>) => {
      if (tensors.size === 0) return;
      await writeSafetensors(path.join(dir, file), tensors, { format: 'pt', producer: 'neurostorm-lab' });
      written.push(file);
    };
    await put('weights.safetensors', stored(w.backbone, k => !isPromptKey(k)));
    await put('prompts.safetensors', stored(w.backbone, isPromptKey));
    for (const [kind, m] of w.heads) await put(`head_${kind}.safetensors`, stored(m));
    if (w.mae) await put('mae_weights.safetensors', stored(w.mae));
    await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(configToJson(model.config, name), null, 1) + '\n');
    written.push('config.json');
    await writeManifest(dir, written, { promptLen: model.config.promptLen, heads: [...w.heads.keys()], mae: w.mae !== null });
    return [...written, 'manifest.json'];
  });
  return names.map(n => path.join(target, n));
}

/** `prompts` as in the model's forwards: a prompt-tuned model exports with its prompts unless `false`. */
export interface ExportOptions extends PromptOption {
  batch?: number;
  heads?: HeadKind[];
}

/** Writes a standalone inference ONNX model (opset 18) with the weights baked in. */
export async function exportOnnx(model: NeuroStormModel, file: string, options: ExportOptions = {}): Promise<void> {
  const heads = options.heads ?? [...model.weights.heads.keys()];
  for (const h of heads) if (!model.weights.heads.has(h)) throw new UsageError(`no ${h} head is loaded`);
  const prompts = model.usesPrompts(options);
  const built = buildBackboneGraph(model.config, { batch: options.batch ?? 1, heads, prompts });
  const values = model.parameterValues();
  const initializers: Record<string, Float32Array> = {};
  for (const n of built.params.names()) initializers[n] = values.get(n) as Float32Array;
  await writeFileAtomic(file, toModelBytes(built.graph, { initializers }));
}
