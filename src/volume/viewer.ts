/**
 * The niivue scene of one volume output: loads layers, switches views and frames, sets colormaps,
 * windows and opacities, and reports crosshair moves. DOM controls live in controls.ts; this file
 * is the only one that talks to niivue.
 */
import { Niivue, NVImage, SHOW_RENDER, MULTIPLANAR_TYPE, SLICE_TYPE, type NiiVueLocation } from '@niivue/niivue';
import type { VolumeLayer, VolumePayload } from '../../kernel/notebook/display/payload-types';
import { labelColormap } from './readout';

/**
 * The crosshair: world millimetres (niivue's frame, from the base image's sform/qform) and each
 * layer's value there. niivue's voxel indices are in its internal RAS reslicing, so the readout
 * derives stored voxel indices from `mm` and the payload affine instead.
 */
export interface CrosshairSample {
  mm: number[];
  values: number[];
}

const VIEW_TO_SLICE: Record<VolumePayload['view'], SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  render: SLICE_TYPE.RENDER
};

export class VolumeViewer {
  private readonly nv: Niivue;
  private images: NVImage[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    onCrosshair: (sample: CrosshairSample) => void
  ) {
    this.nv = new Niivue({
      backColor: [0, 0, 0, 1],
      crosshairColor: [1, 0.2, 0.2, 1],
      // niivue's default unit is voxels, which draws 4 mm bars on coarse fMRI grids.
      crosshairWidth: 1,
      crosshairWidthUnit: 'mm',
      show3Dcrosshair: true,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      multiplanarLayout: MULTIPLANAR_TYPE.GRID,
      isColorbar: false,
      isResizeCanvas: true,
      logLevel: 'error',
      loadingText: ''
    });
    this.nv.onLocationChange = (location: unknown) => onCrosshair(this.sample(location as NiiVueLocation));
  }

  /** Attaches to the canvas (needs the canvas in the document for its WebGL2 context). */
  async attach(): Promise<void> {
    await this.nv.attachToCanvas(this.canvas);
  }

  /** Names of the colormaps niivue knows. */
  colormaps(): string[] {
    return this.nv.colormaps();
  }

  /** Adds the layers in order (the first is the base). `colormaps[i]` is the resolved colormap of layer i. */
  async load(layers: { layer: VolumeLayer; bytes: ArrayBuffer; name: string; colormap: string }[], frame: number): Promise<void> {
    for (const { layer, bytes, name, colormap } of layers) {
      const image = await NVImage.loadFromUrl({
        url: name,
        name,
        buffer: bytes,
        colormap: layer.role === 'atlas' ? 'gray' : colormap,
        opacity: layer.opacity,
        cal_min: layer.window?.min ?? NaN,
        cal_max: layer.window?.max ?? NaN,
        trustCalMinMax: layer.window !== null,
        frame4D: 0
      });
      if (layer.role === 'atlas') image.setColormapLabel(labelColormap(layer.labels ?? {}));
      this.images.push(image);
      this.nv.addVolume(image);
    }
    this.setFrame(frame);
    // Report the starting crosshair, so the readout is filled before the first click.
    this.nv.createOnLocationChange();
  }

  /** Replaces the base layer's bytes (a full-resolution file after its preview). */
  async replaceBase(layer: VolumeLayer, bytes: ArrayBuffer, name: string, colormap: string, frame: number): Promise<void> {
    const image = await NVImage.loadFromUrl({ url: name, name, buffer: bytes, colormap, opacity: layer.opacity, cal_min: layer.window?.min ?? NaN, cal_max: layer.window?.max ?? NaN, trustCalMinMax: layer.window !== null });
    this.nv.removeVolume(this.images[0]);
    this.images[0] = image;
    this.nv.addVolume(image);
    this.nv.setVolume(image, 0);
    this.setFrame(frame);
  }

  /** Number of frames of the base layer (1 for a 3D image). */
  frames(): number {
    return this.images[0]?.nFrame4D ?? 1;
  }

  /** Shows frame `frame` of every 4D layer; the readout then reports that frame's values. */
  setFrame(frame: number): void {
    let changed = false;
    for (const image of this.images) {
      const n = image.nFrame4D ?? 1;
      if (n > 1) {
        this.nv.setFrame4D(image.id, Math.min(frame, n - 1));
        changed = true;
      }
    }
    if (changed) this.nv.createOnLocationChange();
  }

  setView(view: VolumePayload['view']): void {
    this.nv.setSliceType(VIEW_TO_SLICE[view]);
  }

  setColormap(index: number, colormap: string): void {
    const image = this.images[index];
    if (!image) return;
    image.colormap = colormap;
    this.nv.updateGLVolume();
  }

  /** Sets the display window of a layer (cal_min/cal_max). */
  setWindow(index: number, min: number, max: number): void {
    const image = this.images[index];
    if (!image || !(min < max)) return;
    image.cal_min = min;
    image.cal_max = max;
    this.nv.updateGLVolume();
  }

  /** The window niivue chose for a layer (robust percentiles unless the payload set one). */
  window(index: number): { min: number; max: number } | null {
    const image = this.images[index];
    if (!image || image.cal_min === undefined || image.cal_max === undefined) return null;
    return { min: image.cal_min, max: image.cal_max };
  }

  /** Sets a layer's opacity (0 hides it) and refreshes the readout, which names only visible atlases. */
  setOpacity(index: number, opacity: number): void {
    if (!this.images[index]) return;
    this.nv.setOpacity(index, opacity);
    this.nv.createOnLocationChange();
  }

  /** Moves the crosshair to world coordinates (niivue's mm, from the base image header). */
  moveCrosshairToMM(mm: [number, number, number]): void {
    this.nv.scene.crosshairPos = this.nv.mm2frac(mm);
    this.nv.drawScene();
    this.nv.createOnLocationChange();
  }

  /** Redraws after the canvas changed size. */
  resize(): void {
    this.nv.resizeListener();
  }

  /** Draws now (tests read pixels right after). */
  draw(): void {
    this.nv.drawScene();
  }

  /** Frees the WebGL context: browsers allow only a few, and a notebook may hold many outputs. */
  dispose(): void {
    const gl = this.nv.gl;
    this.nv.cleanup();
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    this.images = [];
  }

  private sample(location: NiiVueLocation): CrosshairSample {
    return { mm: Array.from(location.mm).slice(0, 3), values: location.values.map(v => v.value) };
  }
}
