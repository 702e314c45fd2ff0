/**
 * Draws a PlotSpec into a canvas for the `image/png` fallback: the same data the interactive plot
 * shows, on labelled axes, nothing invented (an ROC shows the chance diagonal, a scatter its
 * least-squares line and the r it was given).
 */
import { PlotSpec } from '../payload-types';
import { Axes, extent, formatTick } from './axes';
import { BLACK, Canvas, GREY, Rgb, WHITE } from './canvas';
import { categorical } from './colormap';

export const PLOT_WIDTH = 640;
export const PLOT_HEIGHT = 420;
const BOX = { left: 70, top: 34, width: PLOT_WIDTH - 70 - 20, height: PLOT_HEIGHT - 34 - 46 };

function frame(title: string): Canvas {
  const c = new Canvas(PLOT_WIDTH, PLOT_HEIGHT, WHITE);
  c.text(PLOT_WIDTH / 2, 10, title, BLACK, 'center', title.length * 12 < PLOT_WIDTH - 20 ? 2 : 1);
  return c;
}

function dashed(a: Axes, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const n = 40;
  for (let i = 0; i < n; i += 2) {
    const t0 = i / n;
    const t1 = (i + 1) / n;
    a.canvas.line(
      a.px(x0 + (x1 - x0) * t0),
      a.py(y0 + (y1 - y0) * t0),
      a.px(x0 + (x1 - x0) * t1),
      a.py(y0 + (y1 - y0) * t1),
      color
    );
  }
}

function lines(
  c: Canvas,
  series: { name: string; x: number[]; y: (number | null)[] }[],
  xLabel: string,
  yLabel: string,
  fixed?: { x: [number, number]; y: [number, number] }
): Axes {
  const x = fixed
    ? { min: fixed.x[0], max: fixed.x[1] }
    : extent(
        series.flatMap(s => s.x),
        0.02
      );
  const y = fixed ? { min: fixed.y[0], max: fixed.y[1] } : extent(series.flatMap(s => s.y));
  const a = new Axes(c, BOX, x, y);
  a.draw(xLabel, yLabel);
  series.forEach((s, i) => a.polyline(s.x, s.y, categorical(i)));
  return a;
}

function leastSquares(
  x: readonly number[],
  y: readonly number[]
): { slope: number; intercept: number } | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function confusion(c: Canvas, labels: string[], matrix: number[][], normalized: boolean): void {
  const n = labels.length;
  const size = Math.min(BOX.width - 60, BOX.height - 20);
  const cell = Math.max(4, Math.floor(size / Math.max(1, n)));
  const left = BOX.left + 40;
  const top = BOX.top + 10;
  const max = Math.max(1e-12, ...matrix.flat().filter(Number.isFinite));
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const v = matrix[r]?.[k] ?? NaN;
      // White (0) to dark blue (the largest cell).
      const t = Number.isFinite(v) ? Math.max(0, v / max) : 0;
      const color: Rgb = [Math.round(255 - 247 * t), Math.round(255 - 207 * t), Math.round(255 - 148 * t)];
      c.fillRect(left + k * cell, top + r * cell, cell, cell, color);
      c.strokeRect(left + k * cell, top + r * cell, cell, cell, GREY);
      if (cell >= 24) {
        const text = Number.isFinite(v) ? (normalized ? v.toFixed(2) : formatTick(v)) : '-';
        c.text(
          left + k * cell + cell / 2,
          top + r * cell + cell / 2 - 3,
          text,
          t > 0.55 ? WHITE : BLACK,
          'center'
        );
      }
    }
    c.text(left - 6, top + r * cell + cell / 2 - 3, labels[r], BLACK, 'right');
  }
  labels.forEach((l, k) => c.text(left + k * cell + cell / 2, top + n * cell + 6, l, BLACK, 'center'));
  c.text(left + (n * cell) / 2, top + n * cell + 22, 'predicted', BLACK, 'center');
  c.textVertical(BOX.left - 44, top + (n * cell) / 2, 'true', BLACK);
}

function distribution(c: Canvas, variable: string, groups: { name: string; values: number[] }[]): void {
  const y = extent(groups.flatMap(g => g.values));
  const a = new Axes(c, BOX, { min: 0, max: Math.max(1, groups.length) }, y);
  a.draw('', variable);
  groups.forEach((g, i) => {
    const color = categorical(i);
    const cx = a.px(i + 0.5);
    const finite = g.values.filter(Number.isFinite).sort((p, q) => p - q);
    c.text(cx, BOX.top + BOX.height + 7, `${g.name} (n=${finite.length})`, BLACK, 'center');
    if (!finite.length) return;
    const half = Math.min(40, BOX.width / groups.length / 4);
    const [q1, med, q3] = [0.25, 0.5, 0.75].map(q => quantile(finite, q));
    c.strokeRect(cx - half, a.py(q3), 2 * half, a.py(q1) - a.py(q3), BLACK);
    c.line(cx - half, a.py(med), cx + half, a.py(med), BLACK, 2);
    // Points spread over the box width in a fixed pattern (no randomness in a fallback image).
    finite.forEach((v, j) => c.dot(cx - half + ((j * 0.618034) % 1) * 2 * half, a.py(v), 2, color));
  });
}

/** The plot as a canvas; PNG-encode it for the fallback. */
export function rasterizePlot(title: string, plot: PlotSpec): Canvas {
  const c = frame(title);
  switch (plot.kind) {
    case 'roc': {
      const a = lines(
        c,
        plot.curves.map(k => ({ name: k.label, x: k.fpr, y: k.tpr })),
        'false positive rate',
        'true positive rate',
        { x: [0, 1], y: [0, 1] }
      );
      dashed(a, 0, 0, 1, 1, GREY);
      a.legend(
        plot.curves.map((k, i) => ({ label: `${k.label} (AUC ${k.auc.toFixed(3)})`, color: categorical(i) })),
        'bottom-right'
      );
      break;
    }
    case 'training': {
      const a = lines(c, plot.series, plot.xLabel, plot.yLabel);
      a.legend(plot.series.map((s, i) => ({ label: s.name, color: categorical(i) })));
      break;
    }
    case 'rank': {
      const a = lines(
        c,
        plot.curves.map(k => ({ name: k.label, x: k.rank, y: k.accuracy })),
        'rank',
        'identification accuracy'
      );
      a.legend(
        plot.curves.map((k, i) => ({ label: k.label, color: categorical(i) })),
        'bottom-right'
      );
      break;
    }
    case 'scatter': {
      const a = new Axes(c, BOX, extent(plot.x), extent(plot.y));
      a.draw(plot.xLabel, plot.yLabel);
      const fit = leastSquares(plot.x, plot.y);
      if (fit)
        a.canvas.line(
          a.px(a.x.min),
          a.py(fit.intercept + fit.slope * a.x.min),
          a.px(a.x.max),
          a.py(fit.intercept + fit.slope * a.x.max),
          GREY,
          1
        );
      for (let i = 0; i < Math.min(plot.x.length, plot.y.length); i++)
        c.dot(a.px(plot.x[i]), a.py(plot.y[i]), 3, categorical(0));
      a.legend([{ label: `r = ${plot.r.toFixed(3)}`, color: GREY }], 'top-left');
      break;
    }
    case 'confusion':
      confusion(c, plot.labels, plot.matrix, plot.normalized);
      break;
    case 'distribution':
      distribution(c, plot.variable, plot.groups);
      break;
  }
  return c;
}
