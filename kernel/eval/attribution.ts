/**
 * `ns.attribute`: which voxels a prediction rests on (issue 12, item 8). Gradient x input and
 * integrated gradients of one output (a class logit, or the regression value) with respect to the
 * input volume, through the engine's reverse-mode autodiff: the backbone + head graph gets one more
 * output, d(output)/dx, and runs as one session (weights baked in). Attributions are summed over
 * the clip's frames, averaged over the clips given (a subject's clips), and mapped from the model
 * input grid back to FSL's MNI 2 mm grid (91x109x91, LAS) as a NIfTI volume.
 *
 * Integrated gradients (Sundararajan et al. 2017) use the all-zeros input as the reference (the
 * z-normalised mean) and a midpoint Riemann sum over `steps` points, evaluated in batches.
 */
import { ShapeError, UsageError } from '../errors';
import type { DType, HostArray } from '../graph/dtype';
import { gradients } from '../graph/autodiff';
import { sum } from '../graph/api/reduce';
import { sliceAxis } from '../graph/api/shape';
import type { Graph } from '../graph/graph';
import { createSession } from '../runtime/session';
import type { NeuroStormConfig } from '../models/config';
import { buildBackboneGraph } from '../models/graph/build';
import type { ModelTensor, NeuroStormModel } from '../models/model';
import { MNI_2MM_LAS, MODEL_EDGE } from '../data/grid';
import { modelToTargetOffset } from '../data/spatial';
import { createImage, NiftiImage, XformCode } from '../nifti/image';
import { write } from '../nifti/write';

export type AttributionMethod = 'integrated-gradients' | 'gradient-x-input';

export interface AttributionOptions {
  /** Default integrated gradients. */
  method?: AttributionMethod;
  /**
   * Integration points for integrated gradients; default 64. The path starts at the all-zeros
   * input, where layer norms make the model change fast, so few points underestimate: on the demo
   * model 8 / 32 / 128 points recovered 64% / 78% / 100.6% of f(x) - f(0) (completeness).
   */
  steps?: number;
  /** Inputs per session run (memory bound: one run holds batch x clip activations); default 8. */
  batch?: number;
  /** Head whose output is explained: `cls` (default when loaded) or `reg`. */
  head?: 'cls' | 'reg';
  /** Output column (class index of a multiclass head); default 0 (the single logit / value). */
  output?: number;
  /** Run the TPT prompts (default: when the model has them). */
  prompts?: boolean;
  /** Write the MNI-grid map here (.nii or .nii.gz). */
  out?: string;
}

export interface Attribution {
  method: AttributionMethod;
  /** Model-input-grid map [X, Y, Z] row-major (z fastest), summed over frames, mean over clips. */
  input: { data: Float32Array; shape: [number, number, number] };
  /** The same on the MNI 2 mm grid (NIfTI order, x fastest), ready for ns.view / ns.nifti.write. */
  volume: NiftiImage;
}

export interface AttributionGraph {
  graph: Graph;
  /** Names of the explained output and of the input gradient. */
  output: string;
  gradient: string;
  params: string[];
}

/** The backbone + head graph with d(sum over batch of output[:, column]) / dx as an extra output. */
export function buildAttributionGraph(
  cfg: NeuroStormConfig,
  options: { batch: number; frames: number; head: 'cls' | 'reg'; output: number; prompts: boolean; dtype?: DType }
): AttributionGraph {
  const built = buildBackboneGraph(cfg, { batch: options.batch, frames: options.frames, prompts: options.prompts, heads: [options.head], dtype: options.dtype });
  const g = built.graph;
  const y = built.outputs[options.head];
  if (options.output < 0 || options.output >= y.shape[1])
    throw new UsageError(`output column ${options.output} does not exist; the ${options.head} head has ${y.shape[1]}`);
  const x = g.inputs.find(t => t.name === 'x');
  if (!x) throw new ShapeError('the backbone graph has no input "x"');
  // Clips of a batch are independent, so the gradient of the batch sum is each clip's own gradient.
  const selected = g.output('explained', sliceAxis(y, 1, options.output, options.output + 1));
  const [gx] = gradients(sum(selected), [x]);
  g.output('grad_x', gx);
  return { graph: g, output: 'explained', gradient: 'grad_x', params: built.params.names() };
}

