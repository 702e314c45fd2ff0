import type { ProgressPayload } from '../../kernel/notebook/display/payload-types';
import { formatDuration, formatMetric, fractionDone, metricParts, progressParts } from '../../src/progress/format';

const base: ProgressPayload = {
  version: 1, label: 'adapt', state: 'running', step: 30, totalSteps: 120, epoch: 2, totalEpochs: 5,
  elapsedSeconds: 95, etaSeconds: 3725, metrics: { loss: 0.41234, valid_auroc: 0.8, lr: 0.00002, bad: null }
};

describe('progress text', () => {
  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59.6), formatDuration(95), formatDuration(3725)]).toEqual(['0:00', '1:00', '1:35', '1:02:05']);
  });

  it('lists step, epoch, elapsed and ETA while running', () => {
    expect(progressParts(base)).toEqual(['step 30/120', 'epoch 2/5', 'elapsed 1:35', 'ETA 1:02:05']);
    expect(fractionDone(base)).toBe(0.25);
  });

  it('drops the ETA and names the state once finished; unknown totals stay indeterminate', () => {
    expect(progressParts({ ...base, state: 'interrupted', totalSteps: null, epoch: null })).toEqual(['step 30', 'elapsed 1:35', 'interrupted']);
    expect(fractionDone({ ...base, totalSteps: null })).toBeNull();
    expect(fractionDone({ ...base, state: 'done' })).toBe(1);
  });

  it('formats metrics with 4 significant digits and NaN for null', () => {
    expect(metricParts(base)).toEqual(['loss 0.4123', 'valid_auroc 0.8', 'lr 2e-5', 'bad NaN']);
    expect(formatMetric(12)).toBe('12');
  });
});
