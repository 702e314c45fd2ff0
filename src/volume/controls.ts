/**
 * DOM controls of the volume viewer: view, colormap and window of the base layer, visibility and
 * opacity of each overlay, the time slider with play, and the crosshair readout. Every text comes
 * from the payload and is set with textContent (issue 8: no payload text becomes markup).
 */
import type { VolumeLayer, VolumePayload } from '../../kernel/notebook/display/payload-types';

/** What the controls ask the viewer to do. */
export interface ControlActions {
  view(view: VolumePayload['view']): void;
  colormap(colormap: string): void;
  window(min: number, max: number): void;
  opacity(layerIndex: number, opacity: number): void;
  frame(frame: number): void;
}

const VIEWS: VolumePayload['view'][] = ['multiplanar', 'axial', 'coronal', 'sagittal', 'render'];

/** Frames per second of playback. */
const PLAY_FPS = 4;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = el('label', 'jp-NeuroStormVolume-field');
  label.append(el('span', 'jp-NeuroStormVolume-fieldName', text), control);
  return label;
}

function select(options: string[], value: string, className: string): HTMLSelectElement {
  const node = el('select', className);
  for (const option of options) {
    const o = document.createElement('option');
    o.value = option;
    o.textContent = option;
    node.append(o);
  }
  node.value = value;
  return node;
}

/** Builds and owns the controls of one viewer. */
export class VolumeControls {
  readonly toolbar = el('div', 'jp-NeuroStormVolume-toolbar');
  readonly layers = el('div', 'jp-NeuroStormVolume-layers');
  readonly time = el('div', 'jp-NeuroStormVolume-time');
  readonly readout = el('div', 'jp-NeuroStormVolume-readout');
  private readonly slider = el('input', 'jp-NeuroStormVolume-frame');
  private readonly frameText = el('span', 'jp-NeuroStormVolume-frameLabel');
  private readonly playButton = el('button', 'jp-NeuroStormVolume-play jp-mod-styled', 'Play');
  private readonly windowMin = el('input', 'jp-NeuroStormVolume-windowMin');
  private readonly windowMax = el('input', 'jp-NeuroStormVolume-windowMax');
  private timer: number | null = null;

  constructor(
    private readonly actions: ControlActions,
    private readonly frameLabel: (frame: number) => string
  ) {
    this.readout.setAttribute('aria-live', 'polite');
  }

  /** Fills the toolbar and layer list for a loaded payload. */
  build(payload: VolumePayload, colormaps: string[], baseColormap: string, window: { min: number; max: number } | null): void {
    const view = select(VIEWS, payload.view, 'jp-NeuroStormVolume-view');
    view.addEventListener('change', () => this.actions.view(view.value as VolumePayload['view']));
    const colormap = select(colormaps, baseColormap, 'jp-NeuroStormVolume-colormap');
    colormap.addEventListener('change', () => this.actions.colormap(colormap.value));
    for (const input of [this.windowMin, this.windowMax]) {
      input.type = 'number';
      input.step = 'any';
      input.addEventListener('change', () => this.applyWindow());
    }
    this.setWindow(window);
    this.toolbar.replaceChildren(labelled('View', view), labelled('Colormap', colormap), labelled('Window', this.windowMin), labelled('to', this.windowMax));
    this.layers.replaceChildren(...payload.layers.slice(1).map((layer, i) => this.layerRow(layer, i + 1)));
  }

  /** Shows the time row for `frames` > 1 frames. */
  buildTime(frames: number, frame: number): void {
    if (frames <= 1) {
      this.time.replaceChildren();
      this.time.hidden = true;
      return;
    }
    this.time.hidden = false;
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.max = String(frames - 1);
    this.slider.step = '1';
    this.slider.value = String(frame);
    this.slider.setAttribute('aria-label', 'Frame');
    this.slider.oninput = () => this.showFrame(Number(this.slider.value));
    this.playButton.onclick = () => (this.timer === null ? this.play() : this.stop());
    this.frameText.textContent = this.frameLabel(frame);
    this.time.replaceChildren(this.playButton, this.slider, this.frameText);
  }

  /** Sets the window inputs (after niivue chose robust percentiles). */
  setWindow(window: { min: number; max: number } | null): void {
    this.windowMin.value = window ? String(Number(window.min.toPrecision(5))) : '';
    this.windowMax.value = window ? String(Number(window.max.toPrecision(5))) : '';
  }

  /** Moves the slider and viewer to `frame`. */
  showFrame(frame: number): void {
    this.slider.value = String(frame);
    this.frameText.textContent = this.frameLabel(frame);
    this.actions.frame(frame);
  }

  play(): void {
    if (this.timer !== null) return;
    this.playButton.textContent = 'Pause';
    this.timer = window.setInterval(() => {
      const frames = Number(this.slider.max) + 1;
      this.showFrame((Number(this.slider.value) + 1) % frames);
    }, 1000 / PLAY_FPS);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.playButton.textContent = 'Play';
  }

  private applyWindow(): void {
    const min = Number(this.windowMin.value);
    const max = Number(this.windowMax.value);
    if (this.windowMin.value !== '' && this.windowMax.value !== '' && min < max) this.actions.window(min, max);
  }

  private layerRow(layer: VolumeLayer, index: number): HTMLElement {
    const row = el('div', 'jp-NeuroStormVolume-layer');
    const visible = el('input', 'jp-NeuroStormVolume-visible');
    visible.type = 'checkbox';
    visible.checked = true;
    const opacity = el('input', 'jp-NeuroStormVolume-opacity');
    opacity.type = 'range';
    opacity.min = '0';
    opacity.max = '1';
    opacity.step = '0.05';
    opacity.value = String(layer.opacity);
    opacity.setAttribute('aria-label', `Opacity of ${layer.name}`);
    const apply = (): void => this.actions.opacity(index, visible.checked ? Number(opacity.value) : 0);
    visible.addEventListener('change', apply);
    opacity.addEventListener('input', apply);
    const name = el('span', 'jp-NeuroStormVolume-layerName', `${layer.name} (${layer.role})`);
    row.append(visible, name, labelled('opacity', opacity));
    return row;
  }
}
