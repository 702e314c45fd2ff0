/**
 * Issue 14, item 5: `synth --overwrite` replaces the cohort as a whole. Old runs never survive
 * beside new ones, and an overwrite that is interrupted (abort, kill -9) leaves the old cohort
 * exactly as it was; the dead writer's temp folder is removed by the next write.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { openBids, synth } from '../../kernel/data';
import { AbortedError } from '../../kernel/errors';
import { TS_REGISTER } from '../io/child-process';

const small = { subjects: 2, frames: 4, gzipLevel: 1 };

/**
 * Every file under `dir` (relative path -> size), for before/after comparisons. The kill -9 test
 * also polls the temp folder of a writer still at work, where an atomic write's temp file can be
 * renamed between readdir and stat: an entry that vanished meanwhile is skipped (in the settled
 * folders the comparisons read, nothing vanishes, so they lose nothing).
 */
function tree(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          out[path.relative(dir, p)] = fs.statSync(p).size;
        } catch (err) {
          if (!gone(err)) throw err;
        }
      }
    }
  };
  walk(dir);
  return out;
}

const seedOf = (root: string) => JSON.parse(fs.readFileSync(path.join(root, 'synth.json'), 'utf8')).seed;

describe('synth --overwrite replaces the cohort whole (issue 14, item 5)', () => {
  it('leaves none of the old runs: openBids sees exactly the new cohort', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-synth-'));
    const out = path.join(parent, 'cohort');
    await synth({ ...small, out, sessions: 2, seed: 1 });
    expect((await openBids(out)).runs).toHaveLength(4);
    const result = await synth({ ...small, out, sessions: 1, seed: 2, overwrite: true });
    const ds = await openBids(out);
    expect(ds.runs.map(r => path.relative(out, r.file))).toEqual(result.runs.map(r => path.relative(out, r.file)).sort());
    expect(ds.runs.map(r => r.session)).toEqual(['ses-1', 'ses-1']);
    expect(seedOf(out)).toBe(2);
    expect(fs.readdirSync(parent)).toEqual(['cohort']);
  });

  it('an interrupted overwrite keeps the old cohort exactly; no temp folder is left', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-synth-'));
    const out = path.join(parent, 'cohort');
    await synth({ ...small, out, sessions: 1, seed: 1 });
    const before = tree(out);
    const controller = new AbortController();
    const err = await synth({
      ...small,
      out,
      sessions: 2,
      seed: 3,
      overwrite: true,
      signal: controller.signal,
      onProgress: e => {
        if (e.step === 2) controller.abort();
      }
    }).catch(e => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(tree(out)).toEqual(before);
    expect(seedOf(out)).toBe(1);
    expect(fs.readdirSync(parent)).toEqual(['cohort']);
  });

  it('kill -9 during an overwrite keeps the old cohort; the next synth removes the dead temp folder', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-synth-'));
    const out = path.join(parent, 'cohort');
    await synth({ ...small, out, sessions: 1, seed: 1 });
    const before = tree(out);
    const script = `
      require(${JSON.stringify(path.resolve(__dirname, '../../kernel/data/synth/cohort.ts'))})
        .synth({ subjects: 6, sessions: 2, frames: 4, gzipLevel: 1, seed: 4, overwrite: true, out: ${JSON.stringify(out)} });`;
    const child = spawn(process.execPath, ['-r', TS_REGISTER, '-e', script], { stdio: 'ignore' });
    // Kill it once its temp folder holds a finished run (the overwrite is well under way).
    const started = Date.now();
    const tempWithRun = () =>
      fs.readdirSync(parent).some(n => n.startsWith('.cohort.tmp-') && Object.keys(tree(path.join(parent, n))).some(f => f.endsWith('_bold.json')));
    while (!tempWithRun()) {
      if (Date.now() - started > 60000 || child.exitCode !== null) throw new Error('the child never started writing');
      await new Promise(r => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    expect(tree(out)).toEqual(before);
    expect(seedOf(out)).toBe(1);
    expect(fs.readdirSync(parent).filter(n => n.startsWith('.cohort.tmp-'))).toHaveLength(1);
    // The next write into the parent removes the dead process's temp folder.
    await synth({ ...small, out: path.join(parent, 'other'), sessions: 1, seed: 5 });
    expect(fs.readdirSync(parent).sort()).toEqual(['cohort', 'other']);
  });
});
