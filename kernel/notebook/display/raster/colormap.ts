/**
 * Colormaps for PNG fallbacks, as piecewise-linear ramps through anchor colours, and the categorical
 * palette used for plot series and atlas labels. Names follow niivue's (the renderer's) spelling;
 * a name we have no ramp for is drawn in gray in the fallback (the JupyterLab viewer still uses it).
 */
import { Rgb } from './canvas';

const RAMPS: Record<string, readonly Rgb[]> = {
  gray: [
    [0, 0, 0],
    [255, 255, 255]
  ],
  hot: [
    [0, 0, 0],
    [230, 0, 0],
    [255, 210, 0],
    [255, 255, 255]
  ],
  // viridis at 0, 0.25, 0.5, 0.75, 1 (matplotlib's _viridis_data).
  viridis: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37]
  ],
  red: [
    [0, 0, 0],
    [255, 0, 0]
  ],
  green: [
    [0, 0, 0],
    [0, 255, 0]
  ],
  blue: [
    [0, 0, 0],
    [0, 0, 255]
  ],
  warm: [
    [255, 127, 0],
    [255, 255, 0]
  ],
  cool: [
    [0, 127, 255],
    [0, 255, 255]
  ]
};

/** matplotlib's tab10, for series and atlas labels. */
export const CATEGORICAL: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207]
];

/** A 256-entry lookup table (RGB triplets) for `name`. */
export function colormapLut(name: string): Uint8Array {
  const anchors = RAMPS[name] ?? RAMPS.gray;
  const lut = new Uint8Array(256 * 3);
  const segments = anchors.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * segments;
    const k = Math.min(segments - 1, Math.floor(t));
    const f = t - k;
    for (let ch = 0; ch < 3; ch++)
      lut[i * 3 + ch] = Math.round(anchors[k][ch] + (anchors[k + 1][ch] - anchors[k][ch]) * f);
  }
  return lut;
}

export function categorical(i: number): Rgb {
  return CATEGORICAL[((i % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length];
}
