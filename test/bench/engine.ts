/**
 * `npm run bench -- engine [--steps N]`: one training step (forward + loss + backward + AdamW) of
 * an MLP and of a 4-layer pre-norm transformer block stack, in the engine (onnxruntime-node, CPU)
 * and in PyTorch eager on the same CPU (/usr/bin/python3 with torch, OMP_WAIT_POLICY=PASSIVE as
 * notes/engine.md explains), side by side: median step time, ratio, and peak RSS of each process.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as G from '../../kernel/graph';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { createRng } from '../../kernel/random';
import { Trainer } from '../../kernel/runtime/trainer';
import type { HostTensor } from '../../kernel/runtime/host-tensor';

interface Model {
  name: string;
  build: () => { g: G.Graph; loss: G.Tensor; feeds: Record<string, HostTensor> };
  torch: string;
}

const MLP = { batch: 256, dims: [256, 512, 512, 10] };
const TF = { batch: 8, seq: 64, d: 128, heads: 4, layers: 4 };

function randomHost(shape: number[], seed: number): HostTensor {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape };
}

function mlp(): ReturnType<Model['build']> {
  const g = new G.Graph('bench_mlp');
  const [i, h1, h2, o] = MLP.dims;
  const x = g.input('x', [MLP.batch, i]);
  const labels = g.input('labels', [MLP.batch], 'int64');
  let h = x;
  [[h1, i], [h2, h1]].forEach(([out, inp], k) => {
    h = G.gelu(G.linear(h, g.param(`fc${k}.weight`, [out, inp]), g.param(`fc${k}.bias`, [out])));
  });
  const logits = G.linear(h, g.param('head.weight', [o, h2]), g.param('head.bias', [o]));
  const rng = createRng(3);
  return {
    g,
    loss: G.crossEntropy(logits, labels),
    feeds: { x: randomHost([MLP.batch, i], 1), labels: { data: BigInt64Array.from({ length: MLP.batch }, () => BigInt(Math.floor(rng.next() * o))), shape: [MLP.batch] } }
  };
}

function transformer(): ReturnType<Model['build']> {
  const { batch: B, seq: L, d, heads: H, layers } = TF;
  const dh = d / H;
  const g = new G.Graph('bench_transformer');
  const x0 = g.input('x', [B, L, d]);
  const target = g.input('target', [B, L, d]);
  let x = x0;
  for (let l = 0; l < layers; l++) {
    const p = (n: string, shape: number[]) => g.param(`layers.${l}.${n}`, shape);
    const heads = (t: G.Tensor) => G.transpose(G.reshape(t, [B, L, H, dh]), [0, 2, 1, 3]);
    const h = G.layerNorm(x, p('norm1.weight', [d]), p('norm1.bias', [d]));
    const [q, k, v] = G.split(G.linear(h, p('qkv.weight', [3 * d, d]), p('qkv.bias', [3 * d])), 3, 2).map(heads);
    const att = G.softmax(G.mul(G.matmul(q, G.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(dh)));
    const ctx = G.reshape(G.transpose(G.matmul(att, v), [0, 2, 1, 3]), [B, L, d]);
    x = G.add(x, G.linear(ctx, p('proj.weight', [d, d]), p('proj.bias', [d])));
    const m = G.layerNorm(x, p('norm2.weight', [d]), p('norm2.bias', [d]));
    x = G.add(x, G.linear(G.gelu(G.linear(m, p('fc1.weight', [4 * d, d]), p('fc1.bias', [4 * d]))), p('fc2.weight', [d, 4 * d]), p('fc2.bias', [d])));
  }
  return { g, loss: G.mseLoss(x, target), feeds: { x: randomHost([B, L, d], 1), target: randomHost([B, L, d], 2) } };
}

const TORCH_COMMON = `
import json, resource, sys, time
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "import torch failed: " + str(e)})); sys.exit(0)
torch.manual_seed(0)
torch.set_num_threads(int(sys.argv[1])); steps = int(sys.argv[2])
def bench(model, inputs, loss_fn):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    times = []
    for i in range(steps + 3):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs[0]), inputs[1])
        loss.backward()
        opt.step()
        if i >= 3: times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__}))
`;

const MODELS: Model[] = [
  {
    name: `MLP ${MLP.dims.join('-')} (GELU, CE), batch ${MLP.batch}`,
    build: mlp,
    torch: `${TORCH_COMMON}
d = ${JSON.stringify(MLP.dims)}
m = torch.nn.Sequential(torch.nn.Linear(d[0], d[1]), torch.nn.GELU(), torch.nn.Linear(d[1], d[2]), torch.nn.GELU(), torch.nn.Linear(d[2], d[3]))
bench(m, (torch.randn(${MLP.batch}, d[0]), torch.randint(0, d[3], (${MLP.batch},))), torch.nn.functional.cross_entropy)
`
  },
  {
    name: `Transformer ${TF.layers} pre-norm blocks d=${TF.d} heads=${TF.heads}, batch ${TF.batch}x${TF.seq} (MSE)`,
    build: transformer,
    torch: `${TORCH_COMMON}
layer = lambda: torch.nn.TransformerEncoderLayer(${TF.d}, ${TF.heads}, ${4 * TF.d}, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
m = torch.nn.Sequential(*[layer() for _ in range(${TF.layers})])
bench(m, (torch.randn(${TF.batch}, ${TF.seq}, ${TF.d}), torch.randn(${TF.batch}, ${TF.seq}, ${TF.d})), torch.nn.functional.mse_loss)
`
  }
];

interface Timing {
  medianMs: number;
  peakRssMb: number;
}

/** Median step time of `steps` steps after 3 warm-up steps, on an already compiled trainer. */
async function timeEngine(trainer: Trainer, feeds: Record<string, HostTensor>, steps: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    const t0 = process.hrtime.bigint();
    await trainer.step(feeds, 1e-4);
    if (i >= 3) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

type TorchRun = { ok: true; timing: Timing; version: string } | { ok: false; reason: string };

function timeTorch(model: Model, threads: number, steps: number): TorchRun {
  const run = spawnSync('/usr/bin/python3', ['-c', model.torch, String(threads), String(steps)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }
  });
  if (run.error) return { ok: false, reason: `/usr/bin/python3 not runnable (${run.error.message})` };
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    const res = JSON.parse(last) as { median_ms?: number; peak_rss_mb?: number; torch?: string; error?: string };
    if (res.error) return { ok: false, reason: res.error };
    return { ok: true, timing: { medianMs: res.median_ms ?? NaN, peakRssMb: res.peak_rss_mb ?? NaN }, version: res.torch ?? '?' };
  } catch {
    return { ok: false, reason: `python failed: ${run.stderr.trim().split('\n').pop()}` };
  }
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const steps = flag(args, '--steps', 20);
  const rounds = flag(args, '--rounds', 3);
  const threads = flag(args, '--threads', Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`engine bench: training step (forward + loss + backward + AdamW), median of ${steps} steps after 3 warm-up,`);
  out(`${rounds} interleaved rounds engine/PyTorch (best round of each kept: robust to load from other processes), ${threads} threads, cpu`);
  out('PyTorch: /usr/bin/python3, torch eager, torch.optim.AdamW, OMP_WAIT_POLICY=PASSIVE (Debian torch spins OpenBLAS and GOMP threads against each other without it; notes/engine.md)');
  out(`load average at start: ${os.loadavg().map(v => v.toFixed(2)).join(' ')}`);
  out();
  for (const model of MODELS) {
    const { g, loss, feeds } = model.build();
    const spec = G.buildTrainingStep({ loss, optimizer: G.adamw({ weightDecay: 0.01 }) });
    const store = new ParameterStore().initialize(g, createRng(0));
    // Two sessions of the same graph: sleeping threads (the engine's default, the analogue of
    // PyTorch's OMP_WAIT_POLICY=PASSIVE) and onnxruntime's own default, a spinning thread pool.
    const spinning = await Trainer.create(spec, store, { provider: 'cpu', threads, spin: true });
    const passive = await Trainer.create(spec, store, { provider: 'cpu', threads, spin: false });
    let spinBest = Infinity;
    let passiveBest = Infinity;
    let torchBest: TorchRun | null = null;
    for (let r = 0; r < rounds; r++) {
      spinBest = Math.min(spinBest, await timeEngine(spinning, feeds, steps));
      passiveBest = Math.min(passiveBest, await timeEngine(passive, feeds, steps));
      const t = timeTorch(model, threads, steps);
      if (!t.ok) {
        torchBest = t;
        continue;
      }
      if (!torchBest || !torchBest.ok || t.timing.medianMs < torchBest.timing.medianMs) torchBest = t;
    }
    const nodeRss = process.resourceUsage().maxRSS / 1024;
    out(model.name);
    out(`  engine (onnxruntime-node, ${g.nodes.length} IR nodes), sleeping threads (default): ${passiveBest.toFixed(2)} ms/step; peak RSS ${nodeRss.toFixed(0)} MB (whole Node process so far)`);
    out(`  engine, spinning threads (NEUROSTORM_SPIN=1): ${spinBest.toFixed(2)} ms/step`);
    if (!torchBest || !torchBest.ok) out(`  PyTorch: absent (${torchBest && !torchBest.ok ? torchBest.reason : 'not run'}); this bench installs nothing`);
    else {
      const t = torchBest.timing.medianMs;
      out(`  PyTorch ${torchBest.version} eager: ${t.toFixed(2)} ms/step, peak RSS ${torchBest.timing.peakRssMb.toFixed(0)} MB`);
      out(`  speed ratio PyTorch/engine (> 1: engine faster): default ${(t / passiveBest).toFixed(2)}x, spinning ${(t / spinBest).toFixed(2)}x`);
    }
  }
  out();
  out(`load average at end: ${os.loadavg().map(v => v.toFixed(2)).join(' ')}`);
}
