import { spawnSync } from 'child_process';
import * as G from '../../kernel/graph';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { Trainer } from '../../kernel/runtime/trainer';

const SHAPE = [3, 4];
const P0 = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 0.8);
const W = Array.from({ length: 12 }, (_, i) => 0.5 + ((i * 5) % 7) / 7);
const HYPER = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 };
const STEPS = 3;

/** loss = ½ Σ W·p², so grad = W·p (well conditioned: no 0/0 in Adam's first step). */
function quadratic(dtype: 'float64' | 'float32') {
  const g = new G.Graph('quadratic');
  const p = g.param('p', SHAPE, { dtype });
  const w = g.constant(W, SHAPE, dtype);
  return { loss: G.mul(G.sum(G.mul(w, G.mul(p, p))), 0.5) };
}

async function engineAdamW(clip?: number): Promise<{ p: number[]; m: number[]; v: number[] }> {
  const { loss } = quadratic('float64');
  const spec = G.buildTrainingStep({ loss, optimizer: G.adamw(HYPER), clipGradNorm: clip });
  const store = new ParameterStore([['p', { data: Float64Array.from(P0), shape: SHAPE }]]);
  const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
  for (let i = 0; i < STEPS; i++) await trainer.step({}, HYPER.lr);
  const arr = (n: string) => Array.from(store.get(n).data as Float64Array);
  return { p: arr('p'), m: arr(G.TRAINING_NAMES.state('p', 'exp_avg')), v: arr(G.TRAINING_NAMES.state('p', 'exp_avg_sq')) };
}

/** torch.optim.AdamW's single-tensor algorithm, written out in plain TypeScript. */
function referenceAdamW(clip?: number): { p: number[]; m: number[]; v: number[] } {
  const { lr, beta1, beta2, eps, weightDecay } = HYPER;
  const p = [...P0];
  const m = new Array<number>(12).fill(0);
  const v = new Array<number>(12).fill(0);
  for (let t = 1; t <= STEPS; t++) {
    let grad = p.map((x, i) => W[i] * x);
    if (clip !== undefined) {
      const norm = Math.sqrt(grad.reduce((a, x) => a + x * x, 0));
      const coef = Math.min(clip / (norm + 1e-6), 1);
      grad = grad.map(x => x * coef);
    }
    for (let i = 0; i < 12; i++) {
      p[i] *= 1 - lr * weightDecay;
      m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
      v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - beta2 ** t) + eps;
      p[i] -= (lr / (1 - beta1 ** t)) * (m[i] / denom);
    }
  }
  return { p, m, v };
}

const TORCH_SCRIPT = `
import json, sys
try:
    import torch
except Exception as e:
    print(json.dumps({"skip": str(e)})); sys.exit(0)
cfg = json.load(sys.stdin)
p = torch.tensor(cfg["p0"], dtype=torch.float64).reshape(3, 4).requires_grad_(True)
w = torch.tensor(cfg["w"], dtype=torch.float64).reshape(3, 4)
h = cfg["hyper"]
opt = torch.optim.AdamW([p], lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"], weight_decay=h["weightDecay"])
for _ in range(cfg["steps"]):
    opt.zero_grad()
    loss = 0.5 * (w * p * p).sum()
    loss.backward()
    if cfg["clip"] is not None:
        torch.nn.utils.clip_grad_norm_([p], cfg["clip"])
    opt.step()
st = opt.state[p]
print(json.dumps({"p": p.detach().flatten().tolist(), "m": st["exp_avg"].flatten().tolist(), "v": st["exp_avg_sq"].flatten().tolist()}))
`;

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

