/**
 * `npm run bench -- forward-variants [--runs 5] [--stage 0]`
 *
 * Selective-scan formulations for the official forward, side by side in ONE process on one official
 * stage's block sizes (stage 0: 320 windows × 256 tokens × E 72 × N 16), interleaved run by run so
 * machine load hits every variant alike: the figures to read are the ratios to `base` (today's scan):
 * wall time (median, min) and process CPU time (min; on a loaded machine the steadier measure of work).
 * Each variant's output is also compared with base's (max |diff| / max |base|).
 * `--in-proj`: Mamba's in_proj as one product + split or as two products (stage-0 sizes).
 * `--patch-embed`: the official patch embedding before/after (fixture weights and input).
 * `--softplus`: Softplus formulations on stage 0's δ size, timed and checked against PyTorch's formula.
 * `--profile`: onnxruntime's per-node profile of each variant, summed by op type and input shapes.
 * `--profile-model`: the same for the official backbone forward graph (official size: under the lock).
 * `--model OLD_LIB`: the official backbone forward before/after (see modelBeforeAfter); official
 * size, so run it under the shared lock (flock /tmp/neurostorm-bigmem.lock).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { scanFeeds } from './scan-feeds';
import { now, timeInterleaved } from './timing';
import { toModelBytes, toModelObject } from '../../kernel/graph/serialize';
import { modelProtoType } from '../../kernel/graph/onnx-proto';
import * as models from '../../kernel/models';
import { buildBackboneGraph } from '../../kernel/models/graph/build';
import { Graph } from '../../kernel/graph/graph';
import type { Tensor } from '../../kernel/graph/tensor';
import { createSession } from '../../kernel/runtime/session';
import { selectiveScan, ScanOptions } from '../../kernel/models/selective-scan';
import { scanOptionsFor } from '../../kernel/models/graph/blocks';
import { abs, add, div, exp, log, maximum, mul, neg, relu, sigmoid, softplus, sub } from '../../kernel/graph/api/math';
import { cumsum, sum } from '../../kernel/graph/api/reduce';
import { concat, pad, reshape, sliceAxis, transpose } from '../../kernel/graph/api/shape';
import { linear, matmul } from '../../kernel/graph/api/linalg';
import { patchEmbed } from '../../kernel/models/graph/backbone';
import { ParamScope } from '../../kernel/models/graph/params';
import { backboneShapes } from '../../kernel/models/weights/state-dict';
import { fixtureFolder } from './bench-args';

interface Tweaks {
  /** y = h @ C (MatMul: multiply and reduce in one pass) instead of Mul + ReduceSum. */
  matmulC?: boolean;
  /** acc = cumsum(x · exp(−S)) with Exp(Neg) + Mul instead of Div by exp(S). */
  expNeg?: boolean;
  /** State laid out [M, L, N, E] (E innermost): the δ·A, δu·B and ·C broadcasts run over spans of E, not N. */
  stateNE?: boolean;
}

/** Today's forward chunked recurrence (inference only), with the tweaks under test. */
function recurrence(logA: Tensor, x: Tensor, K: number, t: Tweaks): Tensor {
  const [M, L, E, N] = x.shape;
  if (L === 1) return x;
  if (L <= K) {
    const S = cumsum(logA, 1);
    const eS = exp(S);
    return mul(eS, cumsum(t.expNeg ? mul(x, exp(neg(S))) : div(x, eS), 1));
  }
  const nc = Math.ceil(L / K);
  const Lp = nc * K;
  const padT = (v: Tensor) => pad(v, [[0, 0], [0, Lp - L], [0, 0], [0, 0]]);
  const la = reshape(padT(logA), [M, nc, K, logA.shape[2], logA.shape[3]]);
  const xs = reshape(padT(x), [M, nc, K, E, N]);
  const S = cumsum(la, 2);
  const eS = exp(S);
  const acc = cumsum(t.expNeg ? mul(xs, exp(neg(S))) : div(xs, eS), 2);
  const lastOf = (v: Tensor) => reshape(sliceAxis(v, 2, K - 1, K), [v.shape[0], nc, v.shape[3], v.shape[4]]);
  const chunkEnd = recurrence(maximum(lastOf(S), -18), mul(lastOf(eS), lastOf(acc)), K, t);
  const entering = reshape(pad(sliceAxis(chunkEnd, 1, 0, nc - 1), [[0, 0], [1, 0], [0, 0], [0, 0]]), [M, nc, 1, E, N]);
  const flat = reshape(mul(eS, add(acc, entering)), [M, Lp, E, N]);
  return Lp === L ? flat : sliceAxis(flat, 1, 0, L);
}

