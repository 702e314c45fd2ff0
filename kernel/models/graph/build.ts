/**
 * Whole-model graphs from one configuration: backbone (optionally prompt-tuned) with heads, and the
 * MAE. Each builder declares its inputs (`x`, and `mask` for the MAE), its parameters with official
 * names, and named outputs (`backbone`, `cls`, `reg`, `emb`, `pred`, `loss`, `window_loss`, taps).
 */
import { ConfigError } from '../../errors';
import { Graph } from '../../graph/graph';
import type { DType } from '../../graph/dtype';
import type { Tensor } from '../../graph/tensor';
import { cast } from '../../graph/api/math';
import { assertMaeGeometry, deriveSizes, NeuroStormConfig } from '../config';
import { backboneShapes, headShapes, maeShapes, ParamShapes } from '../weights/state-dict';
import type { HeadKind } from '../weights/weight-set';
import { encoder, patchEmbed } from './backbone';
import { mambaMixer, Mixer, SCAN_GROUP_ELEMENTS } from './blocks';
import { head, poolTokens } from './heads';
import { ContrastiveNorm, maeForward } from './mae';
import { ParamScope } from './params';
import { Taps } from './taps';
import { toChannelsFirst } from './window';
import { attentionMixer } from './attention';
import type { StrdSpec } from './strd';

export interface BuildOptions {
  batch: number;
  /** Frames of the input (≤ imgSize[3]; default imgSize[3]). */
  frames?: number;
  /** Run the TPT prompt tokens (the config must have promptLen > 0). */
  prompts?: boolean;
  /** Heads to add as outputs. */
  heads?: HeadKind[];
  /** Intermediate outputs to expose (fixture names, e.g. `inter.layers.0`). */
  taps?: readonly string[];
  /** Graph dtype (float64 for gradient checks). */
  dtype?: DType;
  /** Which parameters are trainable (default all). */
  trainable?: (name: string) => boolean;
  /** Scan cache-blocking target (state elements per window group). */
  scanGroupElements?: number;
  /** For training steps: leave `loss` undeclared as an output (the step declares it). */
  lossAsOutput?: boolean;
  /** MAE training steps: STRD on every encoder block (spec §2.8), with a `strd.<block>` noise input each. */
  strd?: StrdSpec;
  /**
   * MAE training steps: weight λ of the subject-contrastive term (ours; ./mae.ts contrastiveLoss);
   * needs an `emb` head in the configuration (its fc1 is the projection). 0 or absent: the graph of
   * before, node for node. Adds outputs `masked_loss` and `contrastive_loss`.
   */
  contrastive?: number;
  /** The contrastive projection's normalisation before L2 (./mae.ts contrastiveLoss; default 'none'). */
  contrastiveNorm?: ContrastiveNorm;
  /**
   * MAE training steps: weight λ of the amplitude-map term (ours; ./amplitude-map.ts); needs a cls head
   * with gx·gy·gz classes in the configuration (its Linear is the projection). 0 or absent: the graph
   * of before, node for node. Adds the input `amplitude_x` (x before augmentation, same shape) and the
   * outputs `masked_loss` and `amplitude_map_loss`.
   */
  amplitudeMap?: number;
}

export interface BuiltGraph {
  graph: Graph;
  params: ParamScope;
  outputs: Record<string, Tensor>;
}

function mixerFor(cfg: NeuroStormConfig, p: ParamScope, groupElements: number): Mixer {
  return cfg.arch === 'swift' ? attentionMixer(p) : mambaMixer(p, groupElements);
}

function allShapes(cfg: NeuroStormConfig, withMae: boolean): ParamShapes {
  const out = deriveSizes(cfg).outChannels;
  const shapes = new Map(backboneShapes(cfg));
  if (withMae) for (const [k, v] of maeShapes(cfg)) shapes.set(k, v);
  for (const h of cfg.heads) for (const [k, v] of headShapes(h.kind, out, h.numClasses, h.embeddingSize)) shapes.set(`${h.kind}:${k}`, v);
  return shapes;
}

/** Head parameters share Lightning names across kinds, so they are declared as `<kind>:<name>`. */
class HeadScope extends ParamScope {
  constructor(private readonly inner: ParamScope, private readonly kind: HeadKind) {
    super(inner.graph, new Map());
  }
  override get(name: string): Tensor {
    return this.inner.get(`${this.kind}:${name}`);
  }
}

