/**
 * Issue 14, items 1, 3 and 9 (negshape/selfref): hostile checkpoints made here, byte by byte, are
 * refused with a WeightsError naming the file, in a child process whose peak RSS stays under a
 * stated budget (before the fix: the memo bomb killed node with exit 134, the stride-0 view
 * allocated 512 MiB, the zip bomb inflated 1 GiB).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTorchFile } from '../../kernel/models/weights/torch-file';
import { openZip } from '../../kernel/models/weights/zip';
import { unpickle } from '../../kernel/models/weights/pickle';
import { WeightsError } from '../../kernel/errors';
import { runInChild } from '../io/child-process';
import * as hostile from './hostile-files';

/** Peak RSS a child may reach while refusing any of these files (node + typescript is ~120 MiB). */
const CHILD_BUDGET_MB = 256;

interface Outcome {
  name: string;
  code: string;
  message: string;
  file: string;
}

/** Writes `bytes` to a file and loads it with ns.models' loader in a child; returns the error. */
function refuseInChild(name: string, bytes: Uint8Array) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-hostile-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return runInChild<Outcome | { loaded: true }>(
    `try { await load.loadWeights(${JSON.stringify(file)}, {}); report({ loaded: true }); } catch (err) { report(errorInfo(err)); }`,
    { preload: `const load = kernel('models/weights/load');` }
  );
}

describe('hostile checkpoints (issue 14)', () => {
  it('still reads a well-formed checkpoint built the same way (shared storage, transposed view)', () => {
    const ck = parseTorchFile(hostile.validCheckpoint(), 'valid.ckpt');
    expect(Array.from(ck.tensors.get('model.wt')!.data as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(ck.tensors.get('model.wt')!.shape).toEqual([3, 2]);
    expect(Array.from(ck.tensors.get('model.b')!.data as Float32Array)).toEqual([7, 8]);
    expect(ck.hyperParameters).toEqual({ embed_dim: 12, depths: [2, 2] });
  });

  it.each([
    ['laughs.ckpt', () => hostile.laughsCheckpoint(9), /billion laughs/],
    ['stride0.ckpt', () => hostile.strideZeroCheckpoint(), /materialise more than .* bytes from a \d+-byte file/],
    ['negshape.ckpt', () => hostile.negativeShapeCheckpoint(), /negative size/],
    ['selfref.ckpt', () => hostile.selfReferenceCheckpoint(), /contains itself/],
    ['bomb.ckpt', () => hostile.zipBombCheckpoint(1024), /materialise more than|zip bomb/],
    ['understated.ckpt', () => hostile.understatedEntryCheckpoint(256), /inflates to more than the 64 bytes/]
  ])('%s: WeightsError naming the file, peak RSS under the budget', (name, make, pattern) => {
    const bytes = make();
    const r = refuseInChild(name, bytes);
    expect(r.status).toBe(0);
    const out = r.value as Outcome;
    expect(out.name).toBe('WeightsError');
    expect(out.code).toBe('E_WEIGHTS');
    expect(out.file).toMatch(new RegExp(`${name.replace('.', '\\.')}$`));
    expect(out.message).toMatch(pattern);
    expect(r.peakRssMb).toBeLessThan(CHILD_BUDGET_MB);
    // Figures for the report (file size, child peak RSS).
    process.stdout.write(`${name}: ${bytes.length} bytes, child peak RSS ${r.peakRssMb.toFixed(0)} MiB (baseline ${r.baselineRssMb.toFixed(0)} MiB)\n`);
  });

  it('refuses a zip bomb at the ZIP level before inflating (declared size vs plausible ratio)', () => {
    const zip = openZip(hostile.zipBombCheckpoint(64), 'bomb.ckpt');
    expect(() => zip.read('archive/data/0')).toThrow(/claims 67108864 bytes from \d+ compressed .* zip bomb/);
  });

  it('keeps the unpickler linear: 100k APPENDS items, and budgets memo and tuple keys', () => {
    const p = new hostile.Pickle().proto().emptyList().mark();
    for (let i = 0; i < 100000; i++) p.none();
    const list = unpickle(p.appends().stop(), 'many.pkl') as unknown[];
    expect(list.length).toBe(100000);
    // A dict keyed by a tuple of memo references, expanding 10^6 times: refused, not built.
    const q = new hostile.Pickle().proto().emptyDict().int(1).put(0).pop();
    for (let k = 1; k <= 6; k++) {
      q.mark();
      for (let j = 0; j < 10; j++) q.get(k - 1);
      q.tuple().put(k).pop();
    }
    q.get(6).none().setitem();
    expect(() => unpickle(q.stop(), 'key.pkl')).toThrow(WeightsError);
  });
});
