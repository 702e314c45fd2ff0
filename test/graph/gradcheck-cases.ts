/**
 * Gradient-check cases: at least one per registry op with a gradient rule (gradcheck.test.ts fails
 * otherwise), broadcasting cases included, plus the composites the models use.
 */
import * as G from '../../kernel/graph';
import type { GradCase } from './gradcheck-harness';

const pos: [number, number] = [0.5, 2];
const signs = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (0.3 + 0.17 * i));
const distinct = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7) % n) * 0.37 - 1);

export const GRAD_CASES: GradCase[] = [
  { op: 'Add', name: 'add-broadcast-row', inputs: [{ shape: [2, 3] }, { shape: [3] }], build: ([a, b]) => G.add(a, b) },
  { op: 'Add', name: 'add-broadcast-outer', inputs: [{ shape: [2, 1] }, { shape: [1, 3] }], build: ([a, b]) => G.add(a, b) },
  { op: 'Add', name: 'add-fanout', inputs: [{ shape: [3] }], build: ([a]) => G.add(G.mul(a, a), G.exp(a)) },
  { op: 'Sub', name: 'sub-broadcast', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: ([a, b]) => G.sub(a, b) },
  { op: 'Mul', name: 'mul-broadcast', inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], build: ([a, b]) => G.mul(a, b) },
  { op: 'Div', name: 'div-broadcast', inputs: [{ shape: [2, 3] }, { shape: [3], range: pos }], build: ([a, b]) => G.div(a, b) },
  { op: 'Pow', name: 'pow-broadcast', inputs: [{ shape: [2, 3], range: pos }, { shape: [1, 3], range: [0.5, 2.5] }], build: ([a, b]) => G.pow(a, b) },
  { op: 'Max', name: 'max-broadcast', inputs: [{ shape: [2, 3], values: signs(6) }, { shape: [3], values: [0.05, -0.2, 0.9] }], build: ([a, b]) => G.maximum(a, b) },
  { op: 'Min', name: 'min', inputs: [{ shape: [2, 3], values: signs(6) }, { shape: [2, 3], values: distinct(6) }], build: ([a, b]) => G.minimum(a, b) },
  { op: 'Neg', name: 'neg', inputs: [{ shape: [4] }], build: ([a]) => G.neg(a) },
  { op: 'Sqrt', name: 'sqrt', inputs: [{ shape: [2, 2], range: pos }], build: ([a]) => G.sqrt(a) },
  { op: 'Exp', name: 'exp', inputs: [{ shape: [3] }], build: ([a]) => G.exp(a) },
  { op: 'Log', name: 'log', inputs: [{ shape: [3], range: pos }], build: ([a]) => G.log(a) },
  { op: 'Abs', name: 'abs', inputs: [{ shape: [6], values: signs(6) }], build: ([a]) => G.abs(a) },
  { op: 'Relu', name: 'relu', inputs: [{ shape: [6], values: signs(6) }], build: ([a]) => G.relu(a) },
  { op: 'Sigmoid', name: 'sigmoid', inputs: [{ shape: [4] }], build: ([a]) => G.sigmoid(a) },
  { op: 'Tanh', name: 'tanh', inputs: [{ shape: [4] }], build: ([a]) => G.tanh(a) },
  { op: 'Erf', name: 'erf-both-branches', inputs: [{ shape: [6], values: [-3.4, -1.2, -0.1, 0.4, 2.9, 3.7] }], build: ([a]) => G.erf(a) },
  { op: 'Softplus', name: 'softplus', inputs: [{ shape: [5], range: [-4, 4] }], build: ([a]) => G.softplus(a) },
  {
    op: 'Where', name: 'where-broadcast', inputs: [{ shape: [2, 3] }, { shape: [3] }],
    build: ([a, b]) => G.where(G.greater(a.graph.constant([1, -1, 1, -1, -1, 1], [2, 3], 'float64'), 0), a, b)
  },
  { op: 'Cast', name: 'cast-f64', inputs: [{ shape: [3] }], build: ([a]) => G.mul(a.graph.emit('Cast', [a], { to: 'float64' })[0], a) },
  { op: 'Identity', name: 'identity', inputs: [{ shape: [3] }], build: ([a]) => G.identity(a) },
  { op: 'StopGradient', name: 'stop-gradient', blocks: true, inputs: [{ shape: [3] }], build: ([a]) => G.stopGradient(G.exp(a)) },
  { op: 'MatMul', name: 'matmul-2d', inputs: [{ shape: [2, 3] }, { shape: [3, 4] }], build: ([a, b]) => G.matmul(a, b) },
  { op: 'MatMul', name: 'matmul-batch-broadcast', inputs: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }], build: ([a, b]) => G.matmul(a, b) },
  { op: 'MatMul', name: 'matmul-batched-by-2d-weight', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], build: ([a, b]) => G.matmul(a, b) },
  { op: 'Gemm', name: 'linear-rank3', inputs: [{ shape: [2, 3, 4] }, { shape: [5, 4] }, { shape: [5] }], build: ([x, w, b]) => G.linear(x, w, b) },
  { op: 'Gemm', name: 'gemm-plain', inputs: [{ shape: [2, 3] }, { shape: [3, 4] }, { shape: [4] }], build: ([a, b, c]) => G.gemm(a, b, c) },
  { op: 'Gemm', name: 'gemm-no-bias-transB', inputs: [{ shape: [2, 3] }, { shape: [4, 3] }], build: ([a, b]) => G.gemm(a, b, null, { transB: true }) },
  {
    op: 'Gemm', name: 'gemm-trans-alpha-beta', inputs: [{ shape: [3, 2] }, { shape: [4, 3] }, { shape: [2, 1] }],
    build: ([a, b, c]) => G.gemm(a, b, c, { transA: true, transB: true, alpha: 0.7, beta: 1.3 })
  },
  { op: 'ReduceSum', name: 'sum-keepdims', inputs: [{ shape: [2, 3, 2] }], build: ([a]) => G.sum(a, [0, 2], true) },
  { op: 'ReduceSum', name: 'sum-drop', inputs: [{ shape: [2, 3] }], build: ([a]) => G.sum(a, [1]) },
  { op: 'ReduceMean', name: 'mean', inputs: [{ shape: [2, 3, 2] }], build: ([a]) => G.mean(a, [-1]) },
  { op: 'ReduceMax', name: 'max-axis', inputs: [{ shape: [3, 4], values: distinct(12) }], build: ([a]) => G.max(a, [1], true) },
  { op: 'CumSum', name: 'cumsum', inputs: [{ shape: [2, 4] }], build: ([a]) => G.cumsum(a, 1) },
  { op: 'CumSum', name: 'cumsum-exclusive-reverse', inputs: [{ shape: [3, 2] }], build: ([a]) => G.cumsum(a, 0, { exclusive: true, reverse: true }) },
  { op: 'CumSum', name: 'cumsum-exclusive', inputs: [{ shape: [4] }], build: ([a]) => G.cumsum(a, 0, { exclusive: true }) },
  { op: 'Softmax', name: 'softmax-axis0', inputs: [{ shape: [3, 2] }], build: ([a]) => G.softmax(a, 0) },
  { op: 'LogSoftmax', name: 'log-softmax', inputs: [{ shape: [2, 4] }], build: ([a]) => G.logSoftmax(a, -1) },
  { op: 'Reshape', name: 'reshape', inputs: [{ shape: [2, 3] }], build: ([a]) => G.mul(G.reshape(a, [3, -1]), a.graph.constant([1, 2, 3, 4, 5, 6], [3, 2], 'float64')) },
  { op: 'Transpose', name: 'transpose', inputs: [{ shape: [2, 3, 4] }], build: ([a]) => G.transpose(a, [2, 0, 1]) },
  { op: 'Slice', name: 'slice-negative-bounds', inputs: [{ shape: [3, 5] }], build: ([a]) => G.slice(a, { starts: [1, -4], ends: [3, -1], axes: [0, 1] }) },
  { op: 'Slice', name: 'slice-strided', inputs: [{ shape: [2, 7] }], build: ([a]) => G.sliceAxis(a, 1, 1, 7, 2) },
  { op: 'Concat', name: 'concat', inputs: [{ shape: [2, 1] }, { shape: [2, 3] }], build: ([a, b]) => G.concat([a, b, a], 1) },
  { op: 'Split', name: 'split-one-unused', inputs: [{ shape: [5, 2] }], build: ([a]) => G.split(a, [2, 3], 0)[1] },
  { op: 'Split', name: 'split-both', inputs: [{ shape: [4, 2] }], build: ([a]) => { const [p, q] = G.split(a, 2, 0); return G.mul(p, q); } },
  {
    op: 'Gather', name: 'gather-repeated-indices', inputs: [{ shape: [2, 4, 3] }, { shape: [2, 2], int64: true, values: [3, 0, 3, 1] }],
    build: ([a, i]) => G.gather(a, i, 1)
  },
  { op: 'Gather', name: 'gather-axis0', inputs: [{ shape: [4, 2] }, { shape: [3], int64: true, values: [2, 2, 0] }], build: ([a, i]) => G.gather(a, i, 0) },
  { op: 'Pad', name: 'pad', inputs: [{ shape: [2, 3] }], build: ([a]) => G.pad(a, [[1, 0], [2, 1]], 0.5) },
  { op: 'Expand', name: 'expand', inputs: [{ shape: [3, 1] }], build: ([a]) => G.expand(a, [2, 3, 4]) },
  {
    op: 'LayerNormalization', name: 'layernorm-last-axis', inputs: [{ shape: [3, 4] }, { shape: [4], range: pos }, { shape: [4] }],
    build: ([x, s, b]) => G.layerNorm(x, s, b)
  },
  {
    op: 'LayerNormalization', name: 'layernorm-two-axes', inputs: [{ shape: [2, 2, 3] }, { shape: [2, 3], range: pos }, { shape: [2, 3] }],
    build: ([x, s, b]) => G.layerNorm(x, s, b, 1e-3)
  },
  { op: 'Gelu', name: 'gelu-wide-range', inputs: [{ shape: [6], values: [-5, -3.1, -0.7, 0.2, 2.8, 4.5] }], build: ([a]) => G.gelu(a) },
  // Composites (built from the primitives above; checked because the models depend on them).
  { op: 'Gelu', name: 'gelu', inputs: [{ shape: [6], range: [-3, 3] }], build: ([a]) => G.gelu(a) },
  { op: 'Sigmoid', name: 'silu', inputs: [{ shape: [5] }], build: ([a]) => G.silu(a) },
  {
    op: 'Pad', name: 'causal-depthwise-conv1d', inputs: [{ shape: [2, 5, 3] }, { shape: [3, 1, 4] }, { shape: [3] }],
    build: ([x, w, b]) => G.causalDepthwiseConv1d(x, w, b)
  },
  { op: 'Concat', name: 'roll', inputs: [{ shape: [2, 5] }], build: ([a]) => G.roll(a, -2, 1) },
  {
    op: 'LogSoftmax', name: 'cross-entropy', inputs: [{ shape: [3, 4] }, { shape: [3], int64: true, values: [0, 3, 1] }],
    build: ([l, y]) => G.crossEntropy(l, y)
  },
  { op: 'Softplus', name: 'bce-with-logits', inputs: [{ shape: [4], values: signs(4) }, { shape: [4], range: [0, 1], grad: false }], build: ([l, t]) => G.bceWithLogits(l, t) },
  { op: 'ReduceMean', name: 'mse', inputs: [{ shape: [2, 3] }, { shape: [2, 3], grad: false }], build: ([p, t]) => G.mseLoss(p, t) }
];
