import { barText, progressBar } from '../../kernel/cli/progress-bar';

describe('CLI progress bar', () => {
  it('draws one bar in place on a terminal and ends the line once', () => {
    const writes: string[] = [];
    const lines: string[] = [];
    const bar = progressBar({ err: t => lines.push(t), tty: { write: t => writes.push(t), columns: 200 } });
    bar.onProgress({ label: 'synth', step: 1, totalSteps: 4, message: 'sub-01' });
    bar.onProgress({ label: 'synth', step: 4, totalSteps: 4, message: 'sub-04' });
    bar.end();
    bar.end();
    expect(lines).toEqual([]);
    expect(writes[0]).toMatch(/^\r\x1b\[Ksynth \[#{6}\.{18}\] 1\/4 sub-01( ETA \d+ s)?$/);
    expect(writes[1]).toBe('\r\x1b[Ksynth [########################] 4/4 sub-04');
    expect(writes.slice(2)).toEqual(['\n']);
  });

  it('writes one plain line per event for logs, with the training numbers', () => {
    const lines: string[] = [];
    const bar = progressBar({ err: t => lines.push(t) });
    bar.onProgress({ label: 'finetune', step: 3, totalSteps: 10, message: 'epoch 1/2' });
    const trainEvent = { label: 'finetune', step: 5, totalSteps: 10, loss: 0.693147, lr: 0.001, metric: { name: 'auroc', value: 0.8125 }, clipsPerSecond: 12.34 };
    bar.onProgress(trainEvent);
    expect(lines).toEqual([
      'finetune 3/10 epoch 1/2',
      'finetune 5/10 loss 0.6931 lr 1.0e-3 valid_auroc 0.8125 12.3 clips/s'
    ]);
    expect(barText({ ...trainEvent, etaSeconds: 150 }, Date.now())).toBe(
      'finetune [############............] 5/10 loss 0.6931 lr 1.0e-3 valid_auroc 0.8125 12.3 clips/s ETA 3 min'
    );
  });
});
