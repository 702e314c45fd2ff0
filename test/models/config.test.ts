import * as fs from 'fs';
import * as path from 'path';
import * as models from '../../kernel/models';
import { ConfigError } from '../../kernel/errors';
import { backboneShapes } from '../../kernel/models/weights/state-dict';
import { fixtureDir } from './fixture-data';

const readJson = (name: 'tiny' | 'official') => JSON.parse(fs.readFileSync(path.join(fixtureDir(name), 'config.json'), 'utf8'));

describe('NeuroStormConfig', () => {
  it('derives the spec §2.4 stage table for the official configuration', () => {
    const s = models.deriveSizes(models.officialConfig());
    expect(s.stages.map(st => [st.channels, st.dtRank, st.grid, st.window, st.shift, st.windowsPerSample, st.tokensPerWindow])).toEqual([
      [36, 3, [16, 16, 16, 20], [4, 4, 4, 4], [2, 2, 2, 2], 320, 256],
      [72, 5, [8, 8, 8, 20], [4, 4, 4, 4], [2, 2, 2, 2], 40, 256],
      [144, 9, [4, 4, 4, 20], [4, 4, 4, 4], [0, 0, 0, 2], 5, 256],
      [288, 18, [2, 2, 2, 20], [2, 2, 2, 4], [0, 0, 0, 0], 5, 32]
    ]);
    expect(s.outShape).toEqual([288, 2, 2, 2, 20]);
    const params = [...backboneShapes(models.officialConfig())].reduce((a, [, sh]) => a + sh.reduce((x, y) => x * y, 1), 0);
    expect(params).toBe(5173020);
    // spec §2.9 says 224 tensors; the official state_dict (fixture weights.safetensors) has 223.
    expect(backboneShapes(models.officialConfig()).size).toBe(223);
    expect([...backboneShapes(models.officialConfig({ promptLen: 50 }))].filter(([k]) => k.endsWith('prompt')).reduce((a, [, sh]) => a + sh[1] * sh[2], 0)).toBe(82800);
  });

  it('matches the derived sizes of both fixtures (padding and clamped windows of tiny)', () => {
    for (const name of ['tiny', 'official'] as const) {
      const json = readJson(name);
      const cfg = models.configFromJson(json);
      const s = models.deriveSizes(cfg);
      expect(s.patchGrid).toEqual(json.derived.grid_size);
      expect(s.lastWindowSize).toEqual(json.derived.last_window_size);
      expect(s.maeNumWindows).toBe(json.derived.mae_num_windows);
      expect(s.maeNumMasked).toBe(json.derived.mae_num_masked);
      const params = [...backboneShapes({ ...cfg, promptLen: 0 })].reduce((a, [, sh]) => a + sh.reduce((x, y) => x * y, 1), 0);
      expect(params).toBe(json.derived.backbone_param_count);
    }
    const tiny = models.deriveSizes(models.configFromJson(readJson('tiny')));
    expect(tiny.stages[0]).toMatchObject({ window: [3, 3, 3, 3], shift: [1, 1, 1, 1], padded: [9, 9, 9, 9], windowsPerSample: 81, tokensPerWindow: 81 });
    expect(tiny.stages[1]).toMatchObject({ window: [4, 4, 4, 4], shift: [0, 0, 0, 2], padded: [4, 4, 4, 8] });
    expect(tiny.stages[3]).toMatchObject({ window: [1, 1, 1, 4], shift: [0, 0, 0, 0], windowsPerSample: 2 });
  });

  it('round-trips to the official config.json form', () => {
    for (const name of ['tiny', 'official'] as const) {
      const json = readJson(name);
      const cfg = models.configFromJson(json);
      const back = models.configToJson(cfg, name);
      expect(back.neurostorm_args).toEqual(json.neurostorm_args);
      expect(back.neurostorm_mae_args).toEqual(json.neurostorm_mae_args);
      expect(back.heads).toEqual(json.heads);
      expect(back.prompt_len).toBe(json.prompt_len);
      expect(models.configFromJson(back)).toEqual(cfg);
    }
  });

  it('rebuilds the configuration from Lightning hyper_parameters (argparse defaults fill gaps)', () => {
    const cfg = models.configFromHyperParameters({ embed_dim: 36, first_window_size: [4, 4, 4, 4], last_layer_full_MSA: true, downstream_task_type: 'regression' });
    expect(cfg).toEqual(models.officialConfig({ heads: [{ kind: 'reg' }], mae: { maskRatio: 0.1, spatialMask: 'random', timeMask: 'random' } }));
    expect(models.configFromHyperParameters({ use_prompt_tuning: true, prompt_len: 7 }).promptLen).toBe(7);
    expect(models.configFromHyperParameters({ prompt_len: 7 }).promptLen).toBe(0);
  });

  it('refuses invalid configurations with a ConfigError naming the field', () => {
    const bad: [Partial<models.NeuroStormConfig>, RegExp][] = [
      [{ patchSize: [6, 6, 6, 2] }, /patchSize\[3\] must be 1/],
      [{ imgSize: [96, 96, 90, 20] }, /divisible by 2\^3/],
      [{ imgSize: [95, 96, 96, 20] }, /imgSize\[0\]=95 is not a multiple/],
      [{ depths: [2] }, /at least two/],
      [{ windowSize: [4, 4, 0, 4] }, /windowSize must be four positive integers/],
      [{ arch: 'swift', promptLen: 3 }, /TPT\) exists for NeuroSTORM only/],
      [{ heads: [{ kind: 'cls', numClasses: 1 }] }, /numClasses >= 2/]
    ];
    for (const [o, msg] of bad) {
      expect(() => models.officialConfig(o)).toThrow(ConfigError);
      expect(() => models.officialConfig(o)).toThrow(msg);
    }
    expect(() => models.deriveSizes(models.officialConfig(), 21)).toThrow(/21 frames but the model's time embedding holds 20/);
    expect(() => models.configFromJson({ neurostorm_args: { ...readJson('tiny').neurostorm_args, downsample: 'merging' } }, 'x/config.json')).toThrow(/x\/config.json: downsample "merging"/);
  });
});

describe('MAE masks', () => {
  it('mask exactly ⌊units·ratio⌋ units per sample, reproducibly from the seed', async () => {
    const { createRng } = await import('../../kernel/random');
    const cfg = models.officialConfig();
    const a = models.randomMaeMask(cfg, 2, createRng(4));
    const b = models.randomMaeMask(cfg, 2, createRng(4));
    expect(a.shape).toEqual([2, 320]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    for (let s = 0; s < 2; s++) expect(a.data.subarray(s * 320, (s + 1) * 320).reduce((x, y) => x + y, 0)).toBe(160);
    expect(Array.from(a.data.subarray(0, 320))).not.toEqual(Array.from(a.data.subarray(320)));
    const tokens = models.randomMaeMask({ ...cfg, mae: { ...cfg.mae, spatialMask: 'random', maskRatio: 0.1 } }, 1, createRng(1));
    expect(tokens.shape).toEqual([1, 16 * 16 * 16 * 20]);
    expect(tokens.data.reduce((x, y) => x + y, 0)).toBe(Math.floor(81920 * 0.1));
    expect(() => models.randomMaeMask(models.configFromJson(readJson('tiny')), 1, createRng(1), 6)).toThrow(/divisible by window_size/);
  });
});
