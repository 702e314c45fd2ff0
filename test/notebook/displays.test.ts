import { plot, plotSummary, validatePlotSpec } from '../../kernel/notebook/display/plot-view';
import { validatePayload } from '../../kernel/notebook/display/payload-rules';
import { rasterizePlot } from '../../kernel/notebook/display/raster/plot-raster';
import { Axes, niceTicks, formatTick } from '../../kernel/notebook/display/raster/axes';
import { Canvas } from '../../kernel/notebook/display/raster/canvas';
import { categorical } from '../../kernel/notebook/display/raster/colormap';
import { MIME_BUNDLE, setDisplaySink, display } from '../../kernel/notebook/display/display';
import { ProgressDisplay, track, progressText, longWork } from '../../kernel/notebook/display/progress';
import { runWithSignal, currentSignal, safePoint } from '../../kernel/notebook/kernel/abort';
import { PLOT_MIME, PROGRESS_MIME, PlotSpec, ProgressPayload } from '../../kernel/notebook/display/payload-types';
import { AbortedError, PayloadError } from '../../kernel/errors';
import { MimeBundle } from '../../kernel/verbs/jupyter/wire';

function pixel(c: Canvas, x: number, y: number): number[] {
  const i = (Math.round(y) * c.width + Math.round(x)) * 3;
  return Array.from(c.pixels.slice(i, i + 3));
}

