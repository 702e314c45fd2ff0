/**
 * NeuroSTORM Lab MIME renderers (issue 8): volumes in a niivue viewer, plots with plotly, and the
 * training progress bar. Registered as a JupyterLab mime extension (package.json
 * `jupyterlab.mimeExtension`); the settings plugin (src/plugin.ts) feeds `rendererSettings`.
 *
 * All three renderers are `safe`: they execute nothing from a payload and insert no payload text as
 * markup, so they also render outputs of untrusted notebooks.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PLOT_MIME, PROGRESS_MIME, VOLUME_MIME } from '../kernel/notebook/display/payload-types';
import { PlotRenderer } from './plot/renderer';
import { ProgressRenderer } from './progress/renderer';
import { RENDERERS_PLUGIN_ID, SettingsStore } from './settings';
import { VolumeRenderer } from './volume/renderer';

export { RENDERERS_PLUGIN_ID };

/**
 * The settings the renderers read. One per loaded extension: a mime extension cannot request
 * JupyterLab services, so the settings plugin writes here (see settings.ts).
 */
export const rendererSettings = new SettingsStore();

/** Creates the renderer of one output for one of our MIME types. */
export function createRenderer(options: IRenderMime.IRendererOptions, settings: SettingsStore = rendererSettings): IRenderMime.IRenderer {
  switch (options.mimeType) {
    case VOLUME_MIME:
      return new VolumeRenderer(settings, options.resolver ?? null);
    case PLOT_MIME:
      return new PlotRenderer(settings);
    case PROGRESS_MIME:
      return new ProgressRenderer();
    default:
      throw new Error(`neurostorm-lab renders ${VOLUME_MIME}, ${PLOT_MIME} and ${PROGRESS_MIME}, not ${options.mimeType}`);
  }
}

/** The renderer factory registered with JupyterLab's rendermime registry. */
export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [VOLUME_MIME, PLOT_MIME, PROGRESS_MIME],
  defaultRank: 50,
  createRenderer: options => createRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: RENDERERS_PLUGIN_ID,
  description: 'Renders NeuroSTORM volumes (niivue), plots (plotly) and training progress in notebook outputs.',
  rendererFactory,
  rank: 50,
  dataType: 'json'
};

export default extension;
