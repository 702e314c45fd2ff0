/**
 * `npm run bench -- train [--config cpu,official] [--side both|ours|torch] [--what pretrain,tpt]
 *                         [--batch N,...] [--steps 3] [--threads 2] [--budget-s 300] [--max-rss-gb 16]
 *                         [--torch-scan both|ref|chunked (default: both on cpu, chunked on official)]`
 *
 * Training throughput, ours side by side with the official PyTorch model in the same run: clips per
 * second of MAE pretraining (window mask x random time mask, ratio 0.5, every parameter, AdamW) and
 * of TPT fine-tuning (prompts + cls head trainable, backbone frozen, AdamW), on the CPU configuration
 * (48³ × 20, embed 12, depths 1,1,1,1, 8 prompts; batch 4 and 1) and the official one (96³ × 20,
 * 50 prompts; batch 1). For each workload ours runs, then PyTorch, back to back, and the line gives
 * the ratio (ours clips/s ÷ torch clips/s; > 1: ours faster).
 *
 * Fair threading: both sides get the same thread count: our session's intra-op threads, and
 * torch.set_num_threads + OMP_NUM_THREADS with OMP_WAIT_POLICY=PASSIVE (Debian's torch spins its
 * OpenBLAS and GOMP pools against each other otherwise; shared/reference/README.md).
 *
 * Each side runs in its own child process under the shared big-memory lock (flock, one at a time on
 * this machine; set NEUROSTORM_BIGMEM_LOCK= to run without it, and never run this bench itself under
 * the same lock: it would wait on itself). Peak memory is the child's own VmHWM (/proc/self/status,
 * as test/io/child-process.ts reads it). A child whose resident size passes --max-rss-gb, or that
 * would leave the machine under 0.75 GiB available, is stopped and printed as "skipped: why"; so is
 * one past its time limit. The step time is the median of the timed steps after one warm-up step
 * (which also builds our session); fewer steps (at least one) when the warm-up says they would not
 * fit in --budget-s.
 *
 * The PyTorch side (test/bench/train_torch.py) needs python3-torch and the official source in
 * $NEUROSTORM_SRC (shared/reference/README.md). Its selective scan is the reference Python loop;
 * it also reports the scan's share of the step, and the step with a chunked (vectorised) scan. At the
 * official size its first step is timed too (no warm-up: one reference step takes minutes here, and
 * at the CPU size torch's first step took as long as the later ones).
 */
import { now } from './timing';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { trainer } from '../../kernel/train/trainer';
import { randomMaeMask } from '../../kernel/models/mae-mask';
import { Random } from '../../kernel/random';
import { packageRoot } from '../../kernel/version';

type ConfigName = 'cpu' | 'official';
type What = 'pretrain' | 'tpt';
type Side = 'ours' | 'torch';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak RSS of this process image in MiB (VmHWM; getrusage's maxRSS would include a parent's). */
function peakMb(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

interface Measured {
  clipsPerS: number;
  stepS: number[];
  firstStepS: number;
  peakMb: number;
  trainable: number;
  total: number;
  note?: string;
}

/** Our side, in the child: one model, one trainer, a warm-up step then timed steps. */
async function child(name: ConfigName, what: What, batch: number, steps: number, threads: number, budgetS: number): Promise<Measured & { buildS: number }> {
  const base = name === 'cpu' ? models.cpuConfig() : models.officialConfig();
  const session = { provider: 'cpu' as const, threads };
  const x = models.fixtureInput(batch, base.imgSize);
  let model = models.create({ ...base, heads: what === 'tpt' ? [{ kind: 'cls', numClasses: 2 }] : [] }, { seed: 0, mae: what === 'pretrain', session });
  if (what === 'tpt') model = model.withPrompts(name === 'cpu' ? 8 : 50, 0);
  const t0 = now();
  const tr = await trainer(model, { task: what === 'tpt' ? 'cls' : 'mae', mode: what === 'tpt' ? 'tpt' : 'full', batch });
  const buildS = now() - t0;
  const rng = new Random(1);
  const second = () => (what === 'tpt' ? { data: new Float32Array(batch).fill(1), shape: [batch, 1] } : randomMaeMask(base, batch, rng));
  const t1 = now();
  await tr.step(x, second(), 1e-4);
  const firstStepS = now() - t1;
  const fit = Math.max(1, Math.min(steps, Math.floor(budgetS / Math.max(firstStepS, 1e-9))));
  const stepS: number[] = [];
  for (let i = 0; i < fit; i++) {
    const t = now();
    await tr.step(x, second(), 1e-4);
    stepS.push(now() - t);
  }
  const counts = tr.parameterCounts();
  return { clipsPerS: batch / median(stepS), stepS, firstStepS, buildS, peakMb: peakMb(), trainable: counts.trainable, total: counts.total };
}

/** Resident size of a process and its descendants (flock runs the measured command as its child). */
function treeRssKb(pid: number): number {
  let kb = 0;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    kb += m ? Number(m[1]) : 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) kb += treeRssKb(Number(k));
    }
  } catch {
    // the process ended between the reads
  }
  return kb;
}

