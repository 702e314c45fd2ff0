/**
 * One NeuroSTORM configuration object for every size (spec §1, §2.4, §2.5), its round trip to the
 * official constructor-argument form (`config.json: neurostorm_args`, `neurostorm_mae_args`, `heads`)
 * and every derived size (grids, clamped windows, shifts, dt_rank, MAE window counts) computed here
 * and nowhere else.
 */
import { ConfigError } from '../errors';
import { numel } from '../graph/shapes';

export type Vec4 = [number, number, number, number];

export interface HeadConfig {
  /** `cls` (ClsHead v1), `reg` (RegHead v1) or `emb` (EmbHead: fc1 + BatchNorm1d + L2 normalise). */
  kind: 'cls' | 'reg' | 'emb';
  /** Classes for `cls`: 2 gives one logit (BCE), otherwise one logit per class. */
  numClasses?: number;
  /** Embedding width for `emb` (official 128). */
  embeddingSize?: number;
}

export interface MaeConfig {
  maskRatio: number;
  spatialMask: 'window' | 'random';
  timeMask: 'random';
}

/** The model family's hyperparameters; field names mirror the official constructor arguments. */
export interface NeuroStormConfig {
  /** `'neurostorm'` (Mamba mixer, the official model) or `'swift'` (4D window self-attention baseline). */
  arch: 'neurostorm' | 'swift';
  imgSize: Vec4;
  patchSize: Vec4;
  inChans: number;
  embedDim: number;
  depths: number[];
  numHeads: number[];
  windowSize: Vec4;
  firstWindowSize: Vec4;
  cMultiplier: number;
  mlpRatio: number;
  lastLayerFullMSA: boolean;
  /** TPT prompt length per block (0: no prompts). */
  promptLen: number;
  mae: MaeConfig;
  heads: HeadConfig[];
}

/** Sizes of one encoder stage after the window clamp of spec §2.5. */
export interface StageGeometry {
  index: number;
  /** Channels C of the stage. */
  channels: number;
  /** Mamba inner width E = 2C. */
  inner: number;
  /** dt rank r = ceil(C/16). */
  dtRank: number;
  /** Token grid (d, h, w, t) entering the stage. */
  grid: Vec4;
  /** Window after the clamp (`get_window_size`). */
  window: Vec4;
  /** Shift used by odd blocks after the clamp (all zero for the full-window stage). */
  shift: Vec4;
  /** Grid after zero padding at the end of each axis. */
  padded: Vec4;
  /** Windows per sample and tokens per window. */
  windowsPerSample: number;
  tokensPerWindow: number;
  depth: number;
  /** Attention heads (SwiFT baseline only; NeuroSTORM ignores num_heads, spec §1). */
  heads: number;
  /** Whether a PatchMergingV2 follows the stage. */
  merges: boolean;
  /** Time length of the stage's time_embed parameter (img_size[3]). */
  timeEmbedLength: number;
}

export interface DerivedSizes {
  /** Patch grid (d, h, w) of the embedding. */
  patchGrid: [number, number, number];
  stages: StageGeometry[];
  /** Channels of the backbone output. */
  outChannels: number;
  /** Backbone output shape without batch: (C, d, h, w, T). */
  outShape: [number, number, number, number, number];
  lastWindowSize: Vec4 | null;
  maeNumWindows: number;
  maeNumMasked: number;
  /** Decoder stages (`layers_up.i` mirrors encoder stage L-2-i). */
  decoder: StageGeometry[];
}

/** The official configuration (scripts/configs/models/neurostorm.yaml, spec §1). */
export function officialConfig(overrides: Partial<NeuroStormConfig> = {}): NeuroStormConfig {
  return validateConfig({
    arch: 'neurostorm',
    imgSize: [96, 96, 96, 20],
    patchSize: [6, 6, 6, 1],
    inChans: 1,
    embedDim: 36,
    depths: [2, 2, 6, 2],
    numHeads: [3, 6, 12, 24],
    windowSize: [4, 4, 4, 4],
    firstWindowSize: [4, 4, 4, 4],
    cMultiplier: 2,
    mlpRatio: 4,
    lastLayerFullMSA: true,
    promptLen: 0,
    mae: { maskRatio: 0.5, spatialMask: 'window', timeMask: 'random' },
    heads: [],
    ...overrides
  });
}

