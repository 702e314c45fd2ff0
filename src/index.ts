/**
 * NeuroSTORM Lab MIME renderers. This first version renders each payload as a readable summary;
 * the niivue viewer, plotly plots and the progress bar replace these renderers (issue 8).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { PLOT_MIME, PROGRESS_MIME, VOLUME_MIME } from '../kernel/notebook/payload-types';

const CLASS_NAME = 'jp-NeuroStormOutput';

/** Renders a payload's JSON as text, never as HTML. */
class SummaryRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly mimeType: string) {
    super();
    this.addClass(CLASS_NAME);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(model.data[this.mimeType], null, 1).slice(0, 2000);
    this.node.replaceChildren(pre);
    return Promise.resolve();
  }
}

const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [VOLUME_MIME, PLOT_MIME, PROGRESS_MIME],
  createRenderer: options => new SummaryRenderer(options.mimeType)
};

const extension: IRenderMime.IExtension = {
  id: 'neurostorm-lab:renderers',
  description: 'Renders NeuroSTORM volumes, plots and progress in notebook outputs.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
