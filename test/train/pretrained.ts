/**
 * A briefly MAE-pretrained CPU-configuration model per cohort (1 epoch, batch 4, seed 1), written
 * once beside the cached cohort under the OS temp folder and reused by the learning tests. A run
 * that did not finish (no `done` status) is redone from scratch.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pretrain } from '../../kernel/train/pretrain';
import { once } from './cohort';

export async function pretrained(data: string): Promise<string> {
  const out = `${data}-mae-e1b4s1`;
  const record = path.join(out, 'run.json');
  return once(out, async () => {
    const done = fs.existsSync(record) && JSON.parse(fs.readFileSync(record, 'utf8')).status === 'done';
    if (!done) {
      fs.rmSync(out, { recursive: true, force: true });
      const r = await pretrain({ data, out, epochs: 1, batch: 4, seed: 1 });
      // the short pretraining must have learned something before anything is built on it
      if (!(r.finalValidLoss < r.initialValidLoss)) throw new Error(`pretraining on ${data} did not lower the held-out masked loss`);
    }
    return out;
  });
}
