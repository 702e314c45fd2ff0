/**
 * `npm run bench -- gpu [--config official|tiny] [--part forward,step,placement] [--runs 3] [--steps 3]
 *   [--providers webgpu,cuda] [--graphs forward,step] [--mem-limit-gb G] [--timeout-s S]`
 *
 * The GPU path beside the CPU in one run: the backbone forward and a TPT training step (prompts +
 * cls head, AdamW, batch 1) on every usable GPU provider (cuda where its library runs, webgpu where
 * Dawn finds an adapter) and on cpu, in clips/s; `placement` adds the node placement of both graphs
 * on each GPU provider (kernel/runtime/placement.ts; `--graphs` picks which). The adapter is named, and when it is a
 * software one (lavapipe, SwiftShader) every GPU figure is marked: it only proves the path runs,
 * it is not a speed. On a machine with a real GPU these are the figures to publish.
 *
 * Each measurement runs in its own child (its own peak memory; official-size children under the
 * shared lock, flock /tmp/neurostorm-bigmem.lock). The parent watches the child's memory (the whole
 * process tree, lavapipe's "device memory" included) and stops it past --mem-limit-gb (default: the
 * memory available when the child starts, once it holds the lock, minus 2 GB, at most 12 GB) or
 * --timeout-s, reporting it as skipped with the figure reached: on a 24 GB machine shared with
 * other jobs an official TPT step on lavapipe may not fit.
 * Default: --config official; `--config tiny` is the fast path check (seconds).
 */
import { now, timeRepeated } from './timing';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as models from '../../kernel/models';
import { onDevice } from '../../kernel/runtime/device';
import { listProviders, ProviderStatus } from '../../kernel/runtime/providers';
import type { ProviderName } from '../../kernel/runtime/providers';
import { formatPlacement, nodePlacement } from '../../kernel/runtime/placement';
import { buildBackboneGraph } from '../../kernel/models/graph/build';
import { buildTrainStep, trainer as modelTrainer } from '../../kernel/train/trainer';
import { formatAdapter } from '../../kernel/verbs/doctor-report';
import { fixtureFolder } from './bench-args';

