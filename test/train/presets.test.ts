/** --config and --from resolution, the two recipes, and refusing weights of another configuration. */
import * as path from 'path';
import { ConfigError } from '../../kernel/errors';
import { recipe, resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import { fixtureDir } from '../models/fixture-data';

test('cpu, official and a config.json resolve to a configuration and the cache pooling', () => {
  expect(resolveConfig('cpu')).toMatchObject({ name: 'cpu', pool: 2, centre: true, config: { imgSize: [48, 48, 48, 20], embedDim: 12, depths: [1, 1, 1, 1] } });
  expect(resolveConfig('official')).toMatchObject({ name: 'official', pool: 1, centre: false, config: { imgSize: [96, 96, 96, 20], embedDim: 36, depths: [2, 2, 6, 2] } });
  const file = path.join(fixtureDir('tiny'), 'config.json');
  const tiny = resolveConfig(file);
  expect(tiny.name).toBe(file);
  expect(tiny.pool).toBe(2);
  expect(tiny.config.heads).toEqual([]);
  expect(resolveConfig(fixtureDir('tiny')).config).toEqual(tiny.config);
  expect(() => resolveConfig('/nonexistent/cfg.json')).toThrow(ConfigError);
});

test('official recipe: constant lr, every epoch, last weights; default: warmup + cosine, early stopping, probe init', () => {
  const o = recipe('official', 'finetune');
  expect(o).toMatchObject({ batch: 8, patience: null, predictWith: 'last', probeInit: false });
  const s = o.schedule(100);
  expect(s(0)).toBe(o.lr);
  expect(s(99)).toBe(o.lr);
  expect(o.optimizer.hyper).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  const d = recipe('default', 'finetune', { lr: 1e-3 });
  expect(d).toMatchObject({ patience: 4, predictWith: 'best', probeInit: true });
  const sd = d.schedule(100);
  expect(sd(0)).toBeCloseTo(1e-3 / 5, 12);
  expect(sd(4)).toBeCloseTo(1e-3, 12);
  expect(sd(99)).toBeLessThan(1e-5);
  expect(d.description).toMatch(/not official/);
});

test('weights of another configuration than --config are refused, naming the differences', async () => {
  await expect(startingModel({ from: fixtureDir('tiny'), config: resolveConfig('cpu'), explicitConfig: true, seed: 0, mae: false })).rejects.toThrow(/another configuration than --config cpu: imgSize \[48,48,48,8\] vs \[48,48,48,20\]; depths/);
  const ok = await startingModel({ from: fixtureDir('tiny'), config: resolveConfig('cpu'), explicitConfig: false, seed: 0, mae: false });
  expect(ok.config.name).toBe(path.resolve(fixtureDir('tiny')));
  expect(ok.config.config.imgSize).toEqual([48, 48, 48, 8]);
});
