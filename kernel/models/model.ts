/**
 * The model object `ns.models.load(...)` returns: weights with official names plus graph-backed
 * methods — backbone (official channels-first output), heads, prompt-tuned forward, MAE loss with a
 * given mask. Training steps live in kernel/train (a model does not train itself).
 * Graphs are built per (purpose, batch, frames) and their sessions cached with the weights baked in.
 */
import { ShapeError, UsageError } from '../errors';
import type { HostArray } from '../graph/dtype';
import { createSession, GraphSession, SessionOptions } from '../runtime/session';
import { deviceRequest } from '../runtime/device';
import { deriveSizes, NeuroStormConfig } from './config';
import { buildBackboneGraph, buildMaeGraph, BuiltGraph } from './graph/build';
import { assembleWeightSet, isPromptKey } from './weights/weight-set';
import type { HeadKind, ParamMap, WeightSet } from './weights/weight-set';
import { initPrompts } from './init';
import { numel } from '../graph/shapes';

/** A host tensor in the official row-major layout. */
export interface ModelTensor {
  data: Float32Array;
  shape: number[];
}

/**
 * Whether a forward runs the TPT prompts. A prompt-tuned model (prompts loaded from a folder or
 * checkpoint, or added by withPrompts) is NeuroSTORM(prompt_len = P), whose official forward always
 * prepends them, so every forward uses them by default; `false` runs the frozen backbone without them
 * (e.g. to compare against it); `true` insists on them and fails on a model that has none.
 */
export interface PromptOption {
  prompts?: boolean;
}

export interface ForwardOptions extends PromptOption {
  /** Fixture-named intermediates to return too (e.g. `inter.layers.0`). */
  taps?: readonly string[];
}

export interface MaeResult {
  pred: ModelTensor;
  loss: number;
  /** Per-unit (window or token) reconstruction error before masking, [B, units]. */
  unitLoss: ModelTensor;
  taps: Record<string, ModelTensor>;
}

export class NeuroStormModel {
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  constructor(readonly weights: WeightSet, readonly sessionOptions: SessionOptions = {}) {}

  get config(): NeuroStormConfig {
    return this.weights.config;
  }

  get hasPrompts(): boolean {
    return this.weights.config.promptLen > 0;
  }

  /** Backbone output [B, C, d, h, w, T] (official layout); with the model's prompts unless `prompts: false`. */
  async backbone(x: ModelTensor, options: PromptOption = {}): Promise<ModelTensor> {
    return (await this.forward(x, options, [])).backbone;
  }

  /** Classification logits [B, n] (cls v1 head; n = 1 for two classes). */
  async cls(x: ModelTensor, options: PromptOption = {}): Promise<ModelTensor> {
    return (await this.forward(x, options, ['cls'])).cls;
  }

  /** Regression output [B, 1] (reg v1 head; standardized units, spec §5). */
  async reg(x: ModelTensor, options: PromptOption = {}): Promise<ModelTensor> {
    return (await this.forward(x, options, ['reg'])).reg;
  }

  /** L2-normalised embedding [B, 128] (EmbHead). */
  async embed(x: ModelTensor, options: PromptOption = {}): Promise<ModelTensor> {
    return (await this.forward(x, options, ['emb'])).emb;
  }

  /** Backbone plus any heads and taps in one run (prompts as in PromptOption). */
  async forward(x: ModelTensor, options: ForwardOptions = {}, heads: HeadKind[] = []): Promise<Record<string, ModelTensor>> {
    const prompts = this.usesPrompts(options);
    for (const h of heads) if (!this.weights.heads.has(h)) throw new UsageError(`no ${h} head is loaded (loaded: ${[...this.weights.heads.keys()].join(', ') || 'none'})`, { hint: `put head_${h}.safetensors in the model folder or load a checkpoint with that head` });
    const [B, T] = this.checkInput(x);
    const cfg = this.config;
    const taps = [...(options.taps ?? [])].sort();
    const key = `bb:${B}:${T}:${prompts ? 1 : 0}:${heads.join(',')}:${taps.join(',')}`;
    const session = await this.session(key, () =>
      buildBackboneGraph(cfg, { batch: B, frames: T, prompts, heads, taps })
    );
    return asModelTensors(await session.run({ x: { data: x.data, shape: x.shape } }));
  }

  /** MAE forward with a given mask [B, units] (1 = masked unit): prediction, loss and per-unit loss. */
  async maeLoss(x: ModelTensor, mask: ModelTensor, options: { taps?: readonly string[] } = {}): Promise<MaeResult> {
    if (!this.weights.mae) throw new UsageError('no MAE weights are loaded', { hint: 'load a folder with mae_weights.safetensors or an MAE pretraining checkpoint' });
    const [B, T] = this.checkInput(x);
    const taps = [...(options.taps ?? [])].sort();
    const built = () => buildMaeGraph(this.config, { batch: B, frames: T, taps });
    const session = await this.session(`mae:${B}:${T}:${taps.join(',')}`, built);
    const units = session.inputs.find(s => s.name === 'mask')?.shape ?? [];
    if (mask.shape.length !== 2 || mask.shape[0] !== units[0] || mask.shape[1] !== units[1] || mask.data.length !== B * units[1]) {
      throw new ShapeError(`MAE mask must be [${units.join(', ')}] (1 = masked ${this.config.mae.spatialMask === 'window' ? 'window' : 'token'}), got [${mask.shape.join(', ')}]`);
    }
    const out = asModelTensors(await session.run({ x: { data: x.data, shape: x.shape }, mask: { data: mask.data, shape: mask.shape } }));
    const tapOut: Record<string, ModelTensor> = {};
    for (const t of taps) tapOut[t] = out[t];
    return { pred: out.pred, loss: out.loss.data[0], unitLoss: out.window_loss, taps: tapOut };
  }