type ConfigName = 'tiny' | 'official';
type Part = 'forward' | 'step' | 'placement';
const PARTS: Part[] = ['forward', 'step', 'placement'];
const LOCK = '/tmp/neurostorm-bigmem.lock';


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadavg = () => `load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;

type ChildResult = Record<string, number | number[] | string | string[]>;

/** The fixture model on `provider` (2 intra-op threads on cpu: the machine's cores). */
function loadOn(config: ConfigName, provider: ProviderName) {
  return models.load(fixtureFolder(config), { session: { provider, ...(provider === 'cpu' ? { threads: 2 } : {}) } });
}

async function childForward(config: ConfigName, provider: ProviderName, runs: number): Promise<ChildResult> {
  const { value, device } = await onDevice(undefined, async () => {
    const model = await loadOn(config, provider);
    const x = models.fixtureInput(1, model.config.imgSize);
    // The first call builds the graph and compiles the session (shaders on a GPU) before running.
    return timeRepeated(() => model.backbone(x, { prompts: false }), runs);
  });
  return { first_call_s: value.first, times_s: value.times, ran: device.ran };
}

async function childStep(config: ConfigName, provider: ProviderName, steps: number): Promise<ChildResult> {
  const { value, device } = await onDevice(undefined, async () => {
    const model = await loadOn(config, provider);
    const x = models.fixtureInput(1, model.config.imgSize);
    const y = { data: new Float32Array([1]), shape: [1, 1] };
    const t0 = now();
    const tr = await modelTrainer(model, { task: 'cls', mode: 'tpt', batch: 1 });
    const build = now() - t0;
    const times: number[] = [];
    let loss = NaN;
    for (let i = 0; i < steps; i++) {
      const t = now();
      loss = (await tr.step(x, y, 1e-5)).loss;
      times.push(now() - t);
    }
    return { build, times, loss, nodes: tr.trainer.spec.graph.nodes.length };
  });
  return { build_s: value.build, times_s: value.times, loss: value.loss, nodes: value.nodes, ran: device.ran };
}

async function childPlacement(config: ConfigName, provider: ProviderName, graph: 'forward' | 'step'): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(config));
  const t0 = now();
  let report;
  if (graph === 'forward') {
    const built = buildBackboneGraph(model.config, { batch: 1, prompts: false });
    const values = model.parameterValues();
    const initializers: Record<string, Float32Array> = {};
    for (const name of built.params.names()) initializers[name] = values.get(name) as Float32Array;
    report = await nodePlacement(built.graph, { provider, initializers });
  } else {
    const { step } = buildTrainStep(model, { task: 'cls', mode: 'tpt', batch: 1 });
    report = await nodePlacement(step.graph, { provider });
  }
  return { text: formatPlacement(report), nodes: report.nodes.length, seconds: now() - t0 };
}

/** Resident memory of a process and all its descendants, in MB (lavapipe's buffers are host memory). */
function treeRssMB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kb / 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function hasChildren(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

function memAvailableMB(): number {
  return Number(/MemAvailable:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
}

interface Limits {
  /** null: decided when each child starts (available memory then, minus 2 GB, at most 12 GB). */
  memMB: number | null;
  timeoutS: number;
}

const autoLimitMB = () => Math.max(1024, Math.min(12 * 1024, memAvailableMB() - 2048));

/**
 * Runs a child measurement (under the lock when official-size), watching its tree's memory and
 * time; the result, or why there is none ("skipped: ..." with the peak it reached).
 */
function runChild(args: string[], big: boolean, limits: Limits): Promise<{ result: ChildResult | string; peakMB: number }> {
  const own = [__filename, '--child', ...args];
  const useLock = big && process.env.NEUROSTORM_BENCH_LOCK !== '0' && fs.existsSync('/usr/bin/flock');
  const child = useLock ? spawn('/usr/bin/flock', [LOCK, process.execPath, ...own]) : spawn(process.execPath, own);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', d => (stdout += d));
  child.stderr.on('data', d => (stderr += String(d).slice(-4000)));
  let peakMB = 0;
  let stopped: string | null = null;
  const t0 = now();
  // The lock may be held by someone else: time counts once flock has started our node child.
  let started: number | null = useLock ? null : t0;
  let limitMB = limits.memMB ?? autoLimitMB();
  const watch = setInterval(() => {
    const mb = treeRssMB(child.pid as number);
    if (started === null && hasChildren(child.pid as number)) {
      started = now();
      limitMB = limits.memMB ?? autoLimitMB();
    }
    peakMB = Math.max(peakMB, mb);
    if (mb > limitMB) stopped = `skipped: does not fit, passed the ${(limitMB / 1024).toFixed(1)} GB memory limit (reached ${(mb / 1024).toFixed(1)} GB after ${(now() - (started ?? t0)).toFixed(0)} s); raise --mem-limit-gb on a bigger machine`;
    else if (started !== null && now() - started > limits.timeoutS) stopped = `skipped: still running after the ${limits.timeoutS} s limit (peak ${(peakMB / 1024).toFixed(1)} GB); raise --timeout-s`;
    if (stopped) {
      clearInterval(watch);
      killTree(child.pid as number);
    }
  }, 500);
  return new Promise(resolve => {
    child.on('close', (code, signal) => {
      clearInterval(watch);
      if (stopped) return resolve({ result: stopped, peakMB });
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ result: JSON.parse(line) as ChildResult, peakMB });
      } catch {
        const why = signal === 'SIGKILL' ? 'killed (SIGKILL: out of memory?)' : `exit ${code}${signal ? `, ${signal}` : ''}`;
        resolve({ result: `failed (${why}, peak ${(peakMB / 1024).toFixed(1)} GB): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, peakMB });
      }
    });
  });
}