function variantScan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, groups: number, t: Tweaks): Tensor {
  if (groups > 1) {
    const M = u.shape[0];
    const parts: Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const lo = Math.floor((g * M) / groups);
      const hi = Math.floor(((g + 1) * M) / groups);
      const part = (v: Tensor) => sliceAxis(v, 0, lo, hi);
      parts.push(variantScan(part(u), part(delta), A, part(B), part(C), 1, t));
    }
    return concat(parts, 0);
  }
  const [M, L, E] = u.shape;
  const N = A.shape[1];
  if (t.stateNE) {
    const dT = reshape(delta, [M, L, 1, E]);
    const xT = mul(reshape(mul(delta, u), [M, L, 1, E]), reshape(B, [M, L, N, 1]));
    const hT = recurrence(maximum(mul(dT, transpose(A, [1, 0])), -18), xT, 4, t); // [M, L, N, E]
    return reshape(matmul(reshape(C, [M, L, 1, N]), hT), [M, L, E]);
  }
  const d4 = reshape(delta, [M, L, E, 1]);
  const x = mul(mul(d4, reshape(u, [M, L, E, 1])), reshape(B, [M, L, 1, N]));
  const h = recurrence(maximum(mul(d4, A), -18), x, 4, t);
  if (t.matmulC) return reshape(matmul(h, reshape(C, [M, L, N, 1])), [M, L, E]);
  return sum(mul(h, reshape(C, [M, L, 1, N])), [3]);
}

const STAGES: Record<string, [number, number, number, number]> = {
  '0': [320, 256, 72, 16],
  '1': [40, 256, 144, 16],
  '2': [5, 256, 288, 16]
};

interface Variant {
  name: string;
  scan: (u: Tensor, d: Tensor, A: Tensor, B: Tensor, C: Tensor, base: ScanOptions) => Tensor;
  session?: { spin?: boolean; threads?: number; parallel?: boolean };
}

type Feeds = Record<string, { data: Float32Array; shape: number[] }>;
interface Runner {
  run(feeds: Feeds): Promise<Record<string, { data: unknown }>>;
}

/** onnxruntime's parallel executor (independent nodes, e.g. window groups, on 2 inter-op threads, 1 intra-op each). */
async function parallelSession(g: Graph): Promise<Runner> {
  const session = await ort.InferenceSession.create(toModelBytes(g), {
    executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 2, executionMode: 'parallel', graphOptimizationLevel: 'all', logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } }
  });
  return {
    run: async feeds => {
      const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)])));
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data }]));
    }
  };
}