const memAvailableKb = () => Number(/^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? Infinity);

interface Limits {
  timeoutS: number;
  maxRssGb: number;
}

/** Exit status of `flock -E` when the lock was not had within its wait. */
const LOCK_BUSY = 75;
const LOCK_WAIT_S = 1800;

/**
 * Runs one side's child under the shared lock with a memory and time watchdog; resolves to the
 * last stdout line parsed as JSON, or to a "skipped: why" / "failed: why" string.
 */
function runGuarded(command: string, args: string[], env: NodeJS.ProcessEnv, limits: Limits): Promise<Record<string, unknown> | string> {
  const lock = process.env.NEUROSTORM_BIGMEM_LOCK ?? '/tmp/neurostorm-bigmem.lock';
  const [cmd, argv] = lock ? ['flock', ['-E', String(LOCK_BUSY), '-w', String(LOCK_WAIT_S), lock, command, ...args]] : [command, args];
  return new Promise(resolve => {
    const proc = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let stopped: string | null = null;
    proc.stdout.on('data', d => (stdout += String(d)));
    proc.stderr.on('data', d => (stderr = (stderr + String(d)).slice(-4000)));
    // The time limit counts from when the measured command holds the lock (flock's child exists).
    let startedAt: number | null = null;
    const stop = (why: string) => {
      stopped = why;
      try {
        process.kill(-(proc.pid as number), 'SIGKILL'); // its own process group: flock and the measured child
      } catch {
        // already gone
      }
    };
    const timer = setInterval(() => {
      const rssKb = treeRssKb(proc.pid as number);
      if (startedAt === null && rssKb > 64 * 1024) startedAt = now();
      if (rssKb > limits.maxRssGb * 2 ** 20) stop(`skipped: resident size passed ${limits.maxRssGb} GB (--max-rss-gb)`);
      // Only a running side that is itself big (> 3 GB, the shared-lock rule) is stopped when the
      // machine runs short: while it waits for the lock, or stays small, someone else's job is the
      // one the machine cannot hold.
      else if (startedAt !== null && rssKb > 3 * 2 ** 20 && memAvailableKb() < 0.75 * 2 ** 20) stop(`skipped: the machine fell under 0.75 GiB available at ${(rssKb / 2 ** 20).toFixed(1)} GB resident (other jobs need the rest)`);
      else if (startedAt !== null && now() - startedAt > limits.timeoutS) stop(`skipped: did not finish within ${limits.timeoutS} s`);
    }, 250);
    proc.on('close', (code, signal) => {
      clearInterval(timer);
      if (stopped) return resolve(stopped);
      if (code === LOCK_BUSY && lock) return resolve(`skipped: ${lock} stayed held by another big run for ${LOCK_WAIT_S} s`);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return resolve(typeof parsed.skipped === 'string' ? `skipped: ${parsed.skipped}` : parsed);
      } catch {
        return resolve(`failed (exit ${code}${signal ? `, ${signal}` : ''}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`);
      }
    });
  });
}

interface Workload {
  config: ConfigName;
  what: What;
  batch: number;
}

interface Options {
  steps: number;
  threads: number;
  budgetS: number;
  maxRssGb: number;
  /**
   * PyTorch scan phases: the reference loop and the chunked scan (both), or one of them. Unset: both
   * on the cpu configuration, chunked on the official one, where one reference-loop step of TPT ran
   * past 13 minutes (kernel/train/README.md) and the child's time limit would stop it with nothing.
   */
  torchScan?: 'both' | 'ref' | 'chunked';
}

/** Hard time limit of a child: warm-up + graph build + the step budget, with room. */
const timeoutFor = (o: Options, phases: number) => Math.round(o.budgetS * phases * 2 + 600);

async function ours(w: Workload, o: Options): Promise<Measured | string> {
  const r = await runGuarded(process.execPath, [...process.execArgv, __filename, '--child', w.config, w.what, String(w.batch), String(o.steps), String(o.threads), String(o.budgetS)], process.env, {
    timeoutS: timeoutFor(o, 1),
    maxRssGb: o.maxRssGb
  });
  return typeof r === 'string' ? r : (r as unknown as Measured);
}

