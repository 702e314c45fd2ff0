import { PLOT_MIME, PROGRESS_MIME, VOLUME_MIME, type PlotPayload, type ProgressPayload, type VolumePayload } from '../../kernel/notebook/display/payload-types';
import { PayloadValidationError } from '../../kernel/notebook/display/payload-schema';
import { validatePayload } from '../../kernel/notebook/display/payload-rules';

const gz = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]);

function volume(): VolumePayload {
  return {
    version: 1,
    title: 'bold',
    layers: [
      { name: 'bold', role: 'base', source: { kind: 'embedded', format: 'nifti-gz-base64', data: gz.toString('base64'), bytes: gz.length }, colormap: 'gray', opacity: 1, window: null },
      { name: 'aal3', role: 'atlas', source: { kind: 'path', path: 'atlas/aal3.nii.gz', bytes: 39000 }, colormap: 'gray', opacity: 0.5, window: { min: 0, max: 170 }, labels: { '1': 'ROI_1' } }
    ],
    shape: [91, 109, 91, 20],
    affine: [[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]],
    tr: 0.8,
    frame: 3,
    view: 'multiplanar'
  };
}

/** Issues of a payload expected to fail, as "path: message" lines. */
function issuesOf(mime: Parameters<typeof validatePayload>[0], data: unknown): string[] {
  try {
    validatePayload(mime, data);
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadValidationError);
    return (err as PayloadValidationError).issues.map(i => `${i.path}: ${i.message}`);
  }
  throw new Error('payload was accepted');
}

describe('volume payload validation', () => {
  it('accepts a well-formed payload and returns it', () => {
    const p = volume();
    expect(validatePayload(VOLUME_MIME, p)).toEqual(p);
  });

  it('names the path and the problem of each bad field', () => {
    const p = volume() as unknown as { layers: Record<string, unknown>[]; frame: number; extra?: number };
    p.layers[0].opacity = 2;
    p.layers[1].role = 'base';
    p.frame = 20;
    p.extra = 1;
    const issues = issuesOf(VOLUME_MIME, p);
    expect(issues).toEqual(expect.arrayContaining([
      'layers[0].opacity: expected a number in [0, 1], found 2',
      'extra: unknown field'
    ]));
    // Cross-field rules run only once the fields themselves are valid.
    p.layers[0].opacity = 1;
    delete p.extra;
    expect(issuesOf(VOLUME_MIME, p)).toEqual(['layers[1].role: only the first layer may be the base image', 'frame: expected a frame in [0, 19], found 20']);
  });

  it('refuses base64 that does not encode the declared byte count, and URLs as paths', () => {
    const p = volume();
    (p.layers[0].source as { bytes: number }).bytes = 100;
    (p.layers[1].source as { path: string }).path = 'javascript:alert(1)';
    const issues = issuesOf(VOLUME_MIME, p);
    expect(issues[0]).toMatch(/^layers\[0\]\.source\.data: base64 length 16 does not encode 100 bytes/);
    expect(issues[1]).toMatch(/^layers\[1\]\.source\.path: expected a path relative to the notebook/);
  });

  it('refuses a window with min >= max and non-integer atlas label keys', () => {
    const p = volume();
    p.layers[1].window = { min: 5, max: 5 };
    p.layers[1].labels = { left: 'x' };
    expect(issuesOf(VOLUME_MIME, p)).toEqual([
      'layers[1].window: expected min < max, found min 5, max 5',
      'layers[1].labels: expected integer label values as keys, found "left"'
    ]);
  });

  it('says which version it expected', () => {
    expect(issuesOf(VOLUME_MIME, { ...volume(), version: 2 })).toEqual(['version: expected one of 1, found 2']);
  });
});

describe('plot payload validation', () => {
  const plot = (spec: unknown): unknown => ({ version: 1, title: 't', plot: spec });

  it('accepts each plot kind', () => {
    const specs: PlotPayload['plot'][] = [
      { kind: 'roc', curves: [{ label: 'dx', fpr: [0, 0.5, 1], tpr: [0, 0.8, 1], auc: 0.9 }] },
      { kind: 'confusion', labels: ['a', 'b'], matrix: [[3, 1], [0, 4]], normalized: false },
      { kind: 'scatter', x: [1, 2], y: [1.5, 2.5], r: 0.9, xLabel: 'true', yLabel: 'pred', pointLabels: ['s1', 's2'] },
      { kind: 'training', series: [{ name: 'loss', x: [1, 2, 3], y: [0.9, null, 0.5] }], xLabel: 'step', yLabel: 'loss' },
      { kind: 'rank', curves: [{ label: 'rest', rank: [1, 2], accuracy: [0.6, 0.8] }] },
      { kind: 'distribution', variable: 'age', groups: [{ name: 'ASD', values: [10, 12] }] }
    ];
    for (const spec of specs) expect(validatePayload(PLOT_MIME, plot(spec))).toEqual(plot(spec));
  });

  it('checks cross-field shapes', () => {
    expect(issuesOf(PLOT_MIME, plot({ kind: 'confusion', labels: ['a', 'b'], matrix: [[1, 2]], normalized: false }))).toEqual(['plot.matrix: expected 2 x 2 counts for 2 labels']);
    expect(issuesOf(PLOT_MIME, plot({ kind: 'roc', curves: [{ label: 'x', fpr: [0, 1], tpr: [1], auc: 0.5 }] }))).toEqual(['plot.curves[0]: fpr has 2 points but tpr has 1']);
    expect(issuesOf(PLOT_MIME, plot({ kind: 'scatter', x: [1], y: [1, 2], r: 1, xLabel: '', yLabel: '' }))).toEqual(['plot.y: x has 1 points but y has 2']);
    expect(issuesOf(PLOT_MIME, plot({ kind: 'pie' }))).toEqual(['plot.kind: expected one of "roc", "confusion", "scatter", "training", "rank", "distribution", found "pie"']);
  });

  it('reports at most three bad entries of a long array', () => {
    const y = Array.from({ length: 1000 }, () => 'x');
    expect(issuesOf(PLOT_MIME, plot({ kind: 'training', series: [{ name: 'l', x: y.map((_, i) => i), y }], xLabel: '', yLabel: '' }))).toHaveLength(3);
  });
});

describe('progress payload validation', () => {
  const progress: ProgressPayload = {
    version: 1, label: 'pretrain', state: 'running', step: 40, totalSteps: 100, epoch: 1, totalEpochs: 3,
    elapsedSeconds: 12.5, etaSeconds: 18.75, metrics: { loss: 0.41, grad_norm: null }
  };

  it('accepts a running payload with a NaN metric sent as null', () => {
    expect(validatePayload(PROGRESS_MIME, progress)).toEqual(progress);
  });

  it('refuses a step past the total and a missing field', () => {
    expect(issuesOf(PROGRESS_MIME, { ...progress, step: 101 })).toEqual(['step: step 101 is past totalSteps 100']);
    const rest: Partial<ProgressPayload> = { ...progress };
    delete rest.label;
    expect(issuesOf(PROGRESS_MIME, rest)).toEqual(['label: missing']);
  });

  it('formats the error message as readable lines', () => {
    expect(() => validatePayload(PROGRESS_MIME, 'nope')).toThrow('Invalid progress payload:\n  (payload): expected an object, found "nope"');
  });
});