function parseArgs(argv: string[]): { runs: number; stage: string; only?: string[] } {
  const get = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { runs: Number(get('runs') ?? 5), stage: get('stage') ?? '0', only: get('only')?.split(',') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * onnxruntime's per-node profile of one graph (enableProfiling + profileFilePrefix, endProfiling after
 * the runs): kernel time summed by op type, and by op type with its output shape's element count.
 */
async function profile(g: Graph, feeds: Record<string, { data: Float32Array; shape: number[] }>, runs: number, initializers?: Record<string, Float32Array>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-fv-'));
  try {
    const session = await ort.InferenceSession.create(toModelBytes(g, { initializers }), {
      executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      enableProfiling: true, profileFilePrefix: path.join(dir, 'p'), logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } }
    });
    const f = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
    for (let i = 0; i < runs; i++) await session.run(f);
    session.endProfiling();
    await session.release();
    const file = fs.readdirSync(dir).find(x => x.endsWith('.json'));
    if (!file) throw new Error('no profile written');
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string; output_type_shape?: unknown } }[];
    const byOp = new Map<string, number>();
    const byShape = new Map<string, number>();
    let total = 0;
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !e.args?.op_name) continue;
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
      const k = `${e.args.op_name} ${JSON.stringify((e.args as { input_type_shape?: unknown }).input_type_shape ?? '').replace(/"float"|[{}"]/g, '')}`;
      byShape.set(k, (byShape.get(k) ?? 0) + e.dur);
      total += e.dur;
    }
    console.log(`profile of ${g.name}: kernel time ${(total / 1e6 / runs).toFixed(3)} s per run (${events.length} events)`);
    for (const [op, d] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(12)} ${(d / 1e6 / runs).toFixed(3)} s  ${((100 * d) / total).toFixed(1)}%`);
    for (const [k, d] of [...byShape].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${(d / 1e6 / runs).toFixed(3)} s  ${k.slice(0, 110)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--profile-model`: the same for the official backbone forward graph (official size: under the lock).
 * `--model OLD_LIB`: the official backbone forward of this tree and of another build of the kernel
 * (OLD_LIB: a compiled checkout, e.g. HEAD before a change, holding kernel/models) loaded in this one
 * process and timed alternately, 2 threads each; prints both, the ratio, and max|new − old| / max|old|.
 */