/** A small CPU demo configuration (fast enough for notebooks and tests): 24³×4 input, two stages. */
export function demoConfig(overrides: Partial<NeuroStormConfig> = {}): NeuroStormConfig {
  return officialConfig({
    imgSize: [24, 24, 24, 4],
    embedDim: 12,
    depths: [2, 2],
    numHeads: [3, 6],
    windowSize: [2, 2, 2, 2],
    firstWindowSize: [2, 2, 2, 2],
    ...overrides
  });
}

/**
 * The CPU configuration (`--config cpu`): the official architecture (4 stages, Mamba mixer, 4⁴
 * windows, 6³ patches, MAE decoder) at a size that trains on 2 cores in minutes: 4 mm input
 * (48³, the 96³ cache average-pooled 2×), 20 frames, embed 12, one block per stage. Not an official
 * configuration; official weights do not load into it (different sizes).
 */
export function cpuConfig(overrides: Partial<NeuroStormConfig> = {}): NeuroStormConfig {
  return officialConfig({
    imgSize: [48, 48, 48, 20],
    embedDim: 12,
    depths: [1, 1, 1, 1],
    numHeads: [3, 6, 12, 24],
    ...overrides
  });
}

/**
 * Sane upper bounds of every size, far above any published NeuroSTORM/SwiFT configuration
 * (official: 96³×20 input, embed 36, depths ≤ 6, windows 4⁴). Checked up front so an absurd
 * configuration is a ConfigError at once, not minutes of work and gigabytes before a RangeError.
 */
export const CONFIG_LIMITS = {
  /** Voxels per spatial axis of the input. */
  imgEdge: 1024,
  /** Frames of the input (time_embed length). */
  frames: 10_000,
  /** Any window or patch edge. */
  windowEdge: 256,
  inChans: 64,
  embedDim: 8192,
  stages: 8,
  /** Blocks per stage. */
  depth: 64,
  numHeads: 1024,
  mlpRatio: 64,
  promptLen: 4096,
  numClasses: 100_000,
  embeddingSize: 65_536,
  /** Backbone parameters (2^31 float32 = 8 GiB). */
  parameters: 2 ** 31
} as const;

/** Backbone parameters, estimated from the dominant per-block terms (projections and MLP). */
function estimatedParameters(cfg: NeuroStormConfig): number {
  let total = 0;
  let C = cfg.embedDim;
  for (const depth of cfg.depths) {
    total += depth * (6 + 2 * cfg.mlpRatio) * C * C + 8 * C * C;
    C *= 2;
  }
  return total;
}

function isIntVec(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every(x => Number.isSafeInteger(x) && x > 0);
}

