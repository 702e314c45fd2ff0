/**
 * Attribution of a run folder's subject: the best checkpoint, the subject's clips from the run's
 * frame caches with the run's input transform (pool 4 -> 24³, centring), the NIfTI written into
 * the run — the same map as attributing the model on those clips directly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { synth } from '../../kernel/data/synth/cohort';
import { preprocess } from '../../kernel/data/preprocess';
import { readBatch } from '../../kernel/data/sampler';
import { attribute } from '../../kernel/eval/attribution';
import { attributeSubject } from '../../kernel/eval/attribute-run';
import { read } from '../../kernel/nifti/read';
import { writeRunFolder } from './run-fixture';

jest.setTimeout(600_000);

test('attributeSubject explains the run checkpoint on the subject clips and writes RUN/attribution/<subject>.nii.gz', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-attr-run-'));
  const cohort = await synth({ out: path.join(tmp, 'cohort'), subjects: 2, sessions: 1, frames: 8, seed: 2, gzipLevel: 1 });
  const cache = path.join(tmp, 'cache');
  const pre = await preprocess(cohort.root, { cacheDir: cache });
  expect(pre.runs).toHaveLength(2);
  const model = models.create(models.demoConfig({ heads: [{ kind: 'cls', numClasses: 2 }] }), { seed: 5 });
  const dir = path.join(tmp, 'run');
  await models.save(model, path.join(dir, 'checkpoints', 'best'));
  const samples = cohort.runs.flatMap(r => [0, 4].map(start => ({ subject: r.subject, session: r.session, bold: r.file, start, frames: 4, target: r.subject === 'sub-01' ? 1 : 0 })));
  const folds = [{ train: [], validation: [], test: ['sub-01', 'sub-02'] }];
  const clips = samples.map(s => ({ ...s, fold: 0, split: 'test' as const, output: [0.1] }));
  writeRunFolder(dir, { task: 'sex', type: 'binary', level: 'subject', classes: ['F', 'M'], folds, samples, clips, cache, extra: { input: { pool: 4, centre: true } } });

  const result = await attributeSubject(dir, 'sub-01', { steps: 8 });
  expect(result.clips).toBe(2);
  expect(result.file).toBe(path.join(dir, 'attribution', 'sub-01.nii.gz'));
  const written = await read(result.file);
  expect(written.shape).toEqual([91, 109, 91]);

  // The same clips read and centred by hand, attributed directly.
  const cacheFile = pre.runs.find(r => r.run.subject === 'sub-01')?.cache as string;
  const batch = await readBatch([0, 4].map(start => ({ cache: cacheFile, start, length: 4, subject: 'sub-01' })), 4);
  for (let o = 0; o < batch.data.length; o += 4) {
    const m = (batch.data[o] + batch.data[o + 1] + batch.data[o + 2] + batch.data[o + 3]) / 4;
    for (let t = 0; t < 4; t++) batch.data[o + t] -= m;
  }
  // (Centring by hand, not through readBatch's flag: the test checks that the run's transform is applied.)
  const direct = await attribute(model, { data: batch.data, shape: [...batch.shape] }, { steps: 8 });
  expect(Array.from(written.data())).toEqual(Array.from(direct.volume.data()));
  expect(direct.input.data.some(v => v !== 0)).toBe(true);
  await expect(attributeSubject(dir, 'sub-09')).rejects.toThrow(/sub-09 is not evaluated/);
  fs.rmSync(tmp, { recursive: true, force: true });
});
