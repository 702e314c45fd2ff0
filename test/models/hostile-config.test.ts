/**
 * Issue 14, item 7: absurd configurations are a ConfigError up front. Before: depths [1e9, 1e9]
 * ran 23 s and 2.5 GB before "RangeError: Map maximum size exceeded"; an embedding head of size -5
 * loaded and 0 built a zero-width head.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { ConfigError } from '../../kernel/errors';
import { runInChild } from '../io/child-process';

/** The fields of config.json these tests edit. */
interface EditableConfig {
  neurostorm_args: { depths: number[] };
  heads: { emb: { final_embedding_size: number } };
}

/** A model folder whose config.json is the demo model's, edited by `edit`. */
async function folderWithConfig(edit: (json: EditableConfig) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-config-'));
  await models.save(models.create(models.demoConfig({ heads: [{ kind: 'emb', embeddingSize: 16 }] }), { seed: 0, mae: false }), dir);
  const file = path.join(dir, 'config.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  fs.rmSync(path.join(dir, 'manifest.json')); // hand-edited: no fingerprint
  return dir;
}

describe('configuration sizes are bounded (issue 14, item 7)', () => {
  it('depths [1e9, 1e9] in config.json: ConfigError naming the file, at once, in bounded memory', async () => {
    const dir = await folderWithConfig(j => {
      j.neurostorm_args.depths = [1e9, 1e9];
    });
    const r = runInChild<{ name: string; message: string; file: string }>(
      `try { await load.loadWeights(${JSON.stringify(dir)}); report({ name: 'loaded' }); } catch (err) { report(errorInfo(err)); }`,
      { preload: `const load = kernel('models/weights/load');` }
    );
    expect(r.value.name).toBe('ConfigError');
    expect(r.value.message).toMatch(/depths\[0\] must be an integer in \[1, 64\], got 1000000000/);
    expect(r.value.file).toBe(path.join(dir, 'config.json'));
    expect(r.peakRssMb).toBeLessThan(256);
  });

  it.each([
    [-5, /embeddingSize must be an integer in \[1, 65536\], got -5/],
    [0, /embeddingSize must be an integer in \[1, 65536\], got 0/],
    [2.5, /embeddingSize must be an integer in \[1, 65536\], got 2.5/]
  ])('an embedding head of size %p is refused', async (size, pattern) => {
    const dir = await folderWithConfig(j => {
      j.heads.emb.final_embedding_size = size;
    });
    const err = await models.load(dir).catch(e => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(pattern);
  });

  it('bounds every size of create() and accepts the official and demo sizes', () => {
    expect(() => models.officialConfig()).not.toThrow();
    expect(() => models.demoConfig({ heads: [{ kind: 'emb', embeddingSize: 128 }, { kind: 'cls', numClasses: 5 }] })).not.toThrow();
    const bad: [Partial<models.NeuroStormConfig>, RegExp][] = [
      [{ embedDim: 100_000 }, /embedDim must be an integer in \[1, 8192\]/],
      [{ depths: [2, 2, 2, 2, 2, 2, 2, 2, 2], numHeads: Array(9).fill(3) }, /9 stages; at most 8/],
      [{ imgSize: [96, 96, 96, 1e6] }, /imgSize\[3\] \(frames\) must be an integer in \[1, 10000\]/],
      [{ windowSize: [4, 4, 4, 1e6] }, /windowSize\[3\] must be an integer in \[1, 256\]/],
      [{ promptLen: -1 }, /promptLen must be an integer in \[0, 4096\]/],
      [{ mlpRatio: 1e6 }, /mlpRatio must make an integer MLP width with a ratio in \(0, 64\]/],
      [{ heads: [{ kind: 'cls', numClasses: 1e9 }] }, /numClasses >= 2 \(an integer up to 100000\), got 1000000000/],
      [{ embedDim: 8192, depths: [64, 64, 64, 64] }, /backbone parameters, more than/]
    ];
    for (const [overrides, pattern] of bad) {
      let err: unknown;
      try {
        models.officialConfig(overrides);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(pattern);
    }
  });
});