describe('plots', () => {
  const roc: PlotSpec = {
    kind: 'roc',
    curves: [{ label: 'model', fpr: [0, 0.5, 1], tpr: [0, 0.9, 1], auc: 0.7 }]
  };

  it('bundles the plot payload with a PNG and a text summary', () => {
    const b = plot(roc, { title: 'ROC' })[MIME_BUNDLE]();
    expect(b.data[PLOT_MIME]).toEqual({ version: 1, title: 'ROC', plot: roc });
    expect(
      Buffer.from(b.data['image/png'] as string, 'base64')
        .subarray(1, 4)
        .toString()
    ).toBe('PNG');
    expect(b.data['text/plain']).toBe('ROC [roc]: model AUC 0.700');
  });

  it('draws the data where the axes put it (the ROC point (0.5, 0.9) is on the curve colour)', () => {
    const canvas = rasterizePlot('ROC', roc);
    // Rebuild the same axes to find the pixel of (0.5, 0.9).
    const axes = new Axes(
      canvas,
      { left: 70, top: 34, width: 640 - 90, height: 420 - 80 },
      { min: 0, max: 1 },
      { min: 0, max: 1 }
    );
    expect(pixel(canvas, axes.px(0.5), axes.py(0.9))).toEqual([...categorical(0)]);
    expect(pixel(canvas, axes.px(0.9), axes.py(0.1))).toEqual([255, 255, 255]);
  });

  it('refuses specs whose arrays do not fit together, by the rules the extension applies', () => {
    expect(() =>
      validatePlotSpec({ kind: 'roc', curves: [{ label: 'm', fpr: [0, 1], tpr: [0], auc: 0.5 }] })
    ).toThrow(/curves\[0\]: fpr has 2 points but tpr has 1/);
    expect(() =>
      validatePlotSpec({ kind: 'roc', curves: [{ label: 'm', fpr: [0, 2], tpr: [0, 1], auc: 0.5 }] })
    ).toThrow(/curves\[0\]\.fpr\[1\]: .*\[0, 1\]/);
    expect(() =>
      validatePlotSpec({ kind: 'confusion', labels: ['a', 'b'], matrix: [[1, 2]], normalized: false })
    ).toThrow(PayloadError);
    expect(() => validatePlotSpec({ kind: 'pie' } as unknown as PlotSpec)).toThrow(/invalid pie plot: kind: .*"pie"/);
  });

  it('refuses an AUC outside [0, 1] in ns.plot exactly as the extension validator does', () => {
    const spec: PlotSpec = { kind: 'roc', curves: [{ label: 'm', fpr: [0, 1], tpr: [0, 1], auc: 1.5 }] };
    expect(() => plot(spec)).toThrow(/invalid roc plot: curves\[0\]\.auc: .*1\.5/);
    const payload = { version: 1, title: 'roc', plot: spec };
    expect(() => validatePayload(PLOT_MIME, payload)).toThrow(/curves\[0\]\.auc/);
    expect(() => plot({ ...spec, curves: [{ ...spec.curves[0], auc: 1 }] })).not.toThrow();
  });

  it('summarises a plot in one line and draws every kind', () => {
    const training = {
      version: 1 as const,
      title: 't',
      plot: {
        kind: 'training' as const,
        xLabel: 'step',
        yLabel: 'loss',
        series: [{ name: 'train', x: [0, 1], y: [1, null] }]
      }
    };
    expect(plotSummary(training)).toBe('t [training]: train: 2 points, last NaN');
    for (const spec of [
      { kind: 'scatter', x: [1, 2], y: [2, 4], r: 1, xLabel: 'a', yLabel: 'b' },
      {
        kind: 'confusion',
        labels: ['a', 'b'],
        matrix: [
          [1, 0],
          [0, 1]
        ],
        normalized: false
      },
      { kind: 'rank', curves: [{ label: 'm', rank: [1, 2], accuracy: [0.5, 0.8] }] },
      { kind: 'distribution', variable: 'age', groups: [{ name: 'g', values: [1, 2, 3] }] }
    ] as PlotSpec[]) {
      expect(() => rasterizePlot('x', spec)).not.toThrow();
    }
  });

  it('picks round ticks', () => {
    expect(niceTicks({ min: 0, max: 1 }).map(v => Number(v.toFixed(10)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks({ min: -3, max: 47 }, 5)).toEqual([0, 10, 20, 30, 40]);
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(123456)).toBe('1.2e5');
  });
});

describe('display and progress', () => {
  let shown: { kind: 'display' | 'update'; bundle: MimeBundle; id: string | undefined }[];
  beforeEach(() => {
    shown = [];
    setDisplaySink({
      display: (bundle, id) => shown.push({ kind: 'display', bundle, id }),
      update: (bundle, id) => shown.push({ kind: 'update', bundle, id })
    });
  });
  afterAll(() => setDisplaySink(null));

  it('is a typed error outside a notebook', () => {
    setDisplaySink(null);
    expect(() => display({ data: {}, metadata: {} })).toThrow(PayloadError);
  });

  it('shows one progress display and replaces it in place until done', async () => {
    const seen: number[] = [];
    for await (const i of track([10, 20, 30], 'work')) seen.push(i);
    expect(seen).toEqual([10, 20, 30]);
    expect(shown[0].kind).toBe('display');
    expect(shown.slice(1).every(s => s.kind === 'update' && s.id === shown[0].id)).toBe(true);
    const last = shown[shown.length - 1].bundle.data[PROGRESS_MIME] as ProgressPayload;
    expect(last).toMatchObject({ label: 'work', state: 'done', step: 3, totalSteps: 3 });
    expect(shown[shown.length - 1].bundle.data['text/plain']).toMatch(/^work: done, step 3\/3 \(100%\)/);
  });

  it('stops a tracked loop at its next safe point when the cell signal fires, and says so', async () => {
    const controller = new AbortController();
    let steps = 0;
    const loop = runWithSignal(controller.signal, async () => {
      expect(currentSignal()).toBe(controller.signal);
      for await (const step of track(1e9, 'spin')) {
        steps = step + 1;
        if (steps === 5) controller.abort();
      }
    });
    await expect(loop).rejects.toThrow(AbortedError);
    expect(steps).toBe(5);
    const last = shown[shown.length - 1].bundle.data[PROGRESS_MIME] as ProgressPayload;
    expect(last.state).toBe('interrupted');
  });

  it('connects a long API call to the cell: its signal, and a display fed by its progress events', () => {
    const controller = new AbortController();
    const work = runWithSignal(controller.signal, () => longWork('preprocess'));
    expect(work.signal).toBe(controller.signal);
    work.onProgress({ label: 'preprocess', step: 1, totalSteps: 2, message: 'sub-01' });
    work.onProgress({ label: 'preprocess', step: 2, totalSteps: 2, message: 'sub-02' });
    const last = shown[shown.length - 1];
    expect(last.kind).toBe('update');
    expect(last.id).toBe(work.progress.displayId);
    expect(last.bundle.data[PROGRESS_MIME]).toMatchObject({
      label: 'preprocess',
      state: 'done',
      step: 2,
      totalSteps: 2,
      message: 'sub-02'
    });
  });

  it('keeps non-finite metrics as null (JSON has no NaN)', () => {
    const p = new ProgressDisplay('fit', { totalSteps: 10 });
    p.update({ step: 1, metrics: { loss: NaN, acc: 0.5 } });
    p.finish();
    expect(p.payload.metrics).toEqual({ loss: null, acc: 0.5 });
    expect(progressText(p.payload)).toMatch(/loss=NaN acc=0\.5/);
  });

  it('has a signal that never fires outside a cell', async () => {
    expect(currentSignal().aborted).toBe(false);
    await expect(safePoint()).resolves.toBeUndefined();
  });
});
