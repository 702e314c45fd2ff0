/**
 * Cartesian axes on a canvas: "nice" ticks (1, 2, 5 x 10^k steps), data -> pixel mapping, frame,
 * grid, tick labels, axis labels and a legend.
 */
import { BLACK, Canvas, GREY, LIGHT_GREY, Rgb, WHITE } from './canvas';

export interface Range {
  min: number;
  max: number;
}

/** The data range of `values` (finite ones), padded when empty or flat so it can be drawn. */
export function extent(values: Iterable<number | null>, pad = 0.05): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { min: 0, max: 1 };
  if (min === max) return { min: min - 0.5, max: max + 0.5 };
  const p = (max - min) * pad;
  return { min: min - p, max: max + p };
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(range: Range, count = 5): number[] {
  const span = range.max - range.min;
  if (!(span > 0) || !Number.isFinite(span)) return [range.min];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(range.min / step) * step; t <= range.max + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Short tick text: up to 4 significant digits, no trailing zeros, exponent form for extremes. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

export interface AxesLayout {
  left: number;
  top: number;
  width: number;
  height: number;
}

export class Axes {
  constructor(
    readonly canvas: Canvas,
    readonly box: AxesLayout,
    readonly x: Range,
    readonly y: Range
  ) {}

  px(v: number): number {
    return this.box.left + ((v - this.x.min) / (this.x.max - this.x.min)) * this.box.width;
  }

  py(v: number): number {
    return this.box.top + this.box.height - ((v - this.y.min) / (this.y.max - this.y.min)) * this.box.height;
  }

  /** Frame, grid lines and tick labels, plus the axis labels. */
  draw(xLabel: string, yLabel: string): void {
    const { canvas: c, box } = this;
    for (const t of niceTicks(this.x)) {
      const X = this.px(t);
      c.line(X, box.top, X, box.top + box.height, LIGHT_GREY);
      c.line(X, box.top + box.height, X, box.top + box.height + 4, BLACK);
      c.text(X, box.top + box.height + 7, formatTick(t), BLACK, 'center');
    }
    for (const t of niceTicks(this.y)) {
      const Y = this.py(t);
      c.line(box.left, Y, box.left + box.width, Y, LIGHT_GREY);
      c.line(box.left - 4, Y, box.left, Y, BLACK);
      c.text(box.left - 7, Y - 3, formatTick(t), BLACK, 'right');
    }
    c.strokeRect(box.left, box.top, box.width, box.height, BLACK);
    if (xLabel) c.text(box.left + box.width / 2, box.top + box.height + 22, xLabel, BLACK, 'center');
    if (yLabel) c.textVertical(box.left - 44, box.top + box.height / 2, yLabel, BLACK);
  }

  /** A polyline through the points, skipping non-finite ones (gaps). */
  polyline(xs: readonly number[], ys: readonly (number | null)[], color: Rgb, width = 2): void {
    let prev: [number, number] | null = null;
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const y = ys[i];
      if (y === null || !Number.isFinite(xs[i]) || !Number.isFinite(y)) {
        prev = null;
        continue;
      }
      const p: [number, number] = [this.px(xs[i]), this.py(y)];
      if (prev) this.canvas.line(prev[0], prev[1], p[0], p[1], color, width);
      else this.canvas.dot(p[0], p[1], 1, color);
      prev = p;
    }
  }

  /** A legend box in the given corner of the plot area. */
  legend(
    entries: readonly { label: string; color: Rgb }[],
    corner: 'top-left' | 'top-right' | 'bottom-right' = 'top-right'
  ): void {
    if (!entries.length) return;
    const c = this.canvas;
    const w = Math.max(...entries.map(e => Canvas.textWidth(e.label))) + 30;
    const h = entries.length * 12 + 6;
    const x = corner === 'top-left' ? this.box.left + 6 : this.box.left + this.box.width - w - 6;
    const y = corner === 'bottom-right' ? this.box.top + this.box.height - h - 6 : this.box.top + 6;
    c.fillRect(x, y, w, h, WHITE);
    c.strokeRect(x, y, w, h, GREY);
    entries.forEach((e, i) => {
      const ly = y + 6 + i * 12;
      c.line(x + 5, ly + 3, x + 20, ly + 3, e.color, 2);
      c.text(x + 25, ly, e.label, BLACK);
    });
  }
}