async function modelBeforeAfter(oldLib: string, runs: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const oldModels = require(path.join(path.resolve(oldLib), 'kernel', 'models')) as typeof models;
  const folder = fixtureFolder('official');
  const session = { provider: 'cpu' as const, threads: 2 };
  const both = [
    { name: 'before', m: await oldModels.load(folder, { session }), times: [] as number[], cpu: [] as number[] },
    { name: 'after', m: await models.load(folder, { session }), times: [] as number[], cpu: [] as number[] }
  ];
  const x = models.fixtureInput(1, both[1].m.config.imgSize);
  const outs: Float32Array[] = [];
  const first: number[] = [];
  for (const b of both) {
    const t = now();
    outs.push((await b.m.backbone(x, { prompts: false })).data as Float32Array); // warm-up: graph + session
    first.push(now() - t);
  }
  let err = 0;
  let ref = 0;
  for (let i = 0; i < outs[0].length; i++) {
    err = Math.max(err, Math.abs(outs[1][i] - outs[0][i]));
    ref = Math.max(ref, Math.abs(outs[0][i]));
  }
  await timeInterleaved(both, runs, b => b.m.backbone(x, { prompts: false }));
  for (const b of both) console.log(`official backbone forward ${b.name}: median ${median(b.times).toFixed(3)} s, min ${Math.min(...b.times).toFixed(3)} s, min CPU ${Math.min(...b.cpu).toFixed(3)} s; runs ${b.times.map(t => t.toFixed(2)).join(' ')}`);
  console.log(`first call (graph build + session + run): before ${first[0].toFixed(1)} s, after ${first[1].toFixed(1)} s`);
  // Parity of each against the official PyTorch output (the fixture's backbone_out.bin, float32).
  const buf = fs.readFileSync(path.join(folder, 'backbone_out.bin'));
  const official = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  let officialMax = 0;
  for (const v of official) officialMax = Math.max(officialMax, Math.abs(v));
  both.forEach((b, k) => {
    let e = 0;
    for (let i = 0; i < official.length; i++) e = Math.max(e, Math.abs(outs[k][i] - official[i]));
    console.log(`${b.name}: max|ours − official| / max|official| ${(e / officialMax).toExponential(2)} (max|official| ${officialMax.toFixed(3)})`);
  });
  const [o, n] = both;
  console.log(`ratio after/before: median ${(median(n.times) / median(o.times)).toFixed(3)}, min ${(Math.min(...n.times) / Math.min(...o.times)).toFixed(3)}, CPU ${(Math.min(...n.cpu) / Math.min(...o.cpu)).toFixed(3)}; max|after − before| / max|before| ${(err / ref).toExponential(2)}; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
}

/**
 * Softplus formulations (PyTorch: x > 20 ? x : log1p(e^x)); each a function of one float32 tensor.
 * `softplus` is the engine's op as lowered today (kernel/graph/ops/softplus-lowering.ts); `kernel`,
 * onnxruntime's own Softplus kernel (what the op lowered to before), is added by softplusVariants.
 */
const SOFTPLUS: Record<string, (x: Tensor) => Tensor> = {
  softplus: x => softplus(x),
  // max(x, 0) + ln(1 + e^−|x|): 7 vectorised passes; ln(1 + y) loses y's low bits when y = e^−|x| is small.
  'relu+log(1+exp(-|x|))': x => add(relu(x), log(add(exp(neg(abs(x))), 1))),
  // max(x, 0) − ln σ(|x|): 5 passes (σ is MLAS's vectorised logistic).
  'relu-log(sigmoid|x|)': x => sub(relu(x), log(sigmoid(abs(x)))),
  // ln(1 + y) corrected to log1p by Goldberg's y / ((1 + y) − 1) factor, without the lowering's floor
  // (the max keeps 0/0 away when 1 + y == 1, where it returns 0 instead of y).
  goldberg: x => {
    const y = exp(neg(abs(x)));
    const u = add(y, 1);
    return add(relu(x), mul(log(u), div(y, maximum(sub(u, 1), 1e-30))));
  }
};

/** onnxruntime's Softplus kernel on one float32 input: a one-node model (our graph of one Relu, its op renamed). */
async function softplusKernel(shape: number[]): Promise<Runner> {
  const g = new Graph('softplus-kernel');
  g.output('y', relu(g.input('x', shape)));
  const model = toModelObject(g);
  model.graph.node[0].op_type = 'Softplus';
  const type = modelProtoType();
  const session = await ort.InferenceSession.create(type.encode(type.fromObject(model)).finish(), {
    executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' } } }
  });
  return {
    run: async feeds => {
      const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)])));
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data }]));
    }
  };
}

/**
 * `--softplus`: the Softplus formulations above on one stage-0 block's δ pre-activation size
 * [320, 256, 72], interleaved; error against PyTorch's threshold-20 softplus in float64 (max absolute,
 * and max relative where the reference is above 1e-30), inputs mostly in δ's range with tails to ±40.
 */
async function softplusVariants(runs: number, only?: string[]): Promise<void> {
  const shape = [320, 256, 72];
  const n = shape.reduce((a, b) => a * b, 1);
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const data = Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? rnd() * 80 - 40 : rnd() * 12 - 9));
  const ref = Float64Array.from(data, v => (v > 20 ? v : Math.log1p(Math.exp(v))));
  const rows: { name: string; s: Runner; times: number[]; cpu: number[]; abs: number; rel: number }[] = [];
  if (!only || only.includes('kernel')) rows.push({ name: 'kernel', s: await softplusKernel(shape), times: [], cpu: [], abs: 0, rel: 0 });
  for (const [name, f] of Object.entries(SOFTPLUS)) {
    if (only && !only.includes(name)) continue;
    const g = new Graph(`softplus-${name}`);
    g.output('y', f(g.input('x', shape)));
    rows.push({ name, s: await createSession(g, { provider: 'cpu', threads: 2, cache: false }), times: [], cpu: [], abs: 0, rel: 0 });
  }
  const feeds = { x: { data, shape } };
  for (const r of rows) {
    const y = (await r.s.run(feeds)).y.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const e = Math.abs(y[i] - ref[i]);
      r.abs = Math.max(r.abs, e);
      if (ref[i] > 1e-30) r.rel = Math.max(r.rel, e / ref[i]);
    }
  }
  await timeInterleaved(rows, runs, r => r.s.run(feeds));
  const base = rows[0];
  console.log(`softplus on [${shape.join(', ')}], ${runs} interleaved runs; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(24)} median ${median(r.times).toFixed(4)} s ratio ${(median(r.times) / median(base.times)).toFixed(3)}  min ${Math.min(...r.times).toFixed(4)} s  cpu ${Math.min(...r.cpu).toFixed(4)} s ratio ${(Math.min(...r.cpu) / Math.min(...base.cpu)).toFixed(3)}  max abs err ${r.abs.toExponential(2)}  max rel err ${r.rel.toExponential(2)}`);
  }
}

/** The patch embedding as it was before (one 10-axis transpose gathering each token's features, one Gemm). */
function patchEmbedBefore(p: ParamScope, cfg: models.NeuroStormConfig, x: Tensor): Tensor {
  const [B, c, X, Y, Z, T] = x.shape;
  const [sx, sy, sz] = cfg.patchSize;
  const r = reshape(x, [B, c, X / sx, sx, Y / sy, sy, Z / sz, sz, T, 1]);
  const t = transpose(r, [0, 2, 4, 6, 8, 3, 5, 7, 9, 1]);
  const f = reshape(t, [B * (X / sx) * (Y / sy) * (Z / sz) * T, sx * sy * sz * c]);
  return reshape(linear(f, p.get('patch_embed.fc.weight'), p.get('patch_embed.fc.bias')), [B, X / sx, Y / sy, Z / sz, T, cfg.embedDim]);
}

/**
 * `--in-proj`: Mamba's in_proj as one product + split or as two products (stage-0 sizes).
 * `--patch-embed`: the official patch embedding (fixture weights, fixture input) before and after,
 * interleaved; max |after − before| / max |before|.
 */
async function patchEmbedVariants(runs: number): Promise<void> {
  const folder = fixtureFolder('official');
  const m = await models.load(folder);
  const values = m.parameterValues();
  const x = models.fixtureInput(1, m.config.imgSize);
  const rows: { name: string; s: Runner; times: number[]; cpu: number[] }[] = [];
  for (const [name, f] of [['before', patchEmbedBefore], ['after', patchEmbed]] as const) {
    const g = new Graph(`patch-embed-${name}`);
    const scope = new ParamScope(g, backboneShapes(m.config));
    g.output('y', f(scope, m.config, g.input('x', [...x.shape])));
    const initializers: Record<string, Float32Array> = {};
    for (const n of scope.names()) initializers[n] = values.get(n)!;
    rows.push({ name, s: await createSession(g, { provider: 'cpu', threads: 2, cache: false, initializers }), times: [], cpu: [] });
  }
  const feeds = { x: { data: x.data as Float32Array, shape: [...x.shape] } };
  const outs = [];
  for (const r of rows) outs.push((await r.s.run(feeds)).y.data as Float32Array);
  let err = 0;
  let ref = 0;
  for (let i = 0; i < outs[0].length; i++) {
    err = Math.max(err, Math.abs(outs[1][i] - outs[0][i]));
    ref = Math.max(ref, Math.abs(outs[0][i]));
  }
  await timeInterleaved(rows, runs, r => r.s.run(feeds));
  const [b, a] = rows;
  for (const r of rows) console.log(`patch embedding ${r.name}: median ${median(r.times).toFixed(4)} s, min ${Math.min(...r.times).toFixed(4)} s, min CPU ${Math.min(...r.cpu).toFixed(4)} s`);
  console.log(`ratio after/before: median ${(median(a.times) / median(b.times)).toFixed(3)}, min ${(Math.min(...a.times) / Math.min(...b.times)).toFixed(3)}, CPU ${(Math.min(...a.cpu) / Math.min(...b.cpu)).toFixed(3)}; max|after − before| / max|before| ${(err / ref).toExponential(2)}; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
}

