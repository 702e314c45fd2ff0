/**
 * Figure types of the plot builders: plotly's own (plotly.js-dist-min 4 ships its types), so
 * figures.ts is checked against what plotly accepts.
 */
import type { Data, Layout } from 'plotly.js-dist-min';

export type Trace = Data;

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

/** Colours of one plot theme. */
export interface PlotTheme {
  mode: 'light' | 'dark';
  paper: string;
  plot: string;
  font: string;
  grid: string;
  fontFamily: string;
  colorway: string[];
}
