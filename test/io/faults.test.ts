/**
 * Issue 14, item 9 (I/O side): a full disk is a DiskFullError naming the file and saying so, with
 * the previous file intact; leftovers of writers killed mid-write are removed by the next write,
 * while those of live processes and other hosts are kept.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { removeStaleTemps, writeFileAtomic, writeStreamAtomic, replaceDirAtomic } from '../../kernel/io/atomic';
import { DiskFullError } from '../../kernel/errors';
import { withDiskQuota } from './disk-full';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ns-faults-'));
const host = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);

/** The pid of a process that has exited (the kernel does not reuse it within the test). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('disk full', () => {
  it('writeFileAtomic: DiskFullError naming the file; the old content and no temp file remain', async () => {
    const d = dir();
    const f = path.join(d, 'weights.safetensors');
    await writeFileAtomic(f, 'old complete content');
    const err = await withDiskQuota(10, () => writeFileAtomic(f, Buffer.alloc(1000, 1))).catch(e => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err.code).toBe('E_DISK_FULL');
    expect(err.file).toBe(f);
    expect(err.message).toBe(`${f}: the disk is full: could not write weights.safetensors (free space on the disk holding ${d}, then run again; nothing already there was replaced)`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(fs.readFileSync(f, 'utf8')).toBe('old complete content');
    expect(fs.readdirSync(d)).toEqual(['weights.safetensors']);
  });

  it('writeStreamAtomic: a full disk midway through a stream is a DiskFullError; produce errors pass unchanged', async () => {
    const d = dir();
    const f = path.join(d, 'run.nsframes');
    await writeFileAtomic(f, 'old cache');
    const err = await withDiskQuota(3000, () =>
      writeStreamAtomic(f, async write => {
        for (let i = 0; i < 10; i++) await write(Buffer.alloc(1000));
      })
    ).catch(e => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err.file).toBe(f);
    expect(fs.readFileSync(f, 'utf8')).toBe('old cache');
    expect(fs.readdirSync(d)).toEqual(['run.nsframes']);
    const own = new RangeError('mine');
    await expect(writeStreamAtomic(f, async () => { throw own; })).rejects.toBe(own);
  });
});

describe('leftovers of killed writers', () => {
  it('removes temp files and folders of dead processes of this host, keeps live and foreign ones', async () => {
    const d = dir();
    const dead = deadPid();
    const names = {
      deadFile: `.cache.nsframes.tmp-${host}-${dead}-0badc0de`,
      deadDir: `.model.tmp-${host}-${dead}-0badc0de`,
      live: `.cache.nsframes.tmp-${host}-${process.pid}-0badc0de`,
      foreign: `.cache.nsframes.tmp-ffffff-${dead}-0badc0de`,
      user: '.hidden-user-file'
    };
    fs.writeFileSync(path.join(d, names.deadFile), Buffer.alloc(1 << 20));
    fs.mkdirSync(path.join(d, names.deadDir));
    fs.writeFileSync(path.join(d, names.deadDir, 'weights.safetensors'), 'x');
    for (const n of [names.live, names.foreign, names.user]) fs.writeFileSync(path.join(d, n), 'x');
    expect(removeStaleTemps(d).map(p => path.basename(p)).sort()).toEqual([names.deadFile, names.deadDir].sort());
    expect(fs.readdirSync(d).sort()).toEqual([names.live, names.foreign, names.user].sort());
    // A write into the folder does the same (here: nothing left to remove, nothing else touched).
    await writeFileAtomic(path.join(d, 'a.txt'), 'a');
    expect(fs.readdirSync(d).sort()).toEqual([names.live, names.foreign, names.user, 'a.txt'].sort());
  });

  it('puts back a folder that a killed replaceDirAtomic had moved aside but not replaced', async () => {
    const parent = dir();
    const aside = path.join(parent, `.model.old-${host}-${deadPid()}-0badc0de`);
    fs.mkdirSync(aside);
    fs.writeFileSync(path.join(aside, 'config.json'), 'old');
    // The next replacement of a sibling cleans up first: the old model is back under its name.
    await replaceDirAtomic(path.join(parent, 'other'), async tmp => fs.writeFileSync(path.join(tmp, 'f'), 'new'));
    expect(fs.readdirSync(parent).sort()).toEqual(['model', 'other']);
    expect(fs.readFileSync(path.join(parent, 'model', 'config.json'), 'utf8')).toBe('old');
  });
});