export function buildBackboneGraph(cfg: NeuroStormConfig, options: BuildOptions): BuiltGraph {
  const T = options.frames ?? cfg.imgSize[3];
  const sizes = deriveSizes(cfg, T);
  const dtype = options.dtype ?? 'float32';
  const g = new Graph(`${cfg.arch}-backbone`);
  const p = new ParamScope(g, allShapes(cfg, false), options.trainable, dtype);
  const x = g.input('x', [options.batch, cfg.inChans, ...cfg.imgSize.slice(0, 3), T], dtype);
  const taps = new Taps(g, new Set(options.taps ?? []), 'inter.');
  const mixer = mixerFor(cfg, p, options.scanGroupElements ?? SCAN_GROUP_ELEMENTS);
  const tokens = patchEmbed(p, cfg, cast(x, dtype));
  taps.record('patch_embed', toChannelsFirst(tokens));
  const enc = encoder(p, mixer, sizes, tokens, { prompts: options.prompts === true, taps });
  const outputs: Record<string, Tensor> = { backbone: g.output('backbone', toChannelsFirst(enc)) };
  if (options.heads?.length) {
    const pooled = poolTokens(enc);
    for (const kind of options.heads) outputs[kind] = g.output(kind, head(new HeadScope(p, kind), kind, pooled));
  }
  return { graph: g, params: p, outputs };
}

export function buildMaeGraph(cfg: NeuroStormConfig, options: BuildOptions): BuiltGraph {
  const T = options.frames ?? cfg.imgSize[3];
  assertMaeGeometry(cfg, T);
  const sizes = deriveSizes(cfg, T);
  const dtype = options.dtype ?? 'float32';
  const g = new Graph(`${cfg.arch}-mae`);
  const p = new ParamScope(g, allShapes({ ...cfg, promptLen: 0 }, true), options.trainable, dtype);
  const x = g.input('x', [options.batch, cfg.inChans, ...cfg.imgSize.slice(0, 3), T], dtype);
  const units = cfg.mae.spatialMask === 'window' ? sizes.maeNumWindows : sizes.patchGrid.reduce((a, b) => a * b, T);
  const mask = g.input('mask', [options.batch, units], dtype);
  const taps = new Taps(g, new Set(options.taps ?? []), 'mae_inter.');
  const mixer = mixerFor(cfg, p, options.scanGroupElements ?? SCAN_GROUP_ELEMENTS);
  const weight = options.contrastive ?? 0;
  if (weight > 0 && !cfg.heads.some(h => h.kind === 'emb')) throw new ConfigError('the contrastive term needs an emb head (its fc1 is the projection)', { hint: 'pretrain() adds one when contrastive > 0' });
  const contrastive = weight > 0 ? { weight, projection: new HeadScope(p, 'emb'), norm: options.contrastiveNorm } : undefined;
  const ampWeight = options.amplitudeMap ?? 0;
  const patches = sizes.patchGrid.reduce((a, b) => a * b, 1);
  if (ampWeight > 0 && !cfg.heads.some(h => h.kind === 'cls' && h.numClasses === patches)) throw new ConfigError(`the amplitude-map term needs a cls head with ${patches} outputs (one per patch; its Linear is the projection)`, { hint: 'pretrain() adds one when amplitudeMap > 0' });
  // the target's input: the clip before augmentation (./amplitude-map.ts says why), fed beside x
  const amplitude = ampWeight > 0 ? { weight: ampWeight, projection: new HeadScope(p, 'cls'), source: g.input('amplitude_x', [...x.shape], dtype) } : undefined;
  const out = maeForward(p, mixer, cfg, sizes, x, mask, taps, options.strd, contrastive, amplitude);
  const outputs: Record<string, Tensor> = {
    pred: g.output('pred', out.pred),
    loss: options.lossAsOutput === false ? out.loss : g.output('loss', out.loss),
    window_loss: g.output('window_loss', out.unitLoss)
  };
  if (out.maskedLoss) outputs.masked_loss = g.output('masked_loss', out.maskedLoss);
  if (out.contrastiveLoss) outputs.contrastive_loss = g.output('contrastive_loss', out.contrastiveLoss);
  if (out.amplitudeMapLoss) outputs.amplitude_map_loss = g.output('amplitude_map_loss', out.amplitudeMapLoss);
  return { graph: g, params: p, outputs };
}
