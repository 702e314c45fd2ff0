/**
 * An RGB pixel buffer with the few drawing primitives the PNG fallbacks need: rectangles, lines,
 * dots and bitmap text (horizontal and rotated 90°). Integer pixel coordinates, origin top-left;
 * drawing outside the canvas is clipped.
 */
import { RasterImage } from '../png';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './font';

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const GREY: Rgb = [110, 110, 110];
export const LIGHT_GREY: Rgb = [225, 225, 225];

export type TextAlign = 'left' | 'center' | 'right';

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = c[0];
    this.pixels[i + 1] = c[1];
    this.pixels[i + 2] = c[2];
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, c);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.line(x, y, x + w, y, c);
    this.line(x + w, y, x + w, y + h, c);
    this.line(x + w, y + h, x, y + h, c);
    this.line(x, y + h, x, y, c);
  }

  /** A line from (x0,y0) to (x1,y1) (Bresenham), `width` pixels thick. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const half = Math.floor((width - 1) / 2);
    for (;;) {
      if (width <= 1) this.setPixel(x, y, c);
      else this.fillRect(x - half, y - half, width, width, c);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** A filled disc of radius r centred on (cx,cy). */
  dot(cx: number, cy: number, r: number, c: Rgb): void {
    const x0 = Math.round(cx);
    const y0 = Math.round(cy);
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r + r) this.setPixel(x0 + dx, y0 + dy, c);
  }

  static textWidth(text: string, scale = 1): number {
    return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
  }

  static textHeight(scale = 1): number {
    return GLYPH_HEIGHT * scale;
  }

  /** Draws `text` with its top at `y`; `x` is the left edge, centre or right edge per `align`. */
  text(x: number, y: number, text: string, c: Rgb, align: TextAlign = 'left', scale = 1): void {
    const w = Canvas.textWidth(text, scale);
    let left = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w);
    for (const ch of text) {
      this.glyph(left, Math.round(y), ch, c, scale, false);
      left += GLYPH_ADVANCE * scale;
    }
  }

  /** Draws `text` rotated 90° counter-clockwise (reading bottom to top), centred on (cx, cy). */
  textVertical(cx: number, cy: number, text: string, c: Rgb, scale = 1): void {
    const w = Canvas.textWidth(text, scale);
    let bottom = Math.round(cy + w / 2);
    const left = Math.round(cx - (GLYPH_HEIGHT * scale) / 2);
    for (const ch of text) {
      this.glyph(left, bottom, ch, c, scale, true);
      bottom -= GLYPH_ADVANCE * scale;
    }
  }

  private glyph(x: number, y: number, ch: string, c: Rgb, scale: number, rotated: boolean): void {
    const rows = glyphRows(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (!((rows[r] >> (GLYPH_WIDTH - 1 - col)) & 1)) continue;
        // Rotated: glyph column runs upwards from the baseline corner, glyph row runs rightwards.
        const px = rotated ? x + r * scale : x + col * scale;
        const py = rotated ? y - (col + 1) * scale : y + r * scale;
        this.fillRect(px, py, scale, scale, c);
      }
    }
  }

  toImage(): RasterImage {
    return { width: this.width, height: this.height, channels: 3, pixels: this.pixels };
  }
}