/**
 * `--in-proj`: Mamba's in_proj on stage 0's sizes ([320, 256, 36] → x, z of E = 72 each, then
 * x + z so both are used) as one product split in two (before) and as two products with the weight's
 * halves (after), interleaved; the weight is baked in as in an inference session.
 */
async function inProjVariants(runs: number): Promise<void> {
  const [M, L, Cn, E] = [320, 256, 36, 72];
  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  const wData = Float32Array.from({ length: 2 * E * Cn }, rnd);
  const seq = Float32Array.from({ length: M * L * Cn }, rnd);
  const rows: { name: string; s: Runner; times: number[]; cpu: number[] }[] = [];
  for (const name of ['split', 'two products']) {
    const g = new Graph(`in-proj-${name}`);
    const xIn = g.input('seq', [M, L, Cn]);
    const w = g.param('w', [2 * E, Cn]);
    let x: Tensor;
    let z: Tensor;
    if (name === 'split') {
      const xz = linear(xIn, w);
      [x, z] = [sliceAxis(xz, 2, 0, E), sliceAxis(xz, 2, E, 2 * E)];
    } else [x, z] = [linear(xIn, sliceAxis(w, 0, 0, E)), linear(xIn, sliceAxis(w, 0, E, 2 * E))];
    g.output('y', add(x, z));
    rows.push({ name, s: await createSession(g, { provider: 'cpu', threads: 2, cache: false, initializers: { w: wData } }), times: [], cpu: [] });
  }
  const feeds = { seq: { data: seq, shape: [M, L, Cn] } };
  const outs = [];
  for (const r of rows) outs.push((await r.s.run(feeds)).y.data as Float32Array);
  let err = 0;
  for (let i = 0; i < outs[0].length; i++) err = Math.max(err, Math.abs(outs[1][i] - outs[0][i]));
  await timeInterleaved(rows, runs, r => r.s.run(feeds));
  const [b, a] = rows;
  for (const r of rows) console.log(`in_proj ${r.name}: median ${median(r.times).toFixed(4)} s, min ${Math.min(...r.times).toFixed(4)} s, min CPU ${Math.min(...r.cpu).toFixed(4)} s`);
  console.log(`ratio two products / split: median ${(median(a.times) / median(b.times)).toFixed(3)}, min ${(Math.min(...a.times) / Math.min(...b.times)).toFixed(3)}, CPU ${(Math.min(...a.cpu) / Math.min(...b.cpu)).toFixed(3)}; max |diff| ${err.toExponential(2)}; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
}

export async function main(argv: string[]): Promise<void> {
  const { runs, stage, only } = parseArgs(argv);
  const oldLib = argv.includes('--model') ? argv[argv.indexOf('--model') + 1] : undefined;
  if (oldLib) return modelBeforeAfter(oldLib, runs);
  if (argv.includes('--softplus')) return softplusVariants(runs, only);
  if (argv.includes('--patch-embed')) return patchEmbedVariants(runs);
  if (argv.includes('--in-proj')) return inProjVariants(runs);
  if (argv.includes('--profile-model')) {
    // The official backbone forward's graph with the fixture weights baked in, profiled per op.
    const folder = fixtureFolder('official');
    const m = await models.load(folder);
    const built = buildBackboneGraph(m.config, { batch: 1, prompts: false });
    const values = m.parameterValues();
    const initializers: Record<string, Float32Array> = {};
    for (const name of built.params.names()) initializers[name] = values.get(name)!;
    const x = models.fixtureInput(1, m.config.imgSize);
    const input = built.graph.inputs[0];
    return profile(built.graph, { [input.name]: { data: x.data as Float32Array, shape: [...x.shape] } }, runs, initializers);
  }
  const [M, L, E, N] = STAGES[stage];
  const baseOpts = scanOptionsFor(M, L, E, N);
  const all: Variant[] = [
    { name: 'base', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, o) },
    { name: 'groups/2', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, { ...o, groups: Math.max(1, Math.round((o.groups ?? 1) / 2)) }) },
    { name: 'groups*2', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, { ...o, groups: (o.groups ?? 1) * 2 }) },
    { name: 'spin', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, o), session: { spin: true } },
    { name: 'threads1', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, o), session: { threads: 1 } },
    { name: 'parallel', scan: (u, d, A, B, C, o) => selectiveScan(u, d, A, B, C, o), session: { parallel: true } },
    { name: 'copy', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, {}) },
    { name: 'matmulC', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, { matmulC: true }) },
    { name: 'matmulC-g*2', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, (o.groups ?? 1) * 2, { matmulC: true }) },
    { name: 'matmulC-thr1', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, { matmulC: true }), session: { threads: 1 } },
    { name: 'NE', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, { stateNE: true }) },
    { name: 'NE-g/2', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, Math.round((o.groups ?? 1) / 2), { stateNE: true }) },
    { name: 'NE-g*2', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, (o.groups ?? 1) * 2, { stateNE: true }) },
    { name: 'expneg', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, { expNeg: true }) },
    { name: 'matmulC+expneg', scan: (u, d, A, B, C, o) => variantScan(u, d, A, B, C, o.groups ?? 1, { matmulC: true, expNeg: true }) }
  ];
  const variants = all.filter(v => !only || only.includes(v.name));
  const feeds = scanFeeds(M, L, E, N);
  const sessions: { v: Variant; s: Runner; nodes: number; times: number[]; cpu: number[]; err: number }[] = [];
  for (const v of variants) {
    const g = new Graph(`scan-${v.name}`);
    const u = g.input('u', [M, L, E]);
    const d = g.input('delta', [M, L, E]);
    const A = g.input('A', [E, N]);
    const B = g.input('B', [M, L, N]);
    const C = g.input('C', [M, L, N]);
    g.output('y', v.scan(u, d, A, B, C, baseOpts));
    const s: Runner = v.session?.parallel ? await parallelSession(g) : await createSession(g, { provider: 'cpu', threads: v.session?.threads ?? 2, spin: v.session?.spin ?? false, cache: false });
    sessions.push({ v, s, nodes: g.nodes.length, times: [], cpu: [], err: 0 });
  }
  if (argv.includes('--profile')) {
    for (const v of variants) {
      const g = new Graph(`scan-${v.name}`);
      g.output('y', v.scan(g.input('u', [M, L, E]), g.input('delta', [M, L, E]), g.input('A', [E, N]), g.input('B', [M, L, N]), g.input('C', [M, L, N]), baseOpts));
      await profile(g, feeds, runs);
    }
    return;
  }
  const outs = new Map<string, Float32Array>();
  for (const e of sessions) outs.set(e.v.name, (await e.s.run(feeds)).y.data as Float32Array); // warm-up
  const ref = outs.get(sessions[0].v.name)!;
  let refMax = 0;
  for (const r of ref) refMax = Math.max(refMax, Math.abs(r));
  for (const e of sessions) {
    const y = outs.get(e.v.name)!;
    for (let i = 0; i < y.length; i++) e.err = Math.max(e.err, Math.abs(y[i] - ref[i]));
  }
  await timeInterleaved(sessions, runs, e => e.s.run(feeds));
  const base = median(sessions[0].times);
  const baseCpu = Math.min(...sessions[0].cpu);
  console.log(`stage ${stage} scan [M ${M}, L ${L}, E ${E}, N ${N}], base groups ${baseOpts.groups}, ${runs} interleaved runs`);
  for (const e of sessions) {
    const m = median(e.times);
    const lo = Math.min(...e.times);
    console.log(`${e.v.name.padEnd(14)} median ${m.toFixed(3)} s  ratio ${(m / base).toFixed(3)}  min-ratio ${(lo / Math.min(...sessions[0].times)).toFixed(3)}  cpu ${Math.min(...e.cpu).toFixed(3)} s ratio ${(Math.min(...e.cpu) / baseCpu).toFixed(3)}  nodes ${e.nodes}  max|diff|/max|base| ${(e.err / refMax).toExponential(2)}  runs ${e.times.map(t => t.toFixed(2)).join(' ')}`);
  }
}
