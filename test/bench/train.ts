/**
 * `npm run bench -- train [--configs cpu,official] [--steps 3] [--what pretrain,tpt]`
 *
 * Training throughput of ns.train's step graphs: clips per second of MAE pretraining (window mask,
 * ratio 0.5, all parameters) and of TPT fine-tuning (prompts + cls head, AdamW), on the CPU
 * configuration (48³ × 20, batch 4) and the official one (96³ × 20, batch 1), each measurement in
 * its own child process so its peak RSS is its own. The step time is the median of `steps` steps
 * after one warm-up step (which also builds the session). The official PyTorch model side by side
 * is `npm run bench -- model` (TPT step); it is not repeated here.
 */
import { spawnSync } from 'child_process';
import * as models from '../../kernel/models';
import { trainer } from '../../kernel/train/trainer';
import { randomMaeMask } from '../../kernel/models/mae-mask';
import { Random } from '../../kernel/random';

type ConfigName = 'cpu' | 'official';
type What = 'pretrain' | 'tpt';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function child(name: ConfigName, what: What, steps: number): Promise<Record<string, unknown>> {
  const base = name === 'cpu' ? models.cpuConfig() : models.officialConfig();
  const batch = name === 'cpu' ? 4 : 1;
  const session = { provider: 'cpu' as const, threads: 2 };
  const x = models.fixtureInput(batch, base.imgSize);
  let model = models.create({ ...base, heads: what === 'tpt' ? [{ kind: 'cls', numClasses: 2 }] : [] }, { seed: 0, mae: what === 'pretrain', session });
  if (what === 'tpt') model = model.withPrompts(name === 'cpu' ? 8 : 50, 0);
  const t0 = now();
  const tr = await trainer(model, { task: what === 'tpt' ? 'cls' : 'mae', mode: what === 'tpt' ? 'tpt' : 'full', batch });
  const build = now() - t0;
  const second = () => (what === 'tpt' ? { data: new Float32Array(batch).fill(1), shape: [batch, 1] } : randomMaeMask(base, batch, new Random(1)));
  const t1 = now();
  await tr.step(x, second(), 1e-4);
  const first = now() - t1;
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = now();
    await tr.step(x, second(), 1e-4);
    times.push(now() - t);
  }
  const counts = tr.parameterCounts();
  return { build_s: build, first_step_s: first, step_s: times, clips_per_s: batch / median(times), batch, trainable: counts.trainable, total: counts.total, peak_rss_mb: peakMB() };
}

function runChild(args: string[]): Record<string, unknown> | string {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    process.stdout.write(`${JSON.stringify(await child(args[1] as ConfigName, args[2] as What, Number(args[3])))}\n`);
    return;
  }
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const configs = value('--configs', 'cpu,official').split(',') as ConfigName[];
  const whats = value('--what', 'pretrain,tpt').split(',') as What[];
  const steps = value('--steps', '3');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out('ns.train step throughput — onnxruntime-node CPU, 2 threads; one child process per line (peak RSS is its own)');
  for (const name of configs) {
    for (const what of whats) {
      const r = runChild([name, what, steps]);
      if (typeof r === 'string') {
        out(`${name.padEnd(8)} ${what.padEnd(8)} ${r}`);
        continue;
      }
      const s = r.step_s as number[];
      out(
        `${name.padEnd(8)} ${what.padEnd(8)} ${(r.clips_per_s as number).toFixed(2)} clips/s (batch ${r.batch}, step ${median(s).toFixed(2)} s; runs ${s.map(t => t.toFixed(2)).join(', ')}); ` +
          `first step ${(r.first_step_s as number).toFixed(1)} s, graph build ${(r.build_s as number).toFixed(1)} s; trainable ${r.trainable}/${r.total}; peak RSS ${r.peak_rss_mb} MB`
      );
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
