/**
 * Float64 gradient check of the whole tiny model (fixture config, prompts on, cls head): autodiff
 * gradients of a scalar loss against central finite differences on a sample of parameter elements
 * covering every parameter family (embedding, positions, norms, Mamba, merging, prompts, head).
 */
import * as models from '../../kernel/models';
import { buildBackboneGraph } from '../../kernel/models/graph/build';
import { gradients } from '../../kernel/graph/autodiff';
import { createSession } from '../../kernel/runtime/session';
import { createRng } from '../../kernel/random';
import { mul } from '../../kernel/graph/api/math';
import { sum } from '../../kernel/graph/api/reduce';
import { fixtureDir } from './fixture-data';

const SAMPLED = [
  'patch_embed.fc.weight',
  'pos_embeds.1.time_embed',
  'layers.0.blocks.1.norm1.weight',
  'layers.0.blocks.1.mamba.A_log',
  'layers.0.blocks.0.mamba.dt_proj.bias',
  'layers.0.blocks.1.mamba.conv1d.weight',
  'layers.1.blocks.0.mamba.x_proj.weight',
  'layers.2.blocks.1.mamba.D',
  'layers.1.downsample.reduction.weight',
  'layers.3.blocks.1.mlp.linear1.bias',
  'layers.0.blocks.1.prompt',
  'cls:output_head.head.head.weight'
];

it('autodiff matches central differences in float64 on the tiny model (prompts + cls head)', async () => {
  const model = await models.load(fixtureDir('tiny'));
  const cfg = model.config;
  const built = buildBackboneGraph(cfg, { batch: 1, prompts: true, heads: ['cls'], dtype: 'float64' });
  const g = built.graph;
  // A loss that touches every output element with different weights: Σ backbone·r + 3·cls.
  const rng = createRng(7);
  const bb = built.outputs.backbone;
  const r = g.constant(Float64Array.from({ length: bb.size }, () => rng.normal()), bb.shape, 'float64');
  const loss = g.output('loss', sum(mul(bb, r)));
  const extra = sum(mul(built.outputs.cls, 3));
  const total = g.output('total', (await import('../../kernel/graph/api/math')).add(loss, extra));
  const params = SAMPLED.map(n => built.params.get(n));
  const grads = gradients(total, params);
  grads.forEach((t, i) => g.output(`grad/${SAMPLED[i]}`, t));
  const values = model.parameterValues();
  const feeds: Record<string, { data: Float64Array; shape: number[] }> = {};
  for (const name of built.params.names()) {
    const p = g.paramInfo(name)!.tensor;
    feeds[name] = { data: Float64Array.from(values.get(name)!), shape: [...p.shape] };
  }
  const x = models.fixtureInput(1, cfg.imgSize);
  feeds.x = { data: Float64Array.from(x.data), shape: x.shape };
  const withGrads = await createSession(g, { provider: 'cpu' });
  const forwardOnly = await createSession(g, { provider: 'cpu', outputs: ['total'] });
  const out = await withGrads.run(feeds);
  const f = async () => Number((await forwardOnly.run(feeds)).total.data[0]);
  const eps = 1e-5;
  const rows: string[] = [];
  let worst = 0;
  for (const name of SAMPLED) {
    const gdata = out[`grad/${name}`].data as Float64Array;
    let imax = 0;
    for (let i = 1; i < gdata.length; i++) if (Math.abs(gdata[i]) > Math.abs(gdata[imax])) imax = i;
    // The largest-gradient element of every family, plus a random element of the Mamba decay and prompt.
    const picks = /A_log|prompt/.test(name) ? [imax, Math.floor(rng.next() * gdata.length)] : [imax];
    for (const i of picks) {
      const p = feeds[name].data;
      const keep = p[i];
      p[i] = keep + eps;
      const up = await f();
      p[i] = keep - eps;
      const down = await f();
      p[i] = keep;
      const fd = (up - down) / (2 * eps);
      // Error relative to the parameter's gradient scale: finite differences cannot resolve much
      // below ~1e-9 absolute here, so tiny random elements are judged against the scale.
      const err = Math.abs(fd - gdata[i]) / Math.abs(gdata[imax]);
      worst = Math.max(worst, err);
      rows.push(`${name}[${i}] ad=${gdata[i].toExponential(6)} fd=${fd.toExponential(6)} rel=${err.toExponential(2)}`);
    }
    expect(Math.abs(gdata[imax])).toBeGreaterThan(0);
  }
  if (!(worst < 1e-5)) console.log(rows.join('\n'));
  expect(worst).toBeLessThan(1e-5);
}, 300000);
