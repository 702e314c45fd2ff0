/**
 * An `--atlas` argument must be a parcellation: voxels holding region numbers 0, 1, 2, ... A signed
 * or fractional volume (a statistical map given by mistake) would be read as thousands of one-voxel
 * "regions" by every atlas consumer (issue 13, item 11), so verbs refuse it before any work.
 */
import { UsageError } from '../errors';
import { read } from '../nifti';

/** Tolerance for labels stored as floats (scaled integers round-trip within it). */
const LABEL_TOLERANCE = 1e-3;

/** Throws a UsageError naming the flag and file when `file` is not a label volume. */
export async function checkAtlasFlag(flag: string, file: string): Promise<void> {
  const values = (await read(file)).data();
  let min = Infinity;
  let fractional: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (fractional === null && Math.abs(v - Math.round(v)) > LABEL_TOLERANCE) fractional = v;
  }
  if (min >= 0 && fractional === null) return;
  const found =
    min < 0 ? `negative values (minimum ${Number(min.toPrecision(4))})` : `fractional values such as ${Number((fractional as number).toPrecision(4))}`;
  throw new UsageError(`--${flag} is not a label atlas: it holds ${found}`, {
    file,
    hint: 'give a parcellation (voxels numbered 0 = background, 1, 2, ... per region); show a statistical map with --overlay'
  });
}
