/**
 * `npm run bench -- step-compare [--config official|tiny] [--runs 3] [--losses N] [--no-forward] VARIANT VARIANT ...`
 *
 * Training-step variants side by side in ONE process, timed interleaved (timing.ts timeInterleaved:
 * the slow phases of a shared machine fall on every variant alike), with the backbone forward (the
 * issue-18 yardstick: step <= 4x forward) in the same rounds. Prints median wall and process-CPU
 * seconds per variant, the ratio to the first variant and to the forward, and the loss (variants
 * must agree); `--losses N` then runs N consecutive steps per variant from the same start at lr 1e-4
 * and prints their losses (the recorded official TPT ones, test/bench/scan.ts: 0.837930, 0.833299,
 * 0.828686). Memory is not comparable here (one process holds every session): measure peaks with
 * `npm run bench -- model` or step-profile, one variant per process.
 *
 * A VARIANT is comma-separated key=value (defaults in brackets), e.g. `recompute=off,groups=4194304`:
 * - recompute=on|off|<segmentBytes> [the trainer's default: off for TPT]: activation recomputation
 *   (kernel/graph/recompute.ts); keep= alone turns it on;
 * - keep=1|0 [1]: recomputation keeps custom-gradient region outputs (the scan's y) or recomputes them;
 * - groups=<elements> [TRAIN_SCAN_GROUP_ELEMENTS]: scan window-group size of the step graph;
 * - sums=concat|add [concat]: padded gradient pieces joined or summed (graph/backward.ts withPaddedSums);
 * - arena=0|1 [1], pattern=0|1 [0], opt=all|extended|basic|disabled [all], spin=0|1 [0]: session options
 *   (defaults: the training sessions' settings, runtime/trainer.ts);
 * - bake=0|1 [the Trainer's default, 0]: frozen parameters baked into the session as initializers
 *   (Trainer.create `bakeFrozen`) or fed as graph inputs each step.
 * Official size: run it under the big-memory lock (flock /tmp/neurostorm-bigmem.lock).
 */
import * as fs from 'fs';
import * as models from '../../kernel/models';
import { withPaddedSums } from '../../kernel/graph/backward';
import { ParameterStore } from '../../kernel/runtime/param-store';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { Trainer } from '../../kernel/runtime/trainer';
import { buildTrainStep } from '../../kernel/train/trainer';
import { now, timeInterleaved, TimedEntry } from './timing';
import { fixtureFolder, option } from './bench-args';

