/**
 * `npm run bench -- model [--configs tiny,official] [--runs 3] [--no-train] [--no-torch] [--no-scan]`
 *
 * Side by side in one run, each measurement in its own child process (so peak memory is its own):
 * - ours: backbone forward (median of `runs` after a warm-up that also builds the session) and one
 *   TPT training step (prompts + cls head, AdamW), with peak RSS;
 * - the official PyTorch model on the same CPU (test/bench/model_torch.py; needs python3-torch and the
 *   official source in $NEUROSTORM_SRC, run with OMP_WAIT_POLICY=PASSIVE, 2 threads) and the ratio;
 * - the selective-scan formulations on the official stage-0 sizes (the design choice of
 *   kernel/models/selective-scan.ts measured against alternatives).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../kernel/version';
import * as models from '../../kernel/models';
import { Graph } from '../../kernel/graph/graph';
import { createSession } from '../../kernel/runtime/session';
import { selectiveScan } from '../../kernel/models/selective-scan';
import { trainer as modelTrainer } from '../../kernel/train/trainer';

type ConfigName = 'tiny' | 'official';

function fixtureFolder(name: ConfigName): string {
  const root = process.env.NEUROSTORM_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures', 'neurostorm');
  return path.join(root, name);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const now = () => Number(process.hrtime.bigint()) / 1e9;

interface ChildResult {
  [k: string]: number | number[] | string;
}

async function childForward(name: ConfigName, runs: number): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(name), { session: { provider: 'cpu', threads: 2 } });
  const x = models.fixtureInput(name === 'tiny' ? 2 : 1, model.config.imgSize);
  const t0 = now();
  await model.backbone(x, { prompts: false }); // the official timing is NeuroSTORM(prompt_len=0)
  const first = now() - t0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await model.backbone(x, { prompts: false });
    times.push(now() - t);
  }
  return { first_call_s: first, forward_s: times, peak_rss_mb: peakMB() };
}

async function childTrain(name: ConfigName): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(name), { session: { provider: 'cpu', threads: 2 } });
  const batch = name === 'tiny' ? 2 : 1;
  const x = models.fixtureInput(batch, model.config.imgSize);
  const t0 = now();
  const trainer = await modelTrainer(model, { task: 'cls', mode: 'tpt', batch });
  const build = now() - t0;
  const t1 = now();
  const r = await trainer.step(x, { data: new Float32Array(batch).fill(1), shape: [batch, 1] }, 1e-4);
  return { build_s: build, train_step_s: [now() - t1], loss: r.loss, nodes: trainer.trainer.spec.graph.nodes.length, peak_rss_mb: peakMB() };
}

/** Scan formulations on one stage-0 block of the official configuration: 320 windows × 256 tokens × E 72 × N 16. */
async function childScan(variant: string, runs: number): Promise<ChildResult> {
  const [M, L, E, N] = [320, 256, 72, 16];
  const opts: Record<string, { chunk: number; groups: number }> = {
    'K4-groups46 (default)': { chunk: 4, groups: 46 },
    'K4-groups1 (no cache blocking)': { chunk: 4, groups: 1 },
    'K4-groups12': { chunk: 4, groups: 12 },
    'K4-groups160': { chunk: 4, groups: 160 },
    'K2-groups46': { chunk: 2, groups: 46 },
    'K3-groups46': { chunk: 3, groups: 46 }
  };
  const o = opts[variant];
  const g = new Graph('scan');
  const u = g.input('u', [M, L, E]);
  const d = g.input('delta', [M, L, E]);
  const A = g.input('A', [E, N]);
  const B = g.input('B', [M, L, N]);
  const C = g.input('C', [M, L, N]);
  g.output('y', selectiveScan(u, d, A, B, C, o));
  const session = await createSession(g, { provider: 'cpu', threads: 2 });
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const feeds = {
    u: { data: fill(M * L * E, () => rnd() * 2 - 1), shape: [M, L, E] },
    delta: { data: fill(M * L * E, () => Math.log1p(Math.exp(rnd() * 6 - 4))), shape: [M, L, E] },
    A: { data: fill(E * N, i => -(1 + (i % N))), shape: [E, N] },
    B: { data: fill(M * L * N, () => rnd() * 2 - 1), shape: [M, L, N] },
    C: { data: fill(M * L * N, () => rnd() * 2 - 1), shape: [M, L, N] }
  };
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await session.run(feeds);
    times.push(now() - t);
  }
  return { scan_s: times, nodes: g.nodes.length, peak_rss_mb: peakMB() };
}

