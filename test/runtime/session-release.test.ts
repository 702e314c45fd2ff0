/**
 * Sessions with weights baked in are freed when the weights change: a finetune validates after every
 * epoch with new weights, and a notebook runs several finetunes in one kernel. Before this, each
 * weight version left a compiled session (weights + onnxruntime's buffers) in the process-wide cache
 * for the life of the process (13.5 GB after one pretraining and five finetunes in one process).
 */
import * as G from '../../kernel/graph';
import { RuntimeProviderError } from '../../kernel/errors';
import { createSession } from '../../kernel/runtime/session';
import { runInChild } from '../io/child-process';

jest.setTimeout(600_000);

test('release() waits for runs in progress, is idempotent, and a released session refuses to run', async () => {
  const g = new G.Graph('release_mm');
  const x = g.input('x', [256, 256]);
  const w = g.param('w', [256, 256]);
  let y = x;
  for (let i = 0; i < 8; i++) y = G.matmul(y, w);
  g.output('y', y);
  const s = await createSession(g, { provider: 'cpu', threads: 1, cache: false });
  const feeds = { x: { data: new Float32Array(256 * 256).fill(0.01), shape: [256, 256] }, w: { data: new Float32Array(256 * 256).fill(0.01), shape: [256, 256] } };
  const running = s.run(feeds);
  const released = s.release();
  expect(s.release()).toBe(released);
  const out = await running; // finished normally although release() was called while it ran
  expect(out.y.shape).toEqual([256, 256]);
  expect((out.y.data as Float32Array)[0] / (0.01 * (0.01 * 256) ** 8)).toBeCloseTo(1, 5);
  await released;
  await expect(s.run(feeds)).rejects.toThrow(RuntimeProviderError);
});

test('a model whose weights change again and again keeps its memory flat (old sessions are freed)', () => {
  const r = runInChild<{ rss: number[]; changed: boolean }>(
    `
    const model = await models.load('demo');
    const x = models.fixtureInput(2, model.config.imgSize);
    const name = [...model.weights.backbone.keys()].find(k => k.endsWith('mlp.linear1.weight'));
    const rss = [];
    const first = (await model.backbone(x)).data.slice(0, 4);
    let last = first;
    for (let round = 0; round < 10; round++) {
      const w = model.weights.backbone.get(name).data.slice();
      for (let i = 0; i < w.length; i++) w[i] *= 1.01;
      model.setParameter(name, w); // invalidates the model's sessions, as a training commit does
      last = (await model.backbone(x)).data.slice(0, 4);
      if (global.gc) global.gc();
      const m = /^VmRSS:\\s+(\\d+) kB$/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
      rss.push(Number(m[1]) / 1024);
    }
    report({ rss, changed: last.some((v, i) => v !== first[i]) });
    `,
    { preload: "const models = kernel('models');" }
  );
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.value.changed).toBe(true); // the new weights were used, so a new session ran each round
  const { rss } = r.value;
  // After the warm-up rounds resident memory stays within 60 MB (one session of the CPU
  // configuration is ~200 MB: ten leaked ones would add well over a gigabyte).
  expect(Math.max(...rss.slice(2)) - rss[2]).toBeLessThan(60);
});
