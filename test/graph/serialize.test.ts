import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as G from '../../kernel/graph';
import { modelProtoType } from '../../kernel/graph/onnx-proto';

/** A transformer-ish training graph touching most ops (so the checker sees the lowerings). */
function bigGraph(): G.Graph {
  const g = new G.Graph('checker');
  const x = g.input('x', [2, 8, 6]);
  const labels = g.input('labels', [2], 'int64');
  const mask = g.input('keep', [2, 8, 6]);
  const ln = G.layerNorm(x, g.param('ln.weight', [6]), g.param('ln.bias', [6]));
  const conv = G.causalDepthwiseConv1d(ln, g.param('conv.weight', [6, 1, 4]), g.param('conv.bias', [6]));
  const h = G.silu(G.dropout(conv, mask, 0.1));
  const [a, b] = G.split(h, 2, 2);
  const att = G.softmax(G.div(G.matmul(a, G.transpose(b, [0, 2, 1])), Math.sqrt(3)));
  const scan = G.cumsum(G.exp(G.neg(G.softplus(G.sliceAxis(G.pad(att, [[0, 0], [1, 0], [0, 0]]), 1, 0, 8)))), 1, { exclusive: true, reverse: true });
  const pooled = G.mean(G.concat([scan, G.roll(scan, 1, 2)], 2), [1]);
  const logits = G.linear(G.gelu(pooled), g.param('head.weight', [3, 16]), g.param('head.bias', [3]));
  const picked = G.gather(logits, labels, 1);
  const loss = G.add(G.crossEntropy(logits, labels), G.mul(G.mean(G.max(picked, [1])), 0.01));
  G.buildTrainingStep({ loss, optimizer: G.adamw(), clipGradNorm: 1, outputs: { logits } });
  return g;
}

describe('ModelProto serialisation', () => {
  test('round-trips through protobuf with opset 17; outputs named on their producers', () => {
    const g = bigGraph();
    const bytes = G.toModelBytes(g);
    const model = modelProtoType().toObject(modelProtoType().decode(bytes), { longs: Number }) as {
      opset_import: { version: number }[];
      graph: { node: { op_type: string }[]; input: { name: string }[]; output: { name: string }[] };
    };
    expect(model.opset_import[0].version).toBe(17);
    expect(model.graph.output.map(o => o.name)).toEqual([...g.outputs.keys()]);
    expect(model.graph.input.map(i => i.name)).toEqual(expect.arrayContaining(['x', 'labels', 'keep', 'lr', 'step', 'ln.weight', 'optim/ln.weight/exp_avg']));
    expect(model.graph.node.filter(n => n.op_type === 'Identity').length).toBe(0);
  });

  test('passes onnx.checker.check_model (full check), float32 and float64 graphs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-onnx-'));
    try {
      const files = [path.join(dir, 'train.onnx'), path.join(dir, 'erf64.onnx')];
      fs.writeFileSync(files[0], G.toModelBytes(bigGraph()));
      const g64 = new G.Graph('f64');
      const x = g64.input('x', [3], 'float64');
      g64.output('y', G.gelu(x));
      fs.writeFileSync(files[1], G.toModelBytes(g64));
      const script = 'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")';
      const run = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('ok');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('inputs and repeated tensors as outputs go through Identity', async () => {
    const g = new G.Graph('outs');
    const x = g.input('x', [2]);
    const y = G.exp(x);
    g.output('same', x);
    g.output('a', y);
    g.output('b', y);
    const model = modelProtoType().decode(G.toModelBytes(g)) as unknown as { graph: { node: { op_type: string; output: string[] }[] } };
    expect(model.graph.node.map(n => `${n.op_type}>${n.output[0]}`)).toEqual(['Exp>a', 'Identity>same', 'Identity>b']);
  });

  test('dead nodes are not written', () => {
    const g = new G.Graph('dce');
    const x = g.input('x', [4]);
    G.exp(G.log(x)); // unused
    g.output('y', G.relu(x));
    const model = modelProtoType().decode(G.toModelBytes(g)) as unknown as { graph: { node: { op_type: string }[] } };
    expect(model.graph.node.map(n => n.op_type)).toEqual(['Relu']);
  });
});