  /** All parameter values by graph parameter name (heads as `<kind>:<name>`). */
  parameterValues(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const put = (m: ParamMap, prefix = '') => {
      for (const [k, v] of m) out.set(prefix + k, v.data);
    };
    put(this.weights.backbone);
    if (this.weights.mae) put(this.weights.mae);
    for (const [kind, m] of this.weights.heads) put(m, `${kind}:`);
    return out;
  }

  /** Replaces one parameter's values (graph name; heads as `<kind>:<name>`), same length. */
  setParameter(name: string, data: Float32Array): void {
    const colon = name.indexOf(':');
    const map = colon > 0 ? this.weights.heads.get(name.slice(0, colon) as HeadKind) : this.weights.backbone.has(name) ? this.weights.backbone : this.weights.mae;
    const key = colon > 0 ? name.slice(colon + 1) : name;
    const p = map?.get(key);
    if (!p) throw new UsageError(`the model has no parameter "${name}"`);
    if (p.data.length !== data.length) throw new ShapeError(`parameter "${name}" has ${p.data.length} values, got ${data.length}`);
    p.data = data;
    this.invalidate();
  }

  /** A copy of this model with fresh TPT prompts of length P (official init), replacing any loaded ones. */
  withPrompts(promptLen: number, seed: number): NeuroStormModel {
    if (!Number.isSafeInteger(promptLen) || promptLen < 1) throw new UsageError(`promptLen must be a positive integer, got ${promptLen}`);
    const backbone: ParamMap = new Map([...this.weights.backbone].filter(([k]) => !isPromptKey(k)).map(([k, v]) => [k, { shape: [...v.shape], data: v.data.slice() }]));
    for (const [k, v] of initPrompts(this.config, promptLen, seed)) backbone.set(k, v);
    const heads = new Map([...this.weights.heads].map(([kind, m]) => [kind, new Map([...m].map(([k, v]) => [k, { shape: [...v.shape], data: v.data.slice() }]))]));
    const ws = assembleWeightSet({ ...this.config, promptLen }, backbone, this.weights.mae, heads, this.weights.source);
    return new NeuroStormModel(ws, this.sessionOptions);
  }

  /** Drops cached sessions (after the weights changed, e.g. a training step). */
  invalidate(): void {
    // The sessions have the old weights baked in as initializers: nobody can use them again, so free
    // their native memory now (after runs in progress) instead of keeping one per weight version.
    const old = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of old) s.then(x => x.release()).catch(() => undefined);
  }

  /** Resolves PromptOption: the model's own prompts by default; `true` on a prompt-less model is an error. */
  usesPrompts(options: PromptOption): boolean {
    if (options.prompts === true && !this.hasPrompts) throw new UsageError('this model has no TPT prompts loaded', { hint: 'add prompts.safetensors to the folder, or create prompts with model.withPrompts(promptLen, seed)' });
    return options.prompts ?? this.hasPrompts;
  }

  /** Validates x = [B, inChans, X, Y, Z, T]; returns [B, T]. */
  private checkInput(x: ModelTensor): [number, number] {
    const cfg = this.config;
    const s = x.shape;
    if (Object.prototype.toString.call(x?.data) !== '[object Float32Array]') throw new ShapeError(ArrayBuffer.isView(x) ? `input must be { data, shape } (a bare ${Object.prototype.toString.call(x).slice(8, -1)} has no shape), e.g. { data: x, shape: [1, ${cfg.inChans}, ${cfg.imgSize.slice(0, 3).join(', ')}, T] }` : `input data must be a Float32Array (any realm), got ${Object.prototype.toString.call(x?.data).slice(8, -1)}`);
    const ok = s.length === 6 && s[1] === cfg.inChans && s[2] === cfg.imgSize[0] && s[3] === cfg.imgSize[1] && s[4] === cfg.imgSize[2] && s[5] >= 1 && s[5] <= cfg.imgSize[3] && s[0] >= 1;
    if (!ok) throw new ShapeError(`input must be [B, ${cfg.inChans}, ${cfg.imgSize.slice(0, 3).join(', ')}, T ≤ ${cfg.imgSize[3]}], got [${s.join(', ')}]`);
    if (x.data.length !== numel(s)) throw new ShapeError(`input has ${x.data.length} values, shape [${s.join(', ')}] needs ${numel(s)}`);
    deriveSizes(cfg, s[5]);
    return [s[0], s[5]];
  }

  private session(purpose: string, build: () => BuiltGraph): Promise<GraphSession> {
    // Keyed by the device in effect too, so `ns.runtime.device(...)` or a `--device` scope moves the
    // model's next forward instead of reusing a session compiled for the earlier device.
    const key = `${purpose}@${this.sessionOptions.provider ?? deviceRequest().requested}`;
    let s = this.sessions.get(key);
    if (!s) {
      const built = build();
      const values = this.parameterValues();
      const initializers: Record<string, HostArray> = {};
      for (const name of built.params.names()) {
        const v = values.get(name);
        if (!v) throw new UsageError(`parameter "${name}" has no loaded value`);
        initializers[name] = v;
      }
      // Not in the process-wide cache: its key holds these weights, so every weight change (each
      // validation round of a finetune) would add a session that is never freed. This model's own
      // map is the cache, and invalidate() releases what it held.
      s = createSession(built.graph, { ...this.sessionOptions, initializers, cache: false });
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }
}

function asModelTensors(out: Record<string, { data: HostArray; shape: number[] }>): Record<string, ModelTensor> {
  const r: Record<string, ModelTensor> = {};
  for (const [k, v] of Object.entries(out)) r[k] = { data: v.data as Float32Array, shape: v.shape };
  return r;
}
