/**
 * PlotPayload -> plotly figure, one builder per plot kind. Pure (no DOM, no plotly import), so the
 * traces, axis titles and escaping are tested in Node; the renderer only hands the figure to plotly.
 * Every payload string passes through escapePlotText.
 */
import type { PlotPayload, PlotSpec } from '../../kernel/notebook/display/payload-types';
import type { Layout, LayoutAxis } from 'plotly.js-dist-min';
import type { Figure, PlotTheme, Trace } from './figure-types';

type Axis = Partial<LayoutAxis>;
import { escapePlotText as esc, formatStat } from './text';

type Spec<K extends PlotSpec['kind']> = Extract<PlotSpec, { kind: K }>;

/** Above this many points a scatter drops per-point markers on lines (plotly stays responsive). */
const MARKER_LIMIT = 200;

/** Builds the plotly figure of a validated plot payload in the given theme. */
export function buildFigure(payload: PlotPayload, theme: PlotTheme): Figure {
  const body = bodyOf(payload.plot);
  const title = payload.title ? esc(payload.title) : body.defaultTitle;
  return {
    data: body.data,
    layout: {
      ...themeLayout(theme),
      ...body.layout,
      xaxis: { ...axisStyle(theme), ...body.layout.xaxis },
      yaxis: { ...axisStyle(theme), ...body.layout.yaxis },
      title: { text: body.titleSuffix ? `${title} · ${body.titleSuffix}` : title },
      uirevision: payload.plot.kind
    }
  };
}

interface FigureBody {
  data: Trace[];
  layout: Partial<Layout>;
  defaultTitle: string;
  /** A statistic shown in the title (scatter: r). */
  titleSuffix?: string;
}

function bodyOf(spec: PlotSpec): FigureBody {
  switch (spec.kind) {
    case 'roc':
      return rocFigure(spec);
    case 'confusion':
      return confusionFigure(spec);
    case 'scatter':
      return scatterFigure(spec);
    case 'training':
      return trainingFigure(spec);
    case 'rank':
      return rankFigure(spec);
    case 'distribution':
      return distributionFigure(spec);
  }
}

const titled = (text: string, extra: Axis = {}): Axis => ({ title: { text }, automargin: true, ...extra });

function rocFigure(spec: Spec<'roc'>): FigureBody {
  const curves: Trace[] = spec.curves.map(c => ({
    type: 'scatter',
    mode: 'lines',
    name: `${esc(c.label)} (AUC = ${formatStat(c.auc)})`,
    x: c.fpr,
    y: c.tpr,
    hovertemplate: 'FPR %{x:.3f}<br>TPR %{y:.3f}'
  }));
  const chance: Trace = { type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { dash: 'dash', width: 1 }, hoverinfo: 'skip' };
  return {
    data: [...curves, chance],
    layout: {
      xaxis: titled('False positive rate', { range: [0, 1], constrain: 'domain' }),
      yaxis: titled('True positive rate', { range: [0, 1], scaleanchor: 'x' })
    },
    defaultTitle: 'ROC curve'
  };
}

function confusionFigure(spec: Spec<'confusion'>): FigureBody {
  const labels = spec.labels.map(esc);
  return {
    data: [
      {
        type: 'heatmap',
        name: 'confusion',
        x: labels,
        y: labels,
        z: spec.matrix,
        colorscale: 'Blues',
        // plotly's Blues runs dark -> light; reversed, larger counts are darker, as in scikit-learn.
        reversescale: true,
        texttemplate: spec.normalized ? '%{z:.2f}' : '%{z:d}',
        hovertemplate: 'true %{y}<br>predicted %{x}<br>%{z}<extra></extra>',
        showscale: true
      }
    ],
    layout: {
      xaxis: titled('Predicted label', { type: 'category' }),
      yaxis: titled('True label', { type: 'category', autorange: 'reversed' })
    },
    defaultTitle: spec.normalized ? 'Confusion matrix (row-normalized)' : 'Confusion matrix'
  };
}

function scatterFigure(spec: Spec<'scatter'>): FigureBody {
  const all = [...spec.x, ...spec.y];
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 1;
  const points: Trace = {
    type: 'scatter',
    mode: 'markers',
    name: 'subjects',
    x: spec.x,
    y: spec.y,
    marker: { size: spec.x.length > MARKER_LIMIT ? 4 : 7, opacity: 0.8 },
    ...(spec.pointLabels ? { text: spec.pointLabels.map(esc), hovertemplate: '%{text}<br>true %{x:.3g}<br>predicted %{y:.3g}<extra></extra>' } : {})
  };
  const identity: Trace = { type: 'scatter', mode: 'lines', name: 'identity (y = x)', x: [lo, hi], y: [lo, hi], line: { dash: 'dash', width: 1 }, hoverinfo: 'skip' };
  return {
    data: [points, identity],
    layout: { xaxis: titled(esc(spec.xLabel)), yaxis: titled(esc(spec.yLabel)) },
    defaultTitle: 'Predicted vs true',
    titleSuffix: `r = ${formatStat(spec.r)}`
  };
}

function trainingFigure(spec: Spec<'training'>): FigureBody {
  return {
    data: spec.series.map(s => ({
      type: 'scatter',
      mode: s.x.length > MARKER_LIMIT ? 'lines' : 'lines+markers',
      name: esc(s.name),
      x: s.x,
      y: s.y,
      marker: { size: 4 },
      connectgaps: false
    })),
    layout: { xaxis: titled(esc(spec.xLabel)), yaxis: titled(esc(spec.yLabel)) },
    defaultTitle: 'Training'
  };
}

function rankFigure(spec: Spec<'rank'>): FigureBody {
  return {
    data: spec.curves.map(c => ({
      type: 'scatter',
      mode: c.rank.length > MARKER_LIMIT ? 'lines' : 'lines+markers',
      name: esc(c.label),
      x: c.rank,
      y: c.accuracy,
      hovertemplate: 'rank %{x}<br>accuracy %{y:.3f}'
    })),
    layout: { xaxis: titled('Rank'), yaxis: titled('Identification accuracy', { range: [0, 1.02] }) },
    defaultTitle: 'Re-identification (cumulative match)'
  };
}

function distributionFigure(spec: Spec<'distribution'>): FigureBody {
  const variable = esc(spec.variable);
  return {
    data: spec.groups.map(g => ({
      type: 'violin',
      name: esc(g.name),
      y: g.values,
      box: { visible: true },
      meanline: { visible: true },
      points: g.values.length <= 500 ? 'all' : false
    })),
    layout: { xaxis: titled('Group', { type: 'category' }), yaxis: titled(variable) },
    defaultTitle: `Distribution of ${variable}`
  };
}

function themeLayout(theme: PlotTheme): Partial<Layout> {
  return {
    paper_bgcolor: theme.paper,
    plot_bgcolor: theme.plot,
    font: { color: theme.font, family: theme.fontFamily },
    colorway: theme.colorway,
    legend: { bgcolor: 'rgba(0,0,0,0)' },
    margin: { l: 60, r: 20, t: 48, b: 50 },
    autosize: true
  };
}

function axisStyle(theme: PlotTheme): Axis {
  return { gridcolor: theme.grid, linecolor: theme.grid, zeroline: false };
}
