import { spawnSync } from 'child_process';
import * as models from '../../kernel/models';
import { shiftedWindowMask } from '../../kernel/models/graph/attention';
import { trainer } from '../../kernel/train/trainer';

describe('SwiFT baseline (4D window self-attention in the same window framework)', () => {
  it('builds the Swin shifted-window mask exactly as compute_mask does (numpy re-computation)', () => {
    const padded = [4, 4, 4, 8] as const;
    const window = [2, 2, 2, 4] as const;
    const shift = [1, 1, 1, 2] as const;
    const ours = shiftedWindowMask([...padded], [...window], [...shift]);
    const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, json
D,H,W,T = ${JSON.stringify(padded)}; w = ${JSON.stringify(window)}; s = ${JSON.stringify(shift)}
img = np.zeros((D,H,W,T)); cnt = 0
sl = lambda n, wi, si: (slice(-wi), slice(-wi, -si), slice(-si, None))
for a in sl(D,w[0],s[0]):
  for b in sl(H,w[1],s[1]):
    for c in sl(W,w[2],s[2]):
      for d in sl(T,w[3],s[3]):
        img[a,b,c,d] = cnt; cnt += 1
x = img.reshape(D//w[0],w[0],H//w[1],w[1],W//w[2],w[2],T//w[3],w[3]).transpose(0,2,4,6,1,3,5,7).reshape(-1, np.prod(w))
m = x[:,None,:] - x[:,:,None]
m = np.where(m != 0, -100.0, 0.0)
print(json.dumps([m.shape, float(m.sum()), m.flatten()[::97].tolist()]))`], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const [shape, sum, sampled] = JSON.parse(py.stdout);
    expect(ours.length).toBe(shape.reduce((a: number, b: number) => a * b, 1));
    expect(ours.reduce((a, b) => a + b, 0)).toBe(sum);
    expect(Array.from(ours).filter((_, i) => i % 97 === 0)).toEqual(sampled);
  });

  it('runs forward and trains (full fine-tuning lowers the loss) on a small 4D configuration', async () => {
    const cfg = models.demoConfig({ arch: 'swift', imgSize: [24, 24, 24, 8], windowSize: [2, 2, 2, 4], firstWindowSize: [2, 2, 2, 4], heads: [{ kind: 'reg' }] });
    const m = models.create(cfg, { seed: 5, mae: false });
    expect(m.parameterValues().has('layers.0.blocks.1.attn.qkv.weight')).toBe(true);
    expect([...m.parameterValues().keys()].some(k => k.includes('mamba'))).toBe(false);
    const x = models.fixtureInput(2, cfg.imgSize);
    const y = await m.backbone(x);
    expect(y.shape).toEqual([2, 24, 2, 2, 2, 8]);
    const tr = await trainer(m, { task: 'reg', batch: 2 });
    const target = { data: Float32Array.from([1, -1]), shape: [2, 1] };
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push((await tr.step(x, target, 1e-3)).loss);
    expect(losses[4]).toBeLessThan(losses[0]);
  });
});
