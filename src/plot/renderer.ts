/**
 * Renders `application/vnd.neurostorm.plot+json` with plotly. An update_display_data for the same
 * output calls renderModel again on this renderer: Plotly.react redraws in place and `uirevision`
 * keeps the user's zoom, so live training curves extend without flicker. Colours follow the
 * JupyterLab theme (body attribute watched) or the plotTheme setting. plotly (4.6 MB) loads on the
 * first plot, not with JupyterLab.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { Config } from 'plotly.js-dist-min';
import { PLOT_MIME, type PlotPayload } from '../../kernel/notebook/display/payload-types';
import { setState, showError } from '../render/dom';
import type { SettingsStore } from '../settings';
import { validatePayload } from '../../kernel/notebook/display/payload-rules';
import { buildFigure } from './figures';
import { documentPlotTheme } from './theme';

export const PLOT_CLASS = 'jp-NeuroStormPlot';

type Plotly = typeof import('plotly.js-dist-min').default;

let plotlyModule: Promise<Plotly> | null = null;

/** plotly, loaded once on first use (a separate chunk of the labextension). */
function loadPlotly(): Promise<Plotly> {
  plotlyModule ??= import(/* webpackChunkName: "plotly" */ 'plotly.js-dist-min').then(m => m.default);
  return plotlyModule;
}

const CONFIG: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['lasso2d', 'select2d'],
  toImageButtonOptions: { format: 'png', scale: 2 }
};

export class PlotRenderer extends Widget implements IRenderMime.IRenderer {
  private payload: PlotPayload | null = null;
  private readonly graph = document.createElement('div');
  private resizeObserver: ResizeObserver | null = null;
  private themeObserver: MutationObserver | null = null;
  private unsubscribe: (() => void) | null = null;
  private drawing: Promise<void> = Promise.resolve();
  private plotly: Plotly | null = null;

  constructor(private readonly settings: SettingsStore) {
    super();
    this.addClass(PLOT_CLASS);
    this.graph.className = 'jp-NeuroStormPlot-graph';
    setState(this.node, 'loading');
  }

  /** Resolves once the current payload is drawn. */
  get ready(): Promise<void> {
    return this.drawing;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try {
      this.payload = validatePayload(PLOT_MIME, model.data[PLOT_MIME]);
    } catch (err) {
      this.payload = null;
      this.plotly?.purge(this.graph);
      showError(this.node, 'NeuroSTORM plot: the payload is not valid', err);
      return Promise.resolve();
    }
    if (this.graph.parentNode !== this.node) this.node.replaceChildren(this.graph);
    // plotly measures text in the live DOM: draw once attached.
    if (this.isAttached) this.drawing = this.draw();
    return Promise.resolve();
  }

  protected override onAfterAttach(): void {
    this.resizeObserver = new ResizeObserver(() => {
      if (this.payload && this.plotly) void this.plotly.Plots.resize(this.graph);
    });
    this.resizeObserver.observe(this.node);
    this.themeObserver = new MutationObserver(() => (this.drawing = this.draw()));
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-light'] });
    this.unsubscribe = this.settings.subscribe(() => (this.drawing = this.draw()));
    this.drawing = this.draw();
  }

  protected override onBeforeDetach(): void {
    this.resizeObserver?.disconnect();
    this.themeObserver?.disconnect();
    this.unsubscribe?.();
    this.resizeObserver = this.themeObserver = null;
    this.unsubscribe = null;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.plotly?.purge(this.graph);
    super.dispose();
  }

  private async draw(): Promise<void> {
    const payload = this.payload;
    if (!payload || !this.isAttached) return;
    const figure = buildFigure(payload, documentPlotTheme(this.settings.current.plotTheme));
    try {
      this.plotly ??= await loadPlotly();
      await this.plotly.react(this.graph, figure.data, figure.layout, CONFIG);
      this.node.dataset.plotKind = payload.plot.kind;
      setState(this.node, 'ready');
    } catch (err) {
      showError(this.node, `NeuroSTORM plot "${payload.title}" could not be drawn`, err);
    }
  }
}