interface Entry extends TimedEntry {
  label: string;
  run: () => Promise<number>;
  /** `n` consecutive steps from the variant's start: their losses. */
  steps?: (n: number) => Promise<number[]>;
  loss: number;
  nodes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function parseVariant(text: string): Record<string, string> {
  const v: Record<string, string> = {};
  for (const kv of text.split(',').filter(Boolean)) {
    const [k, val] = kv.split('=');
    if (!['recompute', 'keep', 'groups', 'sums', 'arena', 'pattern', 'opt', 'spin', 'bake'].includes(k) || val === undefined) throw new Error(`variant "${text}": unknown key=value "${kv}"`);
    v[k] = val;
  }
  return v;
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => option(args, name, dflt);
  const config = opt('--config', 'official');
  const runs = Number(opt('--runs', '3'));
  const lossSteps = Number(opt('--losses', '0'));
  const skip = new Set(['--config', '--runs', '--losses'].flatMap(f => (args.includes(f) ? [args.indexOf(f), args.indexOf(f) + 1] : [])));
  const variants = args.filter((a, i) => !skip.has(i) && !a.startsWith('--'));
  if (variants.length === 0) variants.push('');
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out = (s: string) => process.stdout.write(`${s}\n`);

  const model = await models.load(fixtureFolder(config), { session: { provider: 'cpu', threads: 2 } });
  const batch = config === 'tiny' ? 2 : 1;
  const x = models.fixtureInput(batch, model.config.imgSize);
  const target: HostTensor = { data: new Float32Array(batch).fill(1), shape: [batch, 1] };
  out(`step-compare ${config}, batch ${batch}, ${runs} interleaved rounds after a warm-up; load ${load()}`);

  const entries: Entry[] = [];
  if (!args.includes('--no-forward')) {
    entries.push({ label: 'forward (backbone, no prompts)', times: [], cpu: [], loss: NaN, nodes: 0, run: async () => (await model.backbone(x, { prompts: false }), NaN) });
  }
  const values = model.parameterValues();
  for (const text of variants) {
    const v = parseVariant(text);
    const keep = v.keep === undefined ? {} : { keepRegionOutputs: v.keep === '1' };
    const recompute = v.recompute === undefined && v.keep === undefined ? undefined
      : v.recompute === 'off' ? false : { ...(v.recompute && v.recompute !== 'on' ? { segmentBytes: Number(v.recompute) } : {}), ...keep };
    const groups = v.groups ? { scanGroupElements: Number(v.groups) } : {};
    const t0 = now();
    const { step, built } = withPaddedSums((v.sums ?? 'concat') as 'add' | 'concat', () => buildTrainStep(model, { task: 'cls', mode: 'tpt', batch, recompute, ...groups }));
    const g = step.graph;
    const store = new ParameterStore(built.params.names().map(name => [name, { data: (values.get(name) as Float32Array).slice(), shape: [...(g.paramInfo(name)?.tensor.shape ?? [])] }] as [string, HostTensor]));
    const trainer = await Trainer.create(step, store, {
      provider: 'cpu',
      threads: 2,
      cache: false,
      cpuArena: v.arena !== '0',
      memPattern: v.pattern === '1',
      spin: v.spin === '1',
      optimization: (v.opt ?? 'all') as 'all',
      ...(v.bake === undefined ? {} : { bakeFrozen: v.bake === '1' })
    });
    out(`  built "${text || 'defaults'}": ${g.nodes.length} nodes, recompute ${step.recompute.segments} segments, ${trainer.bakedNames.length} frozen parameters baked, build + session ${(now() - t0).toFixed(1)} s`);
    // Every variant restarts from the same parameters and optimizer state: the same step each time.
    const initial = new Map(trainer.spec.trained.flatMap(t => [t.param.name, ...t.state.map(s => s.input.name)]).map(n => [n, store.get(n)]));
    const restart = () => {
      for (const [n, t] of initial) store.set(n, t);
      store.step = 0;
    };
    const e: Entry = {
      label: text || 'defaults',
      times: [],
      cpu: [],
      loss: NaN,
      nodes: g.nodes.length,
      run: async () => {
        restart();
        return (await trainer.step({ x: x as HostTensor, target }, 1e-5)).loss;
      },
      steps: async n => {
        restart();
        const losses: number[] = [];
        for (let i = 0; i < n; i++) losses.push((await trainer.step({ x: x as HostTensor, target }, 1e-4)).loss);
        return losses;
      }
    };
    entries.push(e);
  }
  // Warm-up (first runs allocate and, for inference, fill the arena), then interleaved rounds.
  for (const e of entries) e.loss = await e.run();
  await timeInterleaved(entries, runs, async e => {
    e.loss = await e.run();
  });
  const fwd = entries.find(e => e.label.startsWith('forward'));
  const first = entries.find(e => !e.label.startsWith('forward'));
  out(`\n| variant | nodes | median wall s | median CPU s | vs first | / forward | loss |\n|---|---:|---:|---:|---:|---:|---:|`);
  for (const e of entries) {
    const w = median(e.times);
    const vsFirst = first && e !== fwd ? (w / median(first.times)).toFixed(3) : '';
    const perFwd = fwd && e !== fwd ? (w / median(fwd.times)).toFixed(2) : '';
    out(`| ${e.label} | ${e.nodes || ''} | ${w.toFixed(3)} (${e.times.map(t => t.toFixed(2)).join(', ')}) | ${median(e.cpu).toFixed(2)} | ${vsFirst} | ${perFwd} | ${Number.isNaN(e.loss) ? '' : e.loss.toFixed(6)} |`);
  }
  out(`load ${load()}`);
  if (lossSteps > 0) {
    out(`\nlosses of ${lossSteps} consecutive steps (lr 1e-4) from the same start:`);
    for (const e of entries) if (e.steps) out(`  ${e.label}: ${(await e.steps(lossSteps)).map(l => l.toFixed(6)).join(', ')}`);
  }
}
