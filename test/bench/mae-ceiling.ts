/**
 * `npm run bench -- mae-ceiling [--data DIR] [--clips 40] [--pool 2]`
 *
 * Is there anything for the MAE to learn on the CPU input (centred, pooled) of a synthetic cohort
 * beyond outputting 0? Splits each clip's fluctuation energy (mean square after centring, the
 * trivial reconstruction's loss) into the part shared with other voxels / frames and the rest:
 *  - spatial: Σ x_v(t) x_{v+d}(t) / Σ x_v(t)² over in-brain pairs d voxels apart along each axis
 *    (independent noise adds to the denominator only, so this is the shared fraction at that lag);
 *  - temporal: the same with the same voxel one frame apart;
 *  - the global-mean predictor x̂_v(t) = β_v g(t), g the in-brain mean time course, β_v per voxel
 *    fitted in-sample (1 of T degrees of freedom: optimistic by ~1/T);
 *  - the 6-neighbour-mean predictor x̂_v(t) = β n_v(t) (β one scalar), what a local estimator
 *    reaches when neighbours are visible (inside a masked window they are not).
 * Every fraction is of the clip's total fluctuation energy, all voxels included (the MAE's loss
 * averages over every voxel of a masked patch, background too).
 */
import * as os from 'os';
import { labelledClips } from '../../kernel/train/samples';
import { readBatch } from '../../kernel/data/sampler';
import { cohort } from '../train/cohort';

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

export async function main(args: string[]): Promise<void> {
  const data = arg(args, 'data', '') || (await cohort('benefit-pre', { subjects: 40, sessions: 1, frames: 20, seed: 31 }));
  const nClips = Number(arg(args, 'clips', '40'));
  const pool = Number(arg(args, 'pool', '2'));
  process.stdout.write(`load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}; data ${data}\n`);
  const samples = (await labelledClips(data, 'mae')).samples;
  const step = Math.max(1, Math.floor(samples.length / nClips));
  const chosen = samples.filter((_, i) => i % step === 0).slice(0, nClips);
  const lags = [1, 2, 3, 6, 12];
  const acc = { energy: 0, fgEnergy: 0, fgVoxels: 0, voxels: 0, spatial: lags.map(() => [0, 0]), temporal: [0, 0], globalRes: 0, neighbourRes: 0 };
  const rms: number[] = [];
  for (const s of chosen) {
    const b = await readBatch([{ cache: s.cache, start: s.start, length: s.frames, subject: s.subject }], pool, new Map(), true);
    const [, , E, , , T] = b.shape;
    const x = b.data;
    const V = E * E * E;
    const fg = new Uint8Array(V);
    let energy = 0;
    let fgEnergy = 0;
    let nfg = 0;
    for (let v = 0; v < V; v++) {
      let e = 0;
      for (let t = 0; t < T; t++) e += x[v * T + t] ** 2;
      energy += e;
      if (e > 0) {
        fg[v] = 1;
        fgEnergy += e;
        nfg++;
      }
    }
    acc.energy += energy;
    acc.fgEnergy += fgEnergy;
    acc.fgVoxels += nfg;
    acc.voxels += V;
    rms.push(Math.sqrt(fgEnergy / (nfg * T)));
    const strides = [E * E, E, 1];
    for (const [li, d] of lags.entries()) {
      for (const st of strides) {
        for (let v = 0; v < V; v++) {
          const w = v + d * st;
          const coord = Math.floor(v / st) % E;
          if (coord + d >= E || !fg[v] || !fg[w]) continue;
          let c = 0, e = 0;
          for (let t = 0; t < T; t++) {
            c += x[v * T + t] * x[w * T + t];
            e += 0.5 * (x[v * T + t] ** 2 + x[w * T + t] ** 2);
          }
          acc.spatial[li][0] += c;
          acc.spatial[li][1] += e;
        }
      }
    }
    for (let v = 0; v < V; v++) {
      if (!fg[v]) continue;
      for (let t = 0; t + 1 < T; t++) {
        acc.temporal[0] += x[v * T + t] * x[v * T + t + 1];
        acc.temporal[1] += 0.5 * (x[v * T + t] ** 2 + x[v * T + t + 1] ** 2);
      }
    }
    const g = new Float64Array(T);
    for (let v = 0; v < V; v++) if (fg[v]) for (let t = 0; t < T; t++) g[t] += x[v * T + t] / nfg;
    const gg = g.reduce((a, u) => a + u * u, 0);
    for (let v = 0; v < V; v++) {
      if (!fg[v]) continue;
      let xg = 0, xx = 0;
      for (let t = 0; t < T; t++) {
        xg += x[v * T + t] * g[t];
        xx += x[v * T + t] ** 2;
      }
      acc.globalRes += xx - (xg * xg) / gg;
    }
    // 6-neighbour mean with one fitted scalar per clip
    let xn = 0, nn = 0, xx = 0;
    const nb = new Float64Array(T);
    for (let v = 0; v < V; v++) {
      if (!fg[v]) continue;
      nb.fill(0);
      let k = 0;
      for (const st of strides) {
        const coord = Math.floor(v / st) % E;
        for (const w of [coord > 0 ? v - st : -1, coord < E - 1 ? v + st : -1]) {
          if (w < 0) continue;
          k++;
          for (let t = 0; t < T; t++) nb[t] += x[w * T + t];
        }
      }
      for (let t = 0; t < T; t++) {
        const n = nb[t] / k;
        xn += x[v * T + t] * n;
        nn += n * n;
        xx += x[v * T + t] ** 2;
      }
    }
    acc.neighbourRes += xx - (xn * xn) / nn;
  }
  const T = chosen[0].frames;
  process.stdout.write(`${chosen.length} clips, pool ${pool}, ${T} frames\n`);
  process.stdout.write(`trivial (output 0) mean square, all voxels: ${(acc.energy / (acc.voxels * T)).toPrecision(4)}; in-brain voxels ${(acc.fgVoxels / acc.voxels * 100).toFixed(1)}%, their mean square ${(acc.fgEnergy / (acc.fgVoxels * T)).toPrecision(4)}\n`);
  process.stdout.write(`per-clip in-brain RMS: mean ${(rms.reduce((a, b) => a + b, 0) / rms.length).toPrecision(4)}, min ${Math.min(...rms).toPrecision(4)}, max ${Math.max(...rms).toPrecision(4)}\n`);
  for (const [li, d] of lags.entries()) process.stdout.write(`spatial shared fraction at ${d} voxel(s) (${d * 2 * pool} mm): ${(acc.spatial[li][0] / acc.spatial[li][1]).toFixed(3)}\n`);
  process.stdout.write(`temporal shared fraction at 1 frame: ${(acc.temporal[0] / acc.temporal[1]).toFixed(3)}\n`);
  process.stdout.write(`global-mean predictor (β per voxel, in-sample): explains ${(1 - acc.globalRes / acc.fgEnergy).toFixed(3)} of the energy\n`);
  process.stdout.write(`6-neighbour-mean predictor (one β per clip): explains ${(1 - acc.neighbourRes / acc.fgEnergy).toFixed(3)} of the energy\n`);
}
