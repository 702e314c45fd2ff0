import { liveTrainingCurve, trainingCurve } from '../../../kernel/notebook/magic/train-views';
import { setDisplaySink } from '../../../kernel/notebook/display/display';
import { PLOT_MIME, PlotPayload } from '../../../kernel/notebook/display/payload-types';
import type { MimeBundle } from '../../../kernel/verbs/jupyter/wire';

describe('training curves in the notebook', () => {
  it('draws loss and validation series from metrics.jsonl rows, diverged values as gaps', () => {
    const view = trainingCurve(
      [
        { step: 4, epoch: 1, train_loss: 0.7, lr: 1e-3, valid_auroc: 0.6 },
        { step: 8, epoch: 2, train_loss: NaN, lr: 5e-4, valid_auroc: 0.75 }
      ],
      'finetune sex'
    );
    const payload = view?.payload as PlotPayload;
    expect(payload.title).toBe('finetune sex');
    expect(payload.plot).toEqual({
      kind: 'training',
      series: [
        { name: 'train_loss', x: [4, 8], y: [0.7, null] },
        { name: 'valid_auroc', x: [4, 8], y: [0.6, 0.75] }
      ],
      xLabel: 'step',
      yLabel: 'value'
    });
    expect(trainingCurve([], 'none')).toBeNull();
  });

  it('grows one plot in place from training progress events', () => {
    const shown: { bundle: MimeBundle; id?: string; update: boolean }[] = [];
    setDisplaySink({
      display: (bundle, id) => shown.push({ bundle, id, update: false }),
      update: (bundle, id) => shown.push({ bundle, id, update: true })
    });
    try {
      const feed = liveTrainingCurve('live');
      feed({ label: 'finetune', step: 0, totalSteps: 20, message: 'preprocess' });
      for (let step = 1; step <= 10; step++) feed({ label: 'finetune', step, totalSteps: 20, loss: 1 / step } as never);
      feed({ label: 'finetune', step: 10, totalSteps: 20, metric: { name: 'auroc', value: 0.9 } } as never);
    } finally {
      setDisplaySink(null);
    }
    // Shown at the first loss (step 1), redrawn 5 steps later (step 6) and at the validation; one display.
    expect(shown.map(s => s.update)).toEqual([false, true, true]);
    expect(new Set(shown.map(s => s.id)).size).toBe(1);
    const last = shown[shown.length - 1].bundle.data[PLOT_MIME] as PlotPayload;
    expect(last.plot.kind === 'training' && last.plot.series.map(s => [s.name, s.x.length])).toEqual([
      ['train_loss', 10],
      ['valid_auroc', 1]
    ]);
  });
});