function runChild(args: string[], env: NodeJS.ProcessEnv = process.env): ChildResult | string {
  const r = spawnSync(process.execPath, [__filename, '--child', ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ChildResult;
  } catch {
    return `failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

/** Wall-clock cap per PyTorch measurement (NEUROSTORM_BENCH_TORCH_TIMEOUT_S, default 900). */
const TORCH_TIMEOUT_S = Number(process.env.NEUROSTORM_BENCH_TORCH_TIMEOUT_S ?? 900);

function runTorch(name: ConfigName, runs: number, what: 'forward' | 'train'): ChildResult | string {
  const src = process.env.NEUROSTORM_SRC;
  if (!src || !fs.existsSync(path.join(src, 'models', 'neurostorm.py'))) {
    return 'skipped: the official source is absent (set NEUROSTORM_SRC to an export of CUHK-AIM-Group/NeuroSTORM with models/ and utils/, see shared/reference/README.md)';
  }
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'skipped: python3-torch (or numpy) is not installed for /usr/bin/python3';
  const script = path.join(packageRoot(), 'test', 'bench', 'model_torch.py');
  const r = spawnSync('/usr/bin/python3', [script, fixtureFolder(name), String(runs), what], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '2' },
    maxBuffer: 1 << 24,
    timeout: TORCH_TIMEOUT_S * 1000
  });
  if (r.error || r.signal) return `did not finish within ${TORCH_TIMEOUT_S} s (the reference scan is a Python loop; autograd through it is slow)`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ChildResult;
  } catch {
    return `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
}

const fmt = (r: ChildResult | string, key: string): string => {
  if (typeof r === 'string') return r;
  const v = r[key];
  return Array.isArray(v) ? `${median(v).toFixed(3)} s (runs ${v.map(t => t.toFixed(3)).join(', ')})` : String(v);
};

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    const [, kind, a, b] = args;
    const res = kind === 'forward' ? await childForward(a as ConfigName, Number(b)) : kind === 'train' ? await childTrain(a as ConfigName) : await childScan(a, Number(b));
    process.stdout.write(`${JSON.stringify(res)}\n`);
    return;
  }
  const flag = (name: string) => args.includes(name);
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const configs = value('--configs', 'tiny,official').split(',') as ConfigName[];
  const runs = Number(value('--runs', '3'));
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`NeuroSTORM model benchmark — ours: onnxruntime-node CPU, 2 threads; reference: official PyTorch (OMP_WAIT_POLICY=PASSIVE, 2 threads)`);
  for (const name of configs) {
    out(`\n== ${name} ==`);
    const ours = runChild(['forward', name, String(runs)]);
    out(`ours  backbone forward: ${fmt(ours, 'forward_s')}; first call incl. graph build + session ${typeof ours === 'string' ? '-' : (ours.first_call_s as number).toFixed(2)} s; peak RSS ${typeof ours === 'string' ? '-' : ours.peak_rss_mb} MB`);
    if (!flag('--no-torch')) {
      const ref = runTorch(name, runs, 'forward');
      out(`torch backbone forward: ${fmt(ref, 'forward_s')}${typeof ref === 'string' ? '' : `; peak RSS ${Math.round(ref.max_rss_mb as number)} MB (torch ${ref.torch})`}`);
      if (typeof ours !== 'string' && typeof ref !== 'string') {
        const ratio = median(ours.forward_s as number[]) / median(ref.forward_s as number[]);
        out(`ratio ours/torch forward: ${ratio.toFixed(3)} (${ratio < 1 ? `${(1 / ratio).toFixed(2)}× faster` : `${ratio.toFixed(2)}× slower`})`);
      }
    }
    if (!flag('--no-train')) {
      const tr = runChild(['train', name]);
      out(`ours  TPT training step (prompts + cls head, AdamW): ${fmt(tr, 'train_step_s')}; graph build + session ${typeof tr === 'string' ? '-' : (tr.build_s as number).toFixed(2)} s; ${typeof tr === 'string' ? '' : `${tr.nodes} nodes; peak RSS ${tr.peak_rss_mb} MB`}`);
      if (!flag('--no-torch')) {
        const ref = runTorch(name, 1, 'train');
        out(`torch TPT training step: ${fmt(ref, 'train_step_s')}${typeof ref === 'string' ? '' : `; peak RSS ${Math.round(ref.max_rss_mb as number)} MB`}`);
        if (typeof tr !== 'string' && typeof ref !== 'string') {
          out(`ratio ours/torch train step: ${(median(tr.train_step_s as number[]) / median(ref.train_step_s as number[])).toFixed(3)}`);
        }
      }
    }
  }
  if (!flag('--no-scan')) {
    out('\n== selective scan, one official stage-0 block (320 windows × 256 steps × E 72 × N 16) ==');
    for (const v of ['K4-groups46 (default)', 'K4-groups1 (no cache blocking)', 'K4-groups12', 'K4-groups160', 'K2-groups46', 'K3-groups46']) {
      const r = runChild(['scan', v, String(runs)]);
      out(`${v.padEnd(32)} ${fmt(r, 'scan_s')}${typeof r === 'string' ? '' : `; ${r.nodes} nodes; peak RSS ${r.peak_rss_mb} MB`}`);
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
