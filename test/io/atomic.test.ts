import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic, writeFileAtomicSync, writeStreamAtomic } from '../../kernel/io/atomic';

describe('atomic writes', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ns-atomic-'));

  it('replaces a file whole and leaves no temp files', async () => {
    const d = dir();
    const f = path.join(d, 'sub', 'a.bin');
    await writeFileAtomic(f, 'first');
    await writeFileAtomic(f, Uint8Array.from([1, 2, 3]));
    expect([...fs.readFileSync(f)]).toEqual([1, 2, 3]);
    writeFileAtomicSync(f, 'sync');
    expect(fs.readFileSync(f, 'utf8')).toBe('sync');
    expect(fs.readdirSync(path.dirname(f))).toEqual(['a.bin']);
  });

  it('keeps the old file when a streamed write fails midway', async () => {
    const d = dir();
    const f = path.join(d, 'cache.bin');
    await writeFileAtomic(f, 'old complete content');
    await expect(
      writeStreamAtomic(f, async write => {
        await write(Buffer.from('partial new'));
        throw new Error('disk full (simulated)');
      })
    ).rejects.toThrow('disk full');
    expect(fs.readFileSync(f, 'utf8')).toBe('old complete content');
    expect(fs.readdirSync(d)).toEqual(['cache.bin']);
    await writeStreamAtomic(f, async write => {
      await write(Buffer.from('new '));
      await write(Buffer.from('content'));
    });
    expect(fs.readFileSync(f, 'utf8')).toBe('new content');
  });
});
