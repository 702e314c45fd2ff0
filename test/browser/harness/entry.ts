/**
 * Test page for the renderers outside JupyterLab: creates renderers through the extension's own
 * factory, feeds them MIME models like an output area does (renderModel again on
 * update_display_data) and exposes a small API on `window.nsHarness` for the browser tests.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import extension, { rendererSettings } from '../../../src/index';
import { DEFAULT_SETTINGS, type RendererSettings } from '../../../src/settings';
import '../../../style/index.css';

interface Rendered {
  widget: IRenderMime.IRenderer & { ready?: Promise<void>; moveCrosshair?(mm: number[]): void; redraw?(): void };
  mime: string;
}

const outputs: Rendered[] = [];

function model(mime: string, data: unknown): IRenderMime.IMimeModel {
  return {
    trusted: false,
    data: { [mime]: data as IRenderMime.IMimeModel['data'][string], 'text/plain': 'fallback' },
    metadata: {},
    setData: () => undefined
  };
}

/** Pixel statistics of a canvas: how many pixels differ from the corner colour, and a checksum. */
function canvasStats(canvas: HTMLCanvasElement): { width: number; height: number; nonBackground: number; checksum: number; pixels: Uint8ClampedArray } {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const ctx = copy.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  ctx.drawImage(canvas, 0, 0);
  const pixels = ctx.getImageData(0, 0, copy.width, copy.height).data;
  const [r0, g0, b0] = [pixels[0], pixels[1], pixels[2]];
  let nonBackground = 0;
  let checksum = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (Math.abs(pixels[i] - r0) + Math.abs(pixels[i + 1] - g0) + Math.abs(pixels[i + 2] - b0) > 12) nonBackground++;
    checksum = (checksum * 31 + pixels[i] + pixels[i + 1] * 7 + pixels[i + 2] * 13) >>> 0;
  }
  return { width: copy.width, height: copy.height, nonBackground, checksum, pixels };
}

const harness = {
  /** Renders one output into a new cell-like box; returns its index. */
  async render(mime: string, data: unknown, width = 900): Promise<number> {
    const host = document.createElement('div');
    host.className = 'cell';
    host.style.width = `${width}px`;
    document.getElementById('outputs')?.append(host);
    const factory = extension.rendererFactory;
    if (!factory) throw new Error('extension has no renderer factory');
    const widget = factory.createRenderer({ mimeType: mime, sanitizer: { sanitize: (s: string) => s }, resolver: null, linkHandler: null, latexTypesetter: null }) as Rendered['widget'];
    await widget.renderModel(model(mime, data));
    Widget.attach(widget, host);
    await widget.ready;
    outputs.push({ widget, mime });
    return outputs.length - 1;
  },

  /** Sends an update_display_data to output `index`. */
  async update(index: number, data: unknown): Promise<void> {
    const { widget, mime } = outputs[index];
    await widget.renderModel(model(mime, data));
    await widget.ready;
  },

  node(index: number): HTMLElement {
    return outputs[index].widget.node;
  },

  /** Draws the volume of output `index` and returns its canvas pixel statistics (same task as the draw). */
  volumeStats(index: number): { width: number; height: number; nonBackground: number; checksum: number } {
    const { widget } = outputs[index];
    widget.redraw?.();
    const canvas = widget.node.querySelector('canvas');
    if (!canvas) throw new Error('no canvas');
    const { width, height, nonBackground, checksum } = canvasStats(canvas);
    return { width, height, nonBackground, checksum };
  },

  /** Fraction of canvas pixels that differ between two draws, around an action. */
  volumeDiff(index: number, action: () => void): number {
    const { widget } = outputs[index];
    const canvas = widget.node.querySelector('canvas') as HTMLCanvasElement;
    widget.redraw?.();
    const before = canvasStats(canvas).pixels;
    action();
    widget.redraw?.();
    const after = canvasStats(canvas).pixels;
    let changed = 0;
    for (let i = 0; i < before.length; i += 4) if (before[i] !== after[i] || before[i + 1] !== after[i + 1] || before[i + 2] !== after[i + 2]) changed++;
    return changed / (before.length / 4);
  },

  moveCrosshair(index: number, mm: number[]): void {
    outputs[index].widget.moveCrosshair?.(mm);
  },

  setSettings(patch: Partial<RendererSettings>): void {
    rendererSettings.update({ ...DEFAULT_SETTINGS, ...rendererSettings.current, ...patch });
  },

  setTheme(mode: 'light' | 'dark'): void {
    document.body.dataset.jpThemeLight = mode === 'light' ? 'true' : 'false';
    document.body.classList.toggle('dark', mode === 'dark');
  }
};

declare global {
  interface Window {
    nsHarness: typeof harness;
    nsInjected?: string[];
  }
}

window.nsHarness = harness;
document.body.dataset.harness = 'ready';