interface TorchMeasured {
  /** Absent with --torch-scan chunked. */
  reference?: Measured;
  scanShare?: number;
  chunked?: Measured;
  chunkedDiff?: number;
  /** The chunked scan recomputed its intermediates in the backward (--checkpoint-scan). */
  checkpointed?: boolean;
  torch: string;
}

function torchPhase(r: Record<string, unknown>, batch: number, trainable: number, total: number): Measured {
  const stepS = r.step_s as number[];
  return { clipsPerS: batch / median(stepS), stepS, firstStepS: r.first_step_s as number, peakMb: r.peak_rss_mb as number, trainable, total };
}

const torchScanOf = (w: Workload, o: Options) => o.torchScan ?? (w.config === 'official' ? 'chunked' : 'both');

async function torch(w: Workload, o: Options): Promise<TorchMeasured | string> {
  const src = process.env.NEUROSTORM_SRC;
  if (!src || !fs.existsSync(path.join(src, 'models', 'neurostorm.py'))) {
    return 'skipped: the official source is absent (set NEUROSTORM_SRC to an export of CUHK-AIM-Group/NeuroSTORM with models/ and utils/, see shared/reference/README.md)';
  }
  const script = path.join(packageRoot(), 'test', 'bench', 'train_torch.py');
  const args = [script, '--config', w.config, '--what', w.what, '--batch', String(w.batch), '--steps', String(o.steps), '--threads', String(o.threads), '--scan', torchScanOf(w, o), '--warmup', w.config === 'official' ? '0' : '1', '--budget-s', String(2 * o.budgetS), '--max-rss-gb', String(o.maxRssGb)];
  // At the official size the chunked scan's kept intermediates took the MAE step past 16 GB: there it
  // recomputes them in the backward, as the official fused kernel does with its states.
  if (w.config === 'official') args.push('--checkpoint-scan');
  const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(o.threads) };
  const r = await runGuarded('/usr/bin/python3', args, env, { timeoutS: timeoutFor(o, 2), maxRssGb: o.maxRssGb });
  if (typeof r === 'string') return r.includes("No module named 'torch'") ? 'skipped: python3-torch is not installed for /usr/bin/python3' : r;
  const [trainable, total] = [r.trainable as number, r.total as number];
  const ref = r.ref as Record<string, unknown> | undefined;
  const reference = ref ? torchPhase(ref, w.batch, trainable, total) : undefined;
  const scanShare = ref ? median(ref.scan_s as number[]) / median(ref.step_s as number[]) : undefined;
  const chunked = r.chunked ? torchPhase(r.chunked as Record<string, unknown>, w.batch, trainable, total) : undefined;
  return { reference, scanShare, chunked, chunkedDiff: r.chunked_max_rel_diff as number | undefined, checkpointed: r.chunked_checkpointed === true, torch: r.torch as string };
}

