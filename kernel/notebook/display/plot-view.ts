/**
 * `ns.plot(spec, options)`: a plot as a displayable bundle — the plot payload for the JupyterLab
 * renderer (plotly), a PNG drawn from the same data, and a one-line text summary.
 */
import { PayloadError } from '../../errors';
import { MIME_BUNDLE, Displayable } from './display';
import { PAYLOAD_VERSION, PLOT_MIME, PlotPayload, PlotSpec } from './payload-types';
import { encodePng } from './png';
import { rasterizePlot } from './raster/plot-raster';
import { MimeBundle } from '../kernel/wire';

function sameLength(
  what: string,
  a: readonly unknown[],
  b: readonly unknown[],
  aName: string,
  bName: string
): void {
  if (a.length !== b.length)
    throw new PayloadError(`${what}: ${aName} has ${a.length} values but ${bName} has ${b.length}`);
}

/** Checks a spec's arrays fit together; throws PayloadError naming the part that does not. */
export function validatePlotSpec(plot: PlotSpec): void {
  switch (plot.kind) {
    case 'roc':
      for (const c of plot.curves) {
        sameLength(`roc curve "${c.label}"`, c.fpr, c.tpr, 'fpr', 'tpr');
        if ([...c.fpr, ...c.tpr].some(v => !(v >= 0 && v <= 1)))
          throw new PayloadError(`roc curve "${c.label}": rates must lie in [0, 1]`);
      }
      break;
    case 'training':
      for (const s of plot.series) sameLength(`series "${s.name}"`, s.x, s.y, 'x', 'y');
      break;
    case 'rank':
      for (const c of plot.curves)
        sameLength(`rank curve "${c.label}"`, c.rank, c.accuracy, 'rank', 'accuracy');
      break;
    case 'scatter':
      sameLength('scatter', plot.x, plot.y, 'x', 'y');
      if (plot.pointLabels) sameLength('scatter', plot.x, plot.pointLabels, 'x', 'pointLabels');
      break;
    case 'confusion':
      if (
        plot.matrix.length !== plot.labels.length ||
        plot.matrix.some(row => row.length !== plot.labels.length)
      ) {
        throw new PayloadError(
          `confusion matrix must be ${plot.labels.length}x${plot.labels.length} (one row and column per label)`
        );
      }
      break;
    case 'distribution':
      if (!plot.groups.length) throw new PayloadError('distribution plot needs at least one group');
      break;
    default:
      throw new PayloadError(`unknown plot kind "${(plot as { kind: string }).kind}"`, {
        hint: 'kinds: roc, confusion, scatter, training, rank, distribution'
      });
  }
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
  return new PlotView({ version: PAYLOAD_VERSION, title: options.title ?? spec.kind, plot: spec });
}
