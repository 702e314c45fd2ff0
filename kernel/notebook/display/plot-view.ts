/**
 * `ns.plot(spec, options)`: a plot as a displayable bundle — the plot payload for the JupyterLab
 * renderer (plotly), a PNG drawn from the same data, and a one-line text summary.
 */
import { MIME_BUNDLE, Displayable } from './display';
import { PAYLOAD_VERSION, PLOT_MIME, PlotPayload, PlotSpec } from './payload-types';
import { checkedPart, checkedPayload } from './payload-check';
import { plotSpec } from './payload-rules';
import { encodePng } from './png';
import { rasterizePlot } from './raster/plot-raster';
import { MimeBundle } from '../../verbs/jupyter/wire';

const PLOT_HINT = 'kinds: roc, confusion, scatter, training, rank, distribution; rates, AUC and accuracy lie in [0, 1]';

/**
 * Checks a spec with the payload rules the JupyterLab extension applies (payload-rules.ts), so a
 * plot the kernel accepts is one the extension draws; throws PayloadError listing every problem.
 */
export function validatePlotSpec(plot: PlotSpec): void {
  checkedPart(plotSpec, plot, `${String((plot as { kind?: unknown })?.kind ?? '')} plot`.trim(), PLOT_HINT);
}

function lastValue(ys: readonly (number | null)[]): string {
  const v = ys[ys.length - 1];
  return v === undefined ? '-' : v === null ? 'NaN' : String(Number(v.toPrecision(4)));
}

/** One line saying what the plot shows, for text-only frontends. */
export function plotSummary(payload: PlotPayload): string {
  const p = payload.plot;
  const detail = (() => {
    switch (p.kind) {
      case 'roc':
        return p.curves.map(c => `${c.label} AUC ${c.auc.toFixed(3)}`).join(', ');
      case 'training':
        return p.series.map(s => `${s.name}: ${s.y.length} points, last ${lastValue(s.y)}`).join(', ');
      case 'rank':
        return p.curves
          .map(c => `${c.label}: rank-1 ${c.accuracy.length ? c.accuracy[0].toFixed(3) : '-'}`)
          .join(', ');
      case 'scatter':
        return `${p.x.length} points, r = ${p.r.toFixed(3)}`;
      case 'confusion':
        return `${p.labels.length} classes${p.normalized ? ', normalized' : ''}`;
      case 'distribution':
        return p.groups.map(g => `${g.name} n=${g.values.length}`).join(', ');
    }
  })();
  return `${payload.title} [${p.kind}]: ${detail}`;
}

export class PlotView implements Displayable {
  constructor(readonly payload: PlotPayload) {}

  [MIME_BUNDLE](): MimeBundle {
    const png = encodePng(rasterizePlot(this.payload.title, this.payload.plot).toImage());
    return {
      data: {
        [PLOT_MIME]: this.payload,
        'image/png': png.toString('base64'),
        'text/plain': plotSummary(this.payload)
      },
      metadata: {}
    };
  }
}

export interface PlotOptions {
  title?: string;
}

/** A displayable plot of `spec` (show it as a cell's last value, or pass it to `display`). */
export function plot(spec: PlotSpec, options: PlotOptions = {}): PlotView {
  validatePlotSpec(spec);
  const payload: PlotPayload = { version: PAYLOAD_VERSION, title: options.title ?? spec.kind, plot: spec };
  return new PlotView(checkedPayload(PLOT_MIME, payload, PLOT_HINT));
}
