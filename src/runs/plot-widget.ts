/**
 * The renderers' plotly widget fed directly (not through a notebook output) with a plot payload:
 * the curves and compare views draw exactly what a training-curve output draws, same theme and
 * settings, redrawn in place when a live run's record brings new points.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PLOT_MIME, type PlotPayload } from '../../kernel/notebook/display/payload-types';
import { rendererSettings } from '../index';
import { PlotRenderer } from '../plot/renderer';

/** The part of a mime model PlotRenderer.renderModel reads. */
function mimeModel(payload: PlotPayload): IRenderMime.IMimeModel {
  return { trusted: true, data: { [PLOT_MIME]: payload as unknown as IRenderMime.IMimeModel['data'][string] }, metadata: {}, setData: () => undefined };
}

export function plotWidget(): { widget: PlotRenderer; show: (payload: PlotPayload) => void } {
  const widget = new PlotRenderer(rendererSettings);
  let last = '';
  return {
    widget,
    show: payload => {
      // Refreshes come with every notebook change; redraw only when the points changed.
      const text = JSON.stringify(payload);
      if (text === last) return;
      last = text;
      void widget.renderModel(mimeModel(payload));
    }
  };
}
