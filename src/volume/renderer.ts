/**
 * Renders `application/vnd.neurostorm.volume+json`: a niivue viewer with controls and a crosshair
 * readout in MNI millimetres. WebGL needs the canvas in the document, so drawing starts once the
 * widget is attached; the canvas follows the cell's size through a ResizeObserver. niivue loads on
 * the first volume (a separate chunk), not with JupyterLab.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { VOLUME_MIME, type VolumePayload } from '../../kernel/notebook/display/payload-types';
import { setState, showError } from '../render/dom';
import type { SettingsStore } from '../settings';
import { validatePayload } from '../../kernel/notebook/display/payload-rules';
import { VolumeControls } from './controls';
import { buildReadout, frameLabel, readoutLine, regionName } from './readout';
import { decodeEmbedded, fetchPathSource, niftiName } from './source';
import type { CrosshairSample, VolumeViewer } from './viewer';

export const VOLUME_CLASS = 'jp-NeuroStormVolume';

export class VolumeRenderer extends Widget implements IRenderMime.IRenderer {
  private payload: VolumePayload | null = null;
  private shownJson = '';
  private viewer: VolumeViewer | null = null;
  private controls: VolumeControls | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private readonly aborter = new AbortController();
  private drawing: Promise<void> = Promise.resolve();
  /** Current opacity of each layer; an atlas at 0 is hidden and left out of the readout. */
  private opacities: number[] = [];
  /** Increments per draw; an older draw that resumes after an await sees it is stale and stops. */
  private generation = 0;

  constructor(
    private readonly settings: SettingsStore,
    private readonly resolver: IRenderMime.IResolver | null
  ) {
    super();
    this.addClass(VOLUME_CLASS);
    setState(this.node, 'loading');
  }

  /** Resolves once the current payload is drawn (or failed with a shown error). */
  get ready(): Promise<void> {
    return this.drawing;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[VOLUME_MIME];
    const json = JSON.stringify(data);
    if (json === this.shownJson) return this.drawing;
    this.shownJson = json;
    try {
      this.payload = validatePayload(VOLUME_MIME, data);
    } catch (err) {
      this.payload = null;
      this.disposeViewer();
      showError(this.node, 'NeuroSTORM volume: the payload is not valid', err);
      return Promise.resolve();
    }
    if (this.isAttached) this.drawing = this.draw(this.payload);
    return Promise.resolve();
  }

  /** Moves the crosshair to niivue world millimetres (the base image's own affine). */
  moveCrosshair(mm: [number, number, number]): void {
    this.viewer?.moveCrosshairToMM(mm);
  }

  /** Draws the scene now, so a caller may read the canvas in the same task. */
  redraw(): void {
    this.viewer?.draw();
  }

  protected override onAfterAttach(): void {
    this.resizeObserver = new ResizeObserver(() => this.viewer?.resize());
    this.resizeObserver.observe(this.node);
    if (this.payload && !this.viewer) this.drawing = this.draw(this.payload);
  }

  protected override onBeforeDetach(): void {
    this.controls?.stop();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.aborter.abort();
    this.disposeViewer();
    super.dispose();
  }

  private disposeViewer(): void {
    this.controls?.stop();
    this.viewer?.dispose();
    this.viewer = null;
    this.controls = null;
  }

  private async draw(payload: VolumePayload): Promise<void> {
    const generation = ++this.generation;
    const stale = (): boolean => generation !== this.generation || this.isDisposed;
    this.disposeViewer();
    setState(this.node, 'loading');
    this.opacities = payload.layers.map(layer => layer.opacity);
    const title = document.createElement('div');
    title.className = 'jp-NeuroStormVolume-title';
    title.textContent = payload.title;
    const status = document.createElement('div');
    status.className = 'jp-NeuroStormVolume-status';
    status.textContent = 'Loading volume…';
    const stage = document.createElement('div');
    stage.className = 'jp-NeuroStormVolume-stage';
    const canvas = document.createElement('canvas');
    stage.append(canvas);

    let viewer: VolumeViewer;
    try {
      const { VolumeViewer } = await import(/* webpackChunkName: "niivue-viewer" */ './viewer');
      viewer = new VolumeViewer(canvas, sample => this.showReadout(payload, sample));
    } catch (err) {
      if (!stale()) showError(this.node, 'NeuroSTORM volume: the viewer could not be loaded', err);
      return;
    }
    if (stale()) return;
    const controls = new VolumeControls(
      {
        view: view => viewer.setView(view),
        colormap: colormap => viewer.setColormap(0, colormap),
        window: (min, max) => viewer.setWindow(0, min, max),
        opacity: (index, opacity) => {
          this.opacities[index] = opacity;
          viewer.setOpacity(index, opacity);
        },
        frame: frame => viewer.setFrame(frame)
      },
      frame => frameLabel(frame, viewer.frames(), payload.tr)
    );
    this.viewer = viewer;
    this.controls = controls;
    this.node.replaceChildren(title, controls.toolbar, controls.layers, stage, controls.time, controls.readout, status);
    try {
      await viewer.attach();
      const known = viewer.colormaps();
      const notes: string[] = [];
      const colormapOf = (name: string, layerName: string): string => {
        if (known.includes(name)) return name;
        const fallback = known.includes(this.settings.current.defaultColormap) ? this.settings.current.defaultColormap : 'gray';
        notes.push(`unknown colormap "${name}" for ${layerName}, showing ${fallback}`);
        return fallback;
      };
      const loads = await Promise.all(payload.layers.map(async (layer, i) => {
        const source = layer.source.kind === 'path' && layer.preview ? layer.preview : layer.source;
        const bytes = source.kind === 'embedded' ? decodeEmbedded(source, this.settings.current.maxEmbeddedBytes) : await fetchPathSource(source.path, this.resolver, this.aborter.signal);
        return { layer, bytes, name: niftiName(`layer${i}`, bytes), colormap: colormapOf(layer.colormap, layer.name) };
      }));
      if (stale()) return;
      await viewer.load(loads, payload.frame);
      viewer.setView(payload.view);
      controls.build(payload, known, loads[0].colormap, viewer.window(0));
      controls.buildTime(viewer.frames(), payload.frame);
      status.textContent = notes.join('; ');
      const base = payload.layers[0];
      if (base.source.kind === 'path' && base.preview) {
        status.textContent = [...notes, `showing a preview; loading ${base.source.path}…`].join('; ');
        const full = await fetchPathSource(base.source.path, this.resolver, this.aborter.signal);
        if (stale()) return;
        await viewer.replaceBase(base, full, niftiName('layer0', full), loads[0].colormap, payload.frame);
        controls.buildTime(viewer.frames(), payload.frame);
        status.textContent = notes.join('; ');
      }
      viewer.resize();
      setState(this.node, 'ready');
    } catch (err) {
      if (stale()) return;
      this.disposeViewer();
      showError(this.node, `NeuroSTORM volume "${payload.title}" could not be shown`, err);
    }
  }

  private showReadout(payload: VolumePayload, sample: CrosshairSample): void {
    if (!this.controls) return;
    const regions = payload.layers
      .map((layer, i) => ({ layer, value: sample.values[i] }))
      .filter(({ layer }, i) => layer.role === 'atlas' && this.opacities[i] > 0)
      .map(({ layer, value }) => ({ atlas: layer.name, region: regionName(layer.labels, value ?? NaN) }));
    const readout = buildReadout({ world: sample.mm, affine: payload.affine, value: sample.values[0] ?? NaN, regions });
    this.controls.readout.textContent = readoutLine(readout);
        this.controls.readout.dataset.mm = sample.mm.map(v => v.toFixed(2)).join(',');
  }
}