describe('optimizers', () => {
  test.each([[undefined], [0.5]])('AdamW (clip %s) matches the plain TypeScript loop to 1e-12 in float64', async clip => {
    const got = await engineAdamW(clip);
    const want = referenceAdamW(clip);
    expect(maxAbsDiff(got.p, want.p)).toBeLessThan(1e-12);
    expect(maxAbsDiff(got.m, want.m)).toBeLessThan(1e-12);
    expect(maxAbsDiff(got.v, want.v)).toBeLessThan(1e-12);
    expect(maxAbsDiff(got.p, P0)).toBeGreaterThan(1e-3); // it moved
  });

  test.each([[undefined], [0.5]])('AdamW (clip %s) matches torch.optim.AdamW to 1e-6 (skipped when torch is absent)', async clip => {
    const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT], {
      input: JSON.stringify({ p0: P0, w: W, hyper: HYPER, steps: STEPS, clip: clip ?? null }),
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' }
    });
    if (run.error || run.status !== 0) {
      console.warn(`python3 unavailable (${run.error?.message ?? run.stderr}); torch comparison skipped`);
      return;
    }
    const torch = JSON.parse(run.stdout) as { skip?: string; p: number[]; m: number[]; v: number[] };
    if (torch.skip) {
      console.warn(`import torch failed (${torch.skip}); torch comparison skipped`);
      return;
    }
    const got = await engineAdamW(clip);
    expect(maxAbsDiff(got.p, torch.p)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got.m, torch.m)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got.v, torch.v)).toBeLessThan(1e-6);
  });

  test('AdamW in float32 (the training dtype) matches the float64 reference loop to 1e-6', async () => {
    const { loss } = quadratic('float32');
    const spec = G.buildTrainingStep({ loss, optimizer: G.adamw(HYPER) });
    const store = new ParameterStore([['p', { data: Float32Array.from(P0), shape: SHAPE }]]);
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    for (let i = 0; i < STEPS; i++) await trainer.step({}, HYPER.lr);
    const want = referenceAdamW();
    expect(maxAbsDiff(Array.from(store.get('p').data as Float32Array), want.p)).toBeLessThan(1e-6);
  });

  test('SGD with momentum and nesterov follows torch.optim.SGD', async () => {
    const { loss } = quadratic('float64');
    const spec = G.buildTrainingStep({ loss, optimizer: G.sgd({ momentum: 0.9, weightDecay: 0.1, nesterov: true }) });
    const store = new ParameterStore([['p', { data: Float64Array.from(P0), shape: SHAPE }]]);
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    const lr = 0.05;
    const p = [...P0];
    const buf = new Array<number>(12).fill(0);
    for (let t = 0; t < STEPS; t++) {
      await trainer.step({}, lr);
      for (let i = 0; i < 12; i++) {
        const grad = W[i] * p[i] + 0.1 * p[i];
        buf[i] = t === 0 ? grad : 0.9 * buf[i] + grad;
        p[i] -= lr * (grad + 0.9 * buf[i]);
      }
    }
    expect(maxAbsDiff(Array.from(store.get('p').data as Float64Array), p)).toBeLessThan(1e-12);
  });

  test('schedules: warmup + cosine and the official NeuroSTORM schedule (spec §5)', () => {
    const wc = G.warmupCosine(1, 10, 110, 0.1);
    expect(wc(0)).toBeCloseTo(0.1, 12);
    expect(wc(9)).toBeCloseTo(1, 12);
    expect(wc(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(wc(110)).toBeCloseTo(0.1, 12);
    const ns = G.neurostormSchedule(1e-3, 1000); // W = 50, T0 = 300
    expect(ns(0)).toBeCloseTo(1e-9, 15);
    expect(ns(25)).toBeCloseTo(1e-9 + (1e-3 - 1e-9) * 0.5, 15);
    expect(ns(50)).toBeCloseTo(1e-3, 15);
    expect(ns(175)).toBeCloseTo(1e-9 + (1e-3 - 1e-9) * 0.5, 12);
    expect(ns(300)).toBeCloseTo(ns(0), 15); // restart, warmup included
    expect(G.constantLr(5e-5)(123)).toBe(5e-5);
  });
});