const gb = (mb: number) => `${(mb / 1024).toFixed(2)} GB`;
const load = () => os.loadavg().map(l => l.toFixed(2)).join(' ');
const stepText = (m: Measured) => `step ${median(m.stepS).toFixed(2)} s (runs ${m.stepS.map(t => t.toFixed(2)).join(', ')}; warm-up ${m.firstStepS.toFixed(1)} s)`;

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    const [, config, what, batch, steps, threads, budget] = args;
    process.stdout.write(`${JSON.stringify(await child(config as ConfigName, what as What, Number(batch), Number(steps), Number(threads), Number(budget)))}\n`);
    return;
  }
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const configs = value('--config', value('--configs', 'cpu,official')).split(',') as ConfigName[];
  const whats = value('--what', 'pretrain,tpt').split(',') as What[];
  const sideArg = value('--side', 'both');
  const sides: Side[] = sideArg === 'both' ? ['ours', 'torch'] : [sideArg as Side];
  for (const c of configs) if (c !== 'cpu' && c !== 'official') throw new Error(`--config: cpu or official, not ${c}`);
  for (const w of whats) if (w !== 'pretrain' && w !== 'tpt') throw new Error(`--what: pretrain or tpt, not ${w}`);
  for (const s of sides) if (s !== 'ours' && s !== 'torch') throw new Error(`--side: ours, torch or both, not ${s}`);
  const o: Options = { steps: Number(value('--steps', '3')), threads: Number(value('--threads', '2')), budgetS: Number(value('--budget-s', '300')), maxRssGb: Number(value('--max-rss-gb', '16')), torchScan: (value('--torch-scan', '') || undefined) as Options['torchScan'] };
  if (o.torchScan !== undefined && !['both', 'ref', 'chunked'].includes(o.torchScan)) throw new Error(`--torch-scan: both, ref or chunked, not ${o.torchScan}`);
  const batchArg = value('--batch', '');
  const workloads: Workload[] = [];
  for (const config of configs) {
    const batches = batchArg ? batchArg.split(',').map(Number) : config === 'cpu' ? [4, 1] : [1];
    for (const what of whats) for (const batch of batches) workloads.push({ config, what, batch });
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`training step throughput, ${o.threads} threads each side — ours: onnxruntime-node CPU (intra-op threads); torch: official NeuroSTORM, torch.set_num_threads + OMP_WAIT_POLICY=PASSIVE`);
  out(`one child process per side and workload (peak = its own VmHWM); ratio = ours clips/s ÷ torch clips/s; load at start ${load()}`);
  const rows: string[] = [];
  for (const w of workloads) {
    const label = `${w.config} ${w.what === 'pretrain' ? 'MAE pretrain' : 'TPT'} b${w.batch}`;
    const a = sides.includes('ours') ? await ours(w, o) : 'not run (--side torch)';
    out(`${label.padEnd(22)} ours : ${typeof a === 'string' ? a : `${a.clipsPerS.toFixed(3)} clips/s, ${stepText(a)}; trainable ${a.trainable}/${a.total}; peak ${gb(a.peakMb)}`} [load ${load()}]`);
    const t = sides.includes('torch') ? await torch(w, o) : 'not run (--side ours)';
    if (typeof t === 'string') out(`${label.padEnd(22)} torch: ${t}`);
    else {
      const r = t.reference;
      if (r) out(`${label.padEnd(22)} torch: ${r.clipsPerS.toFixed(3)} clips/s, ${stepText(r)}; scan loop ${(100 * (t.scanShare ?? 0)).toFixed(0)}% of the step; trainable ${r.trainable}/${r.total}; peak ${gb(r.peakMb)} (torch ${t.torch}) [load ${load()}]`);
      else out(`${label.padEnd(22)} torch: reference scan not run (--torch-scan chunked${o.torchScan ? '' : ', the default at the official size'})`);
      if (t.chunked) out(`${label.padEnd(22)} torch, chunked scan${t.checkpointed ? ' (checkpointed)' : ''}: ${t.chunked.clipsPerS.toFixed(3)} clips/s, ${stepText(t.chunked)}; peak ${gb(t.chunked.peakMb)}; scan max rel diff vs reference ${t.chunkedDiff?.toExponential(1)}`);
    }
    const ratio = typeof a !== 'string' && typeof t !== 'string' && t.reference ? a.clipsPerS / t.reference.clipsPerS : null;
    const ratioChunked = typeof a !== 'string' && typeof t !== 'string' && t.chunked ? a.clipsPerS / t.chunked.clipsPerS : null;
    if (ratio !== null) out(`${label.padEnd(22)} ratio ours/torch: ${ratio.toFixed(2)}${ratioChunked !== null ? ` (vs chunked scan ${ratioChunked.toFixed(2)})` : ''}`);
    const cell = (m: Measured | string, f: (m: Measured) => string) => (typeof m === 'string' ? (m.startsWith('not run') ? '-' : 'skipped') : f(m));
    rows.push(
      `| ${w.config} | ${w.what === 'pretrain' ? 'MAE' : 'TPT'} b${w.batch} | ${cell(a, m => m.clipsPerS.toFixed(3))} | ${typeof t === 'string' ? cell(t, () => '') : `${t.reference ? t.reference.clipsPerS.toFixed(3) : '-'}${t.chunked ? ` (chunked ${t.chunked.clipsPerS.toFixed(3)})` : ''}`} | ` +
        `${ratio === null ? '-' : ratio.toFixed(2)}${ratioChunked === null ? '' : ` (${ratioChunked.toFixed(2)})`} | ${cell(a, m => gb(m.peakMb))} | ${typeof t === 'string' ? cell(t, () => '') : gb((t.reference ?? t.chunked)?.peakMb ?? NaN)} |`
    );
  }
  out('\n| config | workload | ours clips/s | torch clips/s | ratio ours/torch | ours peak | torch peak |');
  out('|---|---|---|---|---|---|---|');
  for (const r of rows) out(r);
  out(`load at end ${load()}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