/** Checks every field; returns the config unchanged or throws a ConfigError naming the field. */
export function validateConfig(cfg: NeuroStormConfig, file?: string): NeuroStormConfig {
  const fail = (msg: string, hint?: string): never => {
    throw new ConfigError(msg, { file, hint });
  };
  if (cfg.arch !== 'neurostorm' && cfg.arch !== 'swift') fail(`arch must be "neurostorm" or "swift", got ${JSON.stringify(cfg.arch)}`);
  for (const k of ['imgSize', 'patchSize', 'windowSize', 'firstWindowSize'] as const) {
    if (!isIntVec(cfg[k], 4)) fail(`${k} must be four positive integers, got ${JSON.stringify(cfg[k])}`);
  }
  const lim = CONFIG_LIMITS;
  const within = (what: string, value: number, max: number, min = 1) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) fail(`${what} must be an integer in [${min}, ${max}], got ${value}`, 'sizes are bounded to keep absurd configurations from exhausting memory');
  };
  for (let i = 0; i < 3; i++) within(`imgSize[${i}]`, cfg.imgSize[i], lim.imgEdge);
  within('imgSize[3] (frames)', cfg.imgSize[3], lim.frames);
  for (const k of ['patchSize', 'windowSize', 'firstWindowSize'] as const) cfg[k].forEach((n, i) => within(`${k}[${i}]`, n, lim.windowEdge));
  if (cfg.patchSize[3] !== 1) fail(`patchSize[3] must be 1 (the official PatchEmbed asserts it), got ${cfg.patchSize[3]}`);
  for (let i = 0; i < 3; i++) {
    if (cfg.imgSize[i] % cfg.patchSize[i] !== 0) {
      fail(`imgSize[${i}]=${cfg.imgSize[i]} is not a multiple of patchSize[${i}]=${cfg.patchSize[i]}`);
    }
  }
  within('inChans', cfg.inChans, lim.inChans);
  within('embedDim', cfg.embedDim, lim.embedDim);
  if (!Array.isArray(cfg.depths) || cfg.depths.length < 2 || !cfg.depths.every(d => Number.isSafeInteger(d) && d >= 1)) {
    fail(`depths must list at least two positive integers, got ${JSON.stringify(cfg.depths)}`, 'a one-stage NeuroSTORM is not built by the official code');
  }
  if (cfg.depths.length > lim.stages) fail(`depths lists ${cfg.depths.length} stages; at most ${lim.stages} are supported`);
  cfg.depths.forEach((d, i) => within(`depths[${i}]`, d, lim.depth));
  if (Array.isArray(cfg.numHeads)) cfg.numHeads.forEach((h, i) => within(`numHeads[${i}]`, h, lim.numHeads));
  if (!Array.isArray(cfg.numHeads) || cfg.numHeads.length < cfg.depths.length || !cfg.numHeads.every(h => Number.isSafeInteger(h) && h >= 1)) {
    fail(`numHeads must give one positive integer per stage (${cfg.depths.length}), got ${JSON.stringify(cfg.numHeads)}`);
  }
  if (cfg.cMultiplier !== 2) fail(`cMultiplier must be 2 (PatchMergingV2 and the position embeddings assume it), got ${cfg.cMultiplier}`);
  if (!(cfg.mlpRatio > 0 && cfg.mlpRatio <= lim.mlpRatio) || !Number.isSafeInteger(cfg.embedDim * cfg.mlpRatio)) fail(`mlpRatio must make an integer MLP width with a ratio in (0, ${lim.mlpRatio}], got ${cfg.mlpRatio}`);
  within('promptLen', cfg.promptLen, lim.promptLen, 0);
  const parameters = estimatedParameters(cfg);
  if (parameters > lim.parameters) fail(`this configuration has about ${parameters.toExponential(2)} backbone parameters, more than ${lim.parameters.toExponential(2)} (8 GiB of float32)`, 'reduce embedDim, depths or mlpRatio');
  if (cfg.arch === 'swift' && cfg.promptLen > 0) fail('prompt tuning (TPT) exists for NeuroSTORM only, not for the SwiFT baseline');
  if (cfg.arch === 'swift') {
    cfg.depths.forEach((_, i) => {
      const C = cfg.embedDim * 2 ** i;
      if (C % cfg.numHeads[i] !== 0) fail(`SwiFT stage ${i}: ${C} channels do not split into ${cfg.numHeads[i]} heads`);
    });
  }
  const L = cfg.depths.length;
  const g = cfg.imgSize.slice(0, 3).map((n, i) => n / cfg.patchSize[i]);
  for (let i = 0; i < 3; i++) {
    if (g[i] % 2 ** (L - 1) !== 0) {
      fail(`patch grid axis ${i} (${g[i]}) must be divisible by 2^${L - 1} for ${L - 1} PatchMergingV2 steps`, 'odd sizes are unsupported by PatchMergingV2 (spec §2.7)');
    }
  }
  if (!(cfg.mae.maskRatio > 0 && cfg.mae.maskRatio < 1)) fail(`mae.maskRatio must lie in (0, 1), got ${cfg.mae.maskRatio}`);
  if (cfg.mae.spatialMask !== 'window' && cfg.mae.spatialMask !== 'random') fail(`mae.spatialMask must be "window" or "random", got ${JSON.stringify(cfg.mae.spatialMask)}`);
  if (cfg.mae.timeMask !== 'random') fail(`mae.timeMask must be "random" (the tube variants crash in the official loss, spec §3), got ${JSON.stringify(cfg.mae.timeMask)}`);
  for (const h of cfg.heads) {
    if (h.kind !== 'cls' && h.kind !== 'reg' && h.kind !== 'emb') fail(`head kind must be cls, reg or emb, got ${JSON.stringify(h.kind)}`);
    if (h.kind === 'cls' && !(Number.isSafeInteger(h.numClasses) && (h.numClasses as number) >= 2 && (h.numClasses as number) <= CONFIG_LIMITS.numClasses)) fail(`cls head needs numClasses >= 2 (an integer up to ${CONFIG_LIMITS.numClasses}), got ${h.numClasses}`);
    if (h.kind === 'emb' && h.embeddingSize !== undefined) within('emb head embeddingSize', h.embeddingSize, CONFIG_LIMITS.embeddingSize);
  }
  return cfg;
}

/** `get_window_size` (spec §2.5): an axis no longer than its window takes the axis length and shift 0. */
export function clampWindow(grid: Vec4, window: Vec4, shift: Vec4): { window: Vec4; shift: Vec4 } {
  const w = [...window] as Vec4;
  const s = [...shift] as Vec4;
  for (let i = 0; i < 4; i++) {
    if (grid[i] <= window[i]) {
      w[i] = grid[i];
      s[i] = 0;
    }
  }
  return { window: w, shift: s };
}