/** Ends a child and its descendants (ours only: the tree under the pid we spawned). */
function killTree(root: number): void {
  const pids: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    pids.push(pid);
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (kids) stack.push(...kids.split(/\s+/).map(Number));
    } catch {
      // Gone already.
    }
  }
  for (const pid of pids.reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    const [, kind, config, provider, n] = args;
    const c = config as ConfigName;
    const p = provider as ProviderName;
    const res =
      kind === 'forward' ? await childForward(c, p, Number(n)) : kind === 'step' ? await childStep(c, p, Number(n)) : await childPlacement(c, p, n as 'forward' | 'step');
    process.stdout.write(`${JSON.stringify(res)}\n`);
    return;
  }
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const config = value('--config', 'official') as ConfigName;
  if (config !== 'tiny' && config !== 'official') throw new Error(`--config ${config}: tiny or official`);
  const parts = value('--part', 'forward,step').split(',') as Part[];
  for (const p of parts) if (!PARTS.includes(p)) throw new Error(`--part ${p}: one of ${PARTS.join(', ')}`);
  const runs = Number(value('--runs', config === 'tiny' ? '5' : '3'));
  const steps = Number(value('--steps', '3'));
  const limits: Limits = {
    memMB: args.includes('--mem-limit-gb') ? Number(value('--mem-limit-gb', '12')) * 1024 : null,
    timeoutS: Number(value('--timeout-s', config === 'tiny' ? '300' : '900'))
  };
  const big = config === 'official';
  const out = (s: string) => process.stdout.write(`${s}\n`);

  const statuses = await listProviders();
  const want = value('--providers', 'cuda,webgpu').split(',');
  const gpu: ProviderStatus[] = statuses.filter(s => want.includes(s.name) && s.usable);
  const webgpu = statuses.find(s => s.name === 'webgpu');
  const adapter = webgpu?.probe?.adapter ?? null;
  const software = (name: string) => name === 'webgpu' && adapter?.software === true;
  out(`GPU benchmark, ${config} configuration (batch 1), parts ${parts.join(', ')}; ${loadavg()}`);
  out(`memory limit per measurement ${limits.memMB === null ? `available memory at its start minus 2 GB, at most 12 GB (now ${(autoLimitMB() / 1024).toFixed(1)} GB)` : `${(limits.memMB / 1024).toFixed(1)} GB`}, time limit ${limits.timeoutS} s`);
  for (const s of statuses.filter(s => want.includes(s.name))) out(`${s.name.padEnd(7)} ${s.usable ? 'usable' : 'not usable'}${s.reason ? ` (${s.reason})` : ''}`);
  out(`webgpu adapter: ${formatAdapter(adapter, webgpu)}`);
  if (gpu.length === 0) out('no GPU provider runs here: only the cpu figures follow');
  if (gpu.some(s => software(s.name))) {
    out('NOTE: the WebGPU adapter is a software one (CPU-emulated): its figures prove the GPU path runs end to end, they are not GPU speeds');
  }
  const providers: ProviderName[] = [...gpu.map(s => s.name as ProviderName), 'cpu'];
  const tag = (p: string) => (software(p) ? `${p} (software adapter)` : p);

  for (const part of parts.filter(p => p !== 'placement')) {
    out(`\n== ${part === 'forward' ? 'backbone forward' : 'TPT training step (prompts + cls head, AdamW)'} ==`);
    const rates = new Map<string, number>();
    for (const p of providers) {
      const { result, peakMB } = await runChild([part, config, p, String(part === 'forward' ? runs : steps)], big, limits);
      if (typeof result === 'string') {
        out(`${tag(p).padEnd(28)} ${result}`);
        continue;
      }
      const times = result.times_s as number[];
      const rate = 1 / median(times);
      rates.set(p, rate);
      const first = part === 'forward' ? `first call (build + compile + run) ${(result.first_call_s as number).toFixed(2)} s` : `graph build + session ${(result.build_s as number).toFixed(2)} s, ${result.nodes} nodes`;
      out(
        `${tag(p).padEnd(28)} ${rate.toFixed(3)} clips/s (median ${median(times).toFixed(3)} s of ${times.map(t => t.toFixed(2)).join(', ')}); ${first}; ran on ${(result.ran as string[]).join(', ')}; peak ${(peakMB / 1024).toFixed(2)} GB [${loadavg()}]`
      );
    }
    for (const p of gpu.map(s => s.name)) {
      const r = rates.get(p);
      const c = rates.get('cpu');
      if (r !== undefined && c !== undefined) out(`ratio ${p}/cpu: ${(r / c).toFixed(3)}× the CPU's clips/s${software(p) ? ' (software adapter: not a GPU speed)' : ''}`);
    }
  }
  if (parts.includes('placement')) {
    out('\n== node placement on each GPU provider ==');
    const graphs = value('--graphs', 'forward,step').split(',').filter((g): g is 'forward' | 'step' => g === 'forward' || g === 'step');
    for (const s of gpu) {
      for (const graph of graphs) {
        const { result, peakMB } = await runChild(['placement', config, s.name, graph], big, limits);
        const label = graph === 'forward' ? 'forward' : 'TPT step';
        out(typeof result === 'string' ? `${label} on ${s.name}: ${result}` : `${label}: ${result.text}\n  (${(result.seconds as number).toFixed(0)} s, peak ${(peakMB / 1024).toFixed(2)} GB)`);
      }
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
