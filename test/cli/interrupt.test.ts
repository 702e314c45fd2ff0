/**
 * Ctrl-C on `neurostorm finetune` (the compiled CLI, a real process): the run stops at a step
 * boundary with a resumable checkpoint, the command exits 130, and `--resume` finishes the run.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, requireBuild, CLI } from '../notebook/kernel-process';
import { cohort } from '../train/cohort';

test('SIGINT stops a finetune at a safe point (exit 130, status interrupted); --resume completes it', async () => {
  requireBuild();
  const data = await cohort('verbs', { subjects: 10, sessions: 1, frames: 40, seed: 5 });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-cli-int-'));
  try {
    const run = path.join(work, 'run');
    const args = ['finetune', '--data', data, '--task', 'sex', '--mode', 'probe', '--out', run, '--epochs', '3', '--batch', '2', '--seed', '1', '--cache-dir', path.join(work, 'caches')];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The first training step reported: the loop is running; interrupt it.
      if (!sent && /finetune \d+\/\d+ .*loss/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>(resolve => child.on('exit', c => resolve(c)));
    expect(sent).toBe(true);
    expect(stderr).toMatch(/SIGINT: stopping at the next safe point/);
    expect(code).toBe(130);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).status).toBe('interrupted');

    const resumed = cli([...args, '--resume'], process.env, work);
    expect(resumed.stderr.split('\n').filter(l => l && !/^finetune .*\d+\/\d+/.test(l))).toEqual([]);
    expect(resumed.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).status).toBe('done');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 900_000);