function stageGeometry(cfg: NeuroStormConfig, index: number, channels: number, grid: Vec4, configured: Vec4, fullWindow: boolean, depth: number, merges: boolean, heads: number): StageGeometry {
  const halfShift = configured.map(w => Math.floor(w / 2)) as Vec4;
  const { window, shift } = clampWindow(grid, configured, fullWindow ? [0, 0, 0, 0] : halfShift);
  const padded = grid.map((n, i) => Math.ceil(n / window[i]) * window[i]) as Vec4;
  return {
    index,
    channels,
    inner: 2 * channels,
    dtRank: Math.ceil(channels / 16),
    grid,
    window,
    shift,
    padded,
    windowsPerSample: padded.reduce((a, n, i) => a * (n / window[i]), 1),
    tokensPerWindow: numel(window),
    depth,
    heads,
    merges,
    timeEmbedLength: cfg.imgSize[3]
  };
}

/**
 * Every size the graphs and weight checks need, for an input of `T` frames (default img_size[3];
 * the time_embed is sliced to T, and T > img_size[3] fails as in the official code).
 */
export function deriveSizes(cfg: NeuroStormConfig, T = cfg.imgSize[3]): DerivedSizes {
  if (!Number.isSafeInteger(T) || T < 1 || T > cfg.imgSize[3]) {
    throw new ConfigError(`input has ${T} frames but the model's time embedding holds ${cfg.imgSize[3]}`, { hint: 'crop the clip or build the model with a larger imgSize[3]' });
  }
  const L = cfg.depths.length;
  const patchGrid = [0, 1, 2].map(i => cfg.imgSize[i] / cfg.patchSize[i]) as [number, number, number];
  const stages: StageGeometry[] = [];
  let grid: Vec4 = [...patchGrid, T];
  let channels = cfg.embedDim;
  let lastWindowSize: Vec4 | null = null;
  for (let i = 0; i < L; i++) {
    const last = i === L - 1;
    let configured: Vec4 = i === 0 ? cfg.firstWindowSize : cfg.windowSize;
    const full = last && cfg.lastLayerFullMSA;
    if (full) {
      lastWindowSize = [patchGrid[0] / 2 ** (L - 1), patchGrid[1] / 2 ** (L - 1), patchGrid[2] / 2 ** (L - 1), cfg.windowSize[3]];
      configured = lastWindowSize;
    }
    stages.push(stageGeometry(cfg, i, channels, grid, configured, full, cfg.depths[i], !last, cfg.numHeads[i]));
    if (!last) {
      grid = [grid[0] / 2, grid[1] / 2, grid[2] / 2, grid[3]];
      channels *= cfg.cMultiplier;
    }
  }
  // Decoder (spec §3): layers_up.j mirrors encoder stage L-2-j with window_size everywhere.
  const decoder: StageGeometry[] = [];
  for (let j = 0; j < L - 1; j++) {
    const s = stages[L - 2 - j];
    decoder.push(stageGeometry(cfg, j, s.channels, s.grid, cfg.windowSize, false, s.depth, false, s.heads));
  }
  const maeGrid: Vec4 = [...patchGrid, T];
  const divisible = maeGrid.every((n, i) => n % cfg.windowSize[i] === 0);
  const maeNumWindows = divisible ? maeGrid.reduce((a, n, i) => a * (n / cfg.windowSize[i]), 1) : 0;
  const last = stages[L - 1];
  return {
    patchGrid,
    stages,
    outChannels: last.channels,
    outShape: [last.channels, last.grid[0], last.grid[1], last.grid[2], T],
    lastWindowSize,
    maeNumWindows,
    maeNumMasked: Math.floor(maeNumWindows * cfg.mae.maskRatio),
    decoder
  };
}

/** Window partition of the MAE mask/loss (spec §3) needs the patch grid divisible by window_size. */
export function assertMaeGeometry(cfg: NeuroStormConfig, T = cfg.imgSize[3]): void {
  const grid = [...deriveSizes(cfg, T).patchGrid, T];
  for (let i = 0; i < 4; i++) {
    if (grid[i] % cfg.windowSize[i] !== 0) {
      throw new ConfigError(`MAE window masking needs the token grid ${JSON.stringify(grid)} divisible by window_size ${JSON.stringify(cfg.windowSize)} (axis ${i})`);
    }
  }
}
