/** ns.embed: per-clip and per-subject embeddings as safetensors with TSV indexes. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { embed, poolFeatures } from '../../kernel/eval/embed';
import * as models from '../../kernel/models';
import { readSafetensors } from '../../kernel/runtime/safetensors';
import { readBatch } from '../../kernel/data/sampler';
import { cohort } from '../train/cohort';

jest.setTimeout(600_000);

test('writes one pooled vector per clip and the mean per subject, indexed by TSV', async () => {
  const data = await cohort('ft', { subjects: 8, sessions: 1, frames: 40, seed: 11 });
  const model = models.create(models.cpuConfig(), { seed: 2, mae: false });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-embed-'));
  const r = await embed(model, data, { out, batch: 4, centre: true });
  expect(r.dim).toBe(96);
  expect(r.clips.count).toBe(16);
  expect(r.subjects.count).toBe(8);
  const clips = (await readSafetensors(r.clips.file)).tensors.get('embeddings')!;
  const subjects = (await readSafetensors(r.subjects.file)).tensors.get('embeddings')!;
  expect(clips.shape).toEqual([16, 96]);
  expect(subjects.shape).toEqual([8, 96]);
  const clipRows = fs.readFileSync(r.clips.index, 'utf8').trim().split('\n').map(l => l.split('\t'));
  expect(clipRows[0]).toEqual(['row', 'subject', 'session', 'bold', 'start', 'frames']);
  expect(clipRows).toHaveLength(17);
  const subjectRows = fs.readFileSync(r.subjects.index, 'utf8').trim().split('\n').map(l => l.split('\t'));
  expect(subjectRows.slice(1).map(x => x[1])).toEqual(Array.from({ length: 8 }, (_, i) => `sub-0${i + 1}`));
  const c = clips.data as Float32Array;
  const s = subjects.data as Float32Array;
  // subject 3's embedding is the mean of its two clips (rows whose subject column says so)
  const rows = clipRows.slice(1).filter(x => x[1] === 'sub-03').map(x => Number(x[0]));
  expect(rows).toHaveLength(2);
  for (let d = 0; d < 96; d += 7) expect(s[2 * 96 + d]).toBeCloseTo((c[rows[0] * 96 + d] + c[rows[1] * 96 + d]) / 2, 5);
  // a clip's row is the backbone output of that clip, centred, mean-pooled over every token
  const [, subject, , , start] = clipRows[1 + rows[1]];
  const cache = fs.readdirSync(path.join(data, 'derivatives', 'neurostorm')).find(f => f.startsWith(subject))!;
  const batch = await readBatch([{ cache: path.join(data, 'derivatives', 'neurostorm', cache), start: Number(start), length: 20, subject }], 2, undefined, true);
  const y = await model.forward({ data: batch.data, shape: batch.shape }, { prompts: false }, []);
  const pooled = poolFeatures(y.backbone.data, y.backbone.shape)[0];
  for (let d = 0; d < 96; d += 5) expect(c[rows[1] * 96 + d]).toBeCloseTo(pooled[d], 4);
});
