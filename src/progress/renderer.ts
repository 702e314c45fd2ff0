/**
 * Renders `application/vnd.neurostorm.progress+json`: a compact bar with step, epoch, ETA and the
 * latest metrics. The kernel updates one display (update_display_data), so renderModel rewrites
 * the same elements in place.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { PROGRESS_MIME } from '../../kernel/notebook/display/payload-types';
import { setState, showError } from '../render/dom';
import { validatePayload } from '../../kernel/notebook/display/payload-rules';
import { fractionDone, metricParts, progressParts } from './format';

export const PROGRESS_CLASS = 'jp-NeuroStormProgress';

export class ProgressRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly label = document.createElement('span');
  private readonly track = document.createElement('div');
  private readonly fill = document.createElement('div');
  private readonly info = document.createElement('span');
  private readonly metrics = document.createElement('span');
  private readonly message = document.createElement('div');
  private readonly row = document.createElement('div');

  constructor() {
    super();
    this.addClass(PROGRESS_CLASS);
    this.label.className = 'jp-NeuroStormProgress-label';
    this.track.className = 'jp-NeuroStormProgress-track';
    this.fill.className = 'jp-NeuroStormProgress-fill';
    this.info.className = 'jp-NeuroStormProgress-info';
    this.metrics.className = 'jp-NeuroStormProgress-metrics';
    this.message.className = 'jp-NeuroStormProgress-message';
    this.row.className = 'jp-NeuroStormProgress-row';
    this.track.setAttribute('role', 'progressbar');
    this.track.setAttribute('aria-valuemin', '0');
    this.track.setAttribute('aria-valuemax', '100');
    this.track.append(this.fill);
    this.row.append(this.label, this.track, this.info);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let p;
    try {
      p = validatePayload(PROGRESS_MIME, model.data[PROGRESS_MIME]);
    } catch (err) {
      showError(this.node, 'NeuroSTORM progress: the payload is not valid', err);
      return Promise.resolve();
    }
    if (this.row.parentNode !== this.node) this.node.replaceChildren(this.row, this.metrics, this.message);
    const fraction = fractionDone(p);
    this.label.textContent = p.label;
    this.node.dataset.progressState = p.state;
    this.track.classList.toggle('jp-mod-indeterminate', fraction === null);
    this.fill.style.width = fraction === null ? '' : `${(fraction * 100).toFixed(1)}%`;
    if (fraction === null) this.track.removeAttribute('aria-valuenow');
    else this.track.setAttribute('aria-valuenow', (fraction * 100).toFixed(0));
    this.info.textContent = progressParts(p).join(' · ');
    this.metrics.textContent = metricParts(p).join('   ');
    this.message.textContent = p.message ?? '';
    this.message.hidden = !p.message;
    setState(this.node, 'ready');
    return Promise.resolve();
  }
}
