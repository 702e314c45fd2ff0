/**
 * `npm run bench -- step-forward [--runs 5] [--config official] [--groups] [--pattern]`
 *
 * Why the training step's forward costs more than the inference forward, in ONE process, the variants
 * timed interleaved (wall median, min, process-CPU min; ratios to the inference forward):
 * - inference: the backbone without prompts, weights baked in, memory pattern on (model.backbone,
 *   what `bench -- model` calls the forward);
 * - inference + prompts: the same with the TPT prompt tokens in every window (L = 256 + P);
 * - step forward: the official TPT step graph (kernel/train/trainer.ts buildTrainStep) cut to its loss
 *   (serialisation keeps only the nodes the loss needs: the step's forward phase), parameters fed as
 *   inputs, the training sessions' settings (CPU arena on, memory pattern off);
 * - with --groups, step forward, inference groups: the same built with the inference scan groups
 *   (2^20 elements) instead of the training ones, to separate the group/block layout from the rest;
 * - with --pattern, step forward, pattern on: the step's forward with the inference sessions' memory
 *   pattern.
 * Peak RSS ~4 GB with the three default variants (official), ~6 GB with all five.
 */
import * as os from 'os';
import * as models from '../../kernel/models';
import { createSession, GraphSession } from '../../kernel/runtime/session';
import { ParameterStore } from '../../kernel/runtime/param-store';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { hostFrom } from '../../kernel/graph/dtype';
import { TRAINING_NAMES } from '../../kernel/graph/training';
import { buildTrainStep, TRAIN_SCAN_GROUP_ELEMENTS } from '../../kernel/train/trainer';
import { SCAN_GROUP_ELEMENTS } from '../../kernel/models/graph/blocks';
import { timeInterleaved } from './timing';
import { fixtureFolder, option } from './bench-args';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Variant {
  name: string;
  run: () => Promise<unknown>;
  times: number[];
  cpu: number[];
}

export async function main(args: string[]): Promise<void> {
  const runs = Number(option(args, '--runs', '5'));
  const config = option(args, '--config', 'official');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const load = () => os.loadavg().map(l => l.toFixed(2)).join(' ');
  const model = await models.load(fixtureFolder(config), { session: { provider: 'cpu', threads: 2 } });
  const x = models.fixtureInput(1, model.config.imgSize);
  const variants: Variant[] = [];
  const add = (name: string, run: () => Promise<unknown>) => variants.push({ name, run, times: [], cpu: [] });
  add('inference', () => model.backbone(x, { prompts: false }));
  add('inference + prompts', () => model.backbone(x, { prompts: true }));

  /** The TPT step graph cut to its loss, fed like the trainer feeds it. */
  const stepForward = async (groupElements: number, memPattern: boolean): Promise<{ session: GraphSession; feeds: Record<string, HostTensor> }> => {
    const { step, built } = buildTrainStep(model, { task: 'cls', mode: 'tpt', batch: 1, scanGroupElements: groupElements });
    const g = step.graph;
    const values = model.parameterValues();
    const store = new ParameterStore(built.params.names().map(n => [n, { data: (values.get(n) as Float32Array).slice(), shape: [...(g.paramInfo(n)?.tensor.shape ?? [])] }] as [string, HostTensor]));
    store.initializeOptimizerState(step);
    const feeds: Record<string, HostTensor> = { x: { data: x.data as Float32Array, shape: [...x.shape] }, target: { data: Float32Array.of(1), shape: [1, 1] } };
    feeds[TRAINING_NAMES.lr] = { data: hostFrom('float32', [1e-4]), shape: [] };
    feeds[TRAINING_NAMES.step] = { data: hostFrom('float32', [1]), shape: [] };
    for (const { tensor: p } of g.params) feeds[p.name] = store.get(p.name);
    for (const t of step.trained) for (const s of t.state) feeds[s.input.name] = store.get(s.input.name);
    const session = await createSession(g, { provider: 'cpu', threads: 2, outputs: [TRAINING_NAMES.loss], memPattern, cpuArena: true, cache: false });
    return { session, feeds };
  };
  const steps: [string, number, boolean][] = [['step forward', TRAIN_SCAN_GROUP_ELEMENTS, false]];
  if (args.includes('--groups')) steps.push(['step forward, inference groups', SCAN_GROUP_ELEMENTS, false]);
  if (args.includes('--pattern')) steps.push(['step forward, pattern on', TRAIN_SCAN_GROUP_ELEMENTS, true]);
  for (const [name, groups, pattern] of steps) {
    const { session, feeds } = await stepForward(groups, pattern);
    add(name, () => session.run(feeds));
  }
  for (const v of variants) await v.run(); // warm-up (session creation, first run)
  await timeInterleaved(variants, runs, v => v.run());
  const base = variants[0];
  out(`${config} forward variants, ${runs} interleaved runs each (onnxruntime-node CPU, 2 threads); load ${load()}`);
  out('| variant | wall median s | wall min s | CPU min s | ratio median / min / CPU min to inference |');
  out('|---|---:|---:|---:|---|');
  for (const v of variants) {
    const r = (f: (xs: number[]) => number, k: 'times' | 'cpu') => (f(v[k]) / f(base[k])).toFixed(3);
    out(`| ${v.name} | ${median(v.times).toFixed(3)} | ${Math.min(...v.times).toFixed(3)} | ${Math.min(...v.cpu).toFixed(3)} | ${r(median, 'times')} / ${r(xs => Math.min(...xs), 'times')} / ${r(xs => Math.min(...xs), 'cpu')} |`);
  }
}
