/**
 * The deterministic input of the parity fixtures (shared/fixtures/neurostorm/README.md, "Input"):
 * x[b,0,d,h,w,t] = float32(sin(0.37d + 0.11h)·cos(0.23w − 0.31t) + 0.05b), evaluated in float64.
 * Also a handy smooth test signal for demos of any size.
 */
import { ShapeError } from '../errors';
import type { Vec4 } from './config';

export interface Volume6D {
  data: Float32Array;
  shape: [number, number, number, number, number, number];
}

export function fixtureInput(batch: number, imgSize: Vec4, inChans = 1): Volume6D {
  const [D, H, W, T] = imgSize;
  if (![batch, inChans, D, H, W, T].every(n => Number.isSafeInteger(n) && n > 0)) {
    throw new ShapeError(`fixtureInput: sizes must be positive integers, got batch ${batch}, channels ${inChans}, ${JSON.stringify(imgSize)}`);
  }
  const data = new Float32Array(batch * inChans * D * H * W * T);
  let i = 0;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < inChans; c++) {
      for (let d = 0; d < D; d++) {
        for (let h = 0; h < H; h++) {
          const s = Math.sin(0.37 * d + 0.11 * h);
          for (let w = 0; w < W; w++) {
            for (let t = 0; t < T; t++) data[i++] = s * Math.cos(0.23 * w - 0.31 * t) + 0.05 * b;
          }
        }
      }
    }
  }
  return { data, shape: [batch, inChans, D, H, W, T] };
}