/** Maps an input-grid map [E, E, E] (the 96³ grid average-pooled by 96/E) onto MNI 2 mm, x fastest. */
export function toMniGrid(map: Float32Array, edge: number): Float32Array {
  if (MODEL_EDGE % edge !== 0 || map.length !== edge ** 3)
    throw new ShapeError(`attribution map of ${map.length} values is not a ${edge}³ grid pooled from ${MODEL_EDGE}³`);
  const f = MODEL_EDGE / edge;
  const [nx, ny, nz] = MNI_2MM_LAS.shape;
  const off = MNI_2MM_LAS.shape.map(modelToTargetOffset);
  const out = new Float32Array(nx * ny * nz);
  // A pooled input voxel averages f³ model voxels, so its attribution is shared equally among them
  // (the gradient of a mean); voxels outside the 96³ crop get 0.
  const share = 1 / f ** 3;
  for (let z = 0, o = 0; z < nz; z++) {
    const mz = z - off[2];
    for (let y = 0; y < ny; y++) {
      const my = y - off[1];
      for (let x = 0; x < nx; x++, o++) {
        const mx = x - off[0];
        if (mx < 0 || my < 0 || mz < 0 || mx >= MODEL_EDGE || my >= MODEL_EDGE || mz >= MODEL_EDGE) continue;
        out[o] = map[(Math.floor(mx / f) * edge + Math.floor(my / f)) * edge + Math.floor(mz / f)] * share;
      }
    }
  }
  return out;
}

/**
 * Attribution of `model`'s prediction for `clips` ([N, 1, X, Y, Z, T], e.g. one subject's clips)
 * with respect to the input voxels; the map is the mean over the N clips.
 */
export async function attribute(model: NeuroStormModel, clips: ModelTensor, options: AttributionOptions = {}): Promise<Attribution> {
  const cfg = model.config;
  const [n, c, X, Y, Z, T] = clips.shape;
  if (clips.shape.length !== 6 || c !== cfg.inChans || X !== cfg.imgSize[0] || Y !== cfg.imgSize[1] || Z !== cfg.imgSize[2])
    throw new ShapeError(`clips must be [N, ${cfg.inChans}, ${cfg.imgSize.slice(0, 3).join(', ')}, T], got [${clips.shape.join(', ')}]`);
  if (X !== Y || Y !== Z) throw new ShapeError('attribution maps back to MNI from a cubic input grid only');
  const head = options.head ?? (model.weights.heads.has('cls') ? 'cls' : 'reg');
  if (!model.weights.heads.has(head)) throw new UsageError(`the model has no ${head} head to explain`);
  const method = options.method ?? 'integrated-gradients';
  const steps = method === 'integrated-gradients' ? options.steps ?? 64 : 1;
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`steps must be a positive integer, got ${steps}`);
  const per = Math.min(steps, options.batch ?? 8);
  if (!Number.isInteger(per) || per < 1) throw new UsageError(`batch must be a positive integer, got ${options.batch}`);
  const spec = buildAttributionGraph(cfg, { batch: per, frames: T, head, output: options.output ?? 0, prompts: options.prompts ?? model.hasPrompts });
  const values = model.parameterValues();
  const initializers: Record<string, HostArray> = {};
  for (const name of spec.params) {
    const v = values.get(name);
    if (!v) throw new UsageError(`parameter "${name}" has no loaded value`);
    initializers[name] = v;
  }
  // Uncached and released below: the weights are baked in, so a cached copy could never be reused
  // once the model changes, and would hold its memory for the life of the kernel.
  const session = await createSession(spec.graph, { ...model.sessionOptions, initializers, cache: false });
  const clipSize = c * X * Y * Z * T;
  const voxels = X * Y * Z;
  const map = new Float32Array(voxels);
  const batch = new Float32Array(per * clipSize);
  const gradSum = new Float64Array(clipSize);
  try {
    for (let k = 0; k < n; k++) {
      const x = clips.data.subarray(k * clipSize, (k + 1) * clipSize);
      gradSum.fill(0);
      for (let first = 0; first < steps; first += per) {
        // Points alpha_m = (m + 1/2) / steps on the line from 0 to x (gradient x input: alpha = 1);
        // a last partial chunk repeats its final point in the unused slots, which are not summed.
        const used = Math.min(per, steps - first);
        for (let j = 0; j < per; j++) {
          const m = first + Math.min(j, used - 1);
          const alpha = method === 'integrated-gradients' ? (m + 0.5) / steps : 1;
          const dst = batch.subarray(j * clipSize, (j + 1) * clipSize);
          for (let i = 0; i < clipSize; i++) dst[i] = alpha * x[i];
        }
        const out = await session.run({ x: { data: batch, shape: [per, c, X, Y, Z, T] } });
        const grad = out[spec.gradient].data as Float32Array;
        for (let j = 0; j < used; j++) for (let i = 0; i < clipSize; i++) gradSum[i] += grad[j * clipSize + i];
      }
      for (let i = 0; i < clipSize; i++) {
        // Channels and frames are the fastest axes after the voxel: [c, X, Y, Z, T] -> voxel index.
        const v = Math.floor(i / T) % voxels;
        map[v] += (x[i] * gradSum[i]) / steps / n;
      }
    }
  } finally {
    await session.release();
  }
  const volume = createImage({
    data: toMniGrid(map, X),
    shape: [...MNI_2MM_LAS.shape],
    affine: MNI_2MM_LAS.affine,
    qformCode: XformCode.MNI_152,
    sformCode: XformCode.MNI_152,
    descrip: `neurostorm ${method}`
  });
  if (options.out) await write(options.out, volume);
  return { method, input: { data: map, shape: [X, Y, Z] }, volume };
}
