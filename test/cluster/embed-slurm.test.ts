/**
 * `neurostorm embed MODEL DATASET --out DIR --slurm --wait` on a real single-node Slurm: one task
 * per subject, shards merged into the files a local embed writes, with the same bytes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from '../../kernel/data';
import * as models from '../../kernel/models';
import { readJobRecord } from '../../kernel/cluster';
import { neurostormCli, requireBuiltCli, startSlurm, SlurmCluster } from './slurm-harness';

/** The CLI against this file's cluster, bounded. */
const neurostorm = (args: string[]) => neurostormCli(cluster.env, args, 200_000);

jest.setTimeout(300_000);

let cluster: SlurmCluster;
let work: string;
let data: string;
let model: string;
beforeAll(async () => {
  requireBuiltCli();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-embed-'));
  data = (await synth({ out: path.join(work, 'cohort'), subjects: 3, sessions: 1, frames: 20, seed: 9 })).root;
  model = path.join(work, 'model');
  await models.save(models.create(models.cpuConfig(), { seed: 2, mae: false }), model);
  cluster = await startSlurm();
});
afterAll(async () => {
  await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('one task per subject, merged into the same files (same bytes) as a local embed', async () => {
  const caches = path.join(work, 'caches');
  const onSlurm = path.join(work, 'slurm-emb');
  const s = await neurostorm(['embed', model, data, '--out', onSlurm, '--cache-dir', caches, '--batch', '2', '--slurm', '--wait']);
  expect(s.err).not.toMatch(/error/i);
  expect(s.code).toBe(0);
  expect(readJobRecord(onSlurm, 'embed')?.tasks.map(t => t.label)).toEqual(['sub-01', 'sub-02', 'sub-03']);
  const local = path.join(work, 'local-emb');
  const l = await neurostorm(['embed', model, data, '--out', local, '--cache-dir', caches, '--batch', '2']);
  expect(l.code).toBe(0);
  for (const f of ['clips.safetensors', 'clips.tsv', 'subjects.safetensors', 'subjects.tsv']) {
    const a = fs.readFileSync(path.join(onSlurm, f));
    const b = fs.readFileSync(path.join(local, f));
    expect({ f, same: Buffer.compare(a, b) === 0 }).toEqual({ f, same: true });
  }
  expect(fs.readFileSync(path.join(onSlurm, 'subjects.tsv'), 'utf8').trim().split('\n')).toHaveLength(4);
});
