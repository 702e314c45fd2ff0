/** The local Slurm of the cluster tests starts, runs an array and stops. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startSlurm, SlurmCluster } from './slurm-harness';

jest.setTimeout(120_000);
let cluster: SlurmCluster | undefined;
beforeAll(async () => {
  cluster = await startSlurm();
});
afterAll(async () => {
  await cluster?.stop();
});

test('a two-task array runs on the local cluster and its tasks exit with their own codes', async () => {
  const c = cluster as SlurmCluster;
  const script = path.join(c.dir, 'probe.sh');
  fs.writeFileSync(script, `#!/bin/bash\n#SBATCH --array=0-1\n#SBATCH --output=${c.dir}/probe-%a.log\necho task $SLURM_ARRAY_TASK_ID\nexit $SLURM_ARRAY_TASK_ID\n`);
  const id = spawnSync('sbatch', ['--parsable', script], { env: c.env, encoding: 'utf8', timeout: 30_000 }).stdout.trim();
  expect(id).toMatch(/^\d+$/);
  const deadline = Date.now() + 60_000;
  const jobcomp = path.join(c.dir, 'log', 'jobcomp.txt');
  const ended = () => (fs.existsSync(jobcomp) ? fs.readFileSync(jobcomp, 'utf8').trim().split('\n').filter(l => l.includes(`ArrayJobId=${id} `)) : []);
  while (ended().length < 2 && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
  const byTask = Object.fromEntries(ended().map(l => [/ArrayTaskId=(\d+)/.exec(l)?.[1], / ExitCode=(\d+)/.exec(l)?.[1]]));
  expect(byTask).toEqual({ '0': '0', '1': '1' });
  expect(fs.readFileSync(path.join(c.dir, 'probe-1.log'), 'utf8')).toBe('task 1\n');
});
