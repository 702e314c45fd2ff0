/**
 * The in-memory NIfTI image: header, stored voxel values (x fastest, as in the file), affine, TR.
 *
 * `raw` keeps the stored datatype bit for bit (round trips are exact); `data()` gives the scaled
 * values as float32 in the same file order. `toRowMajor` (layout.ts) is the one converter to the
 * row-major order of host tensors.
 */
import { NiftiFormatError } from '../errors';
import { Affine, affineToQuaternion, bestAffine, identityAffine } from './affine';
import { datatypeInfo, datatypeOfArray, NiftiTypedArray } from './datatypes';
import { NiftiHeader, headerShape } from './header';

/** xyzt_units bits (nifti1.h). */
export const NiftiUnits = {
  UNKNOWN: 0,
  METER: 1,
  MM: 2,
  MICRON: 3,
  SEC: 8,
  MSEC: 16,
  USEC: 24,
  HZ: 32,
  PPM: 40,
  RADS: 48
} as const;

/** The NIfTI xform codes (qform_code / sform_code). */
export const XformCode = { UNKNOWN: 0, SCANNER_ANAT: 1, ALIGNED_ANAT: 2, TALAIRACH: 3, MNI_152: 4 } as const;

export interface RepetitionTime {
  /** Seconds, or null when the image has no time axis or no usable TR. */
  tr: number | null;
  /** Set when the stored value needed interpretation (units quirk); says what was done. */
  note: string | null;
}

/**
 * TR in seconds from pixdim[4] and xyzt_units. Headers in ms/us are converted. A value above 100
 * labelled seconds (or unlabelled) is read as milliseconds: no fMRI TR is minutes long, and some
 * writers (nibabel's example4d: 2000 "s") store ms under the seconds code.
 */
export function repetitionTime(h: NiftiHeader): RepetitionTime {
  if (h.dim[0] < 4) return { tr: null, note: null };
  // NIfTI-1/Analyze store float32: 0.8 reads back as 0.800000011920929; keep the decimal the writer meant.
  const value = h.format === 'nifti2' ? h.pixdim[4] : Number(h.pixdim[4].toPrecision(7));
  if (!Number.isFinite(value) || value <= 0) return { tr: null, note: null };
  const unit = h.xyztUnits & 0x38;
  if (unit === NiftiUnits.MSEC) return { tr: value / 1000, note: null };
  if (unit === NiftiUnits.USEC) return { tr: value / 1e6, note: null };
  if (unit !== NiftiUnits.SEC && unit !== NiftiUnits.UNKNOWN) {
    return { tr: null, note: `time unit code ${unit} is not a time (Hz/ppm/rad/s); TR unknown` };
  }
  if (value > 100) {
    const label = unit === NiftiUnits.SEC ? 'seconds' : 'no unit';
    return { tr: value / 1000, note: `pixdim[4] = ${value} labelled ${label}; read as milliseconds` };
  }
  return { tr: value, note: null };
}

/** The effective scaling: slope 0 or non-finite means "no scaling" (NIfTI-1 standard). */
export function effectiveScaling(h: NiftiHeader): { slope: number; inter: number } {
  const slope = h.sclSlope;
  if (!Number.isFinite(slope) || slope === 0) return { slope: 1, inter: 0 };
  return { slope, inter: Number.isFinite(h.sclInter) ? h.sclInter : 0 };
}

export class NiftiImage {
  /** The file it was read from, or null for an image built in memory. */
  readonly file: string | null;
  readonly header: NiftiHeader;
  readonly shape: number[];
  /** Voxel-to-world, 4x4 rows, millimetres (standard precedence: sform, qform, fallback). */
  readonly affine: Affine;
  /** Seconds, or null. */
  readonly tr: number | null;
  /** How the TR was interpreted, when the header needed it (see repetitionTime). */
  readonly trNote: string | null;
  /** NIfTI datatype code of the stored values. */
  readonly datatype: number;
  /** Stored values, file order (x fastest), native byte order. Do not mutate. */
  readonly raw: NiftiTypedArray;
  readonly slope: number;
  readonly inter: number;
  private scaled: Float32Array | null = null;

  constructor(header: NiftiHeader, raw: NiftiTypedArray, file: string | null) {
    const shape = headerShape(header);
    const voxels = shape.reduce((a, b) => a * b, 1);
    if (raw.length !== voxels) {
      throw new NiftiFormatError(
        `voxel array holds ${raw.length} values; shape ${shape.join('x')} needs ${voxels}`,
        {
          file: file ?? undefined
        }
      );
    }
    this.file = file;
    this.header = header;
    this.shape = shape;
    this.affine = bestAffine(header);
    const tr = repetitionTime(header);
    this.tr = tr.tr;
    this.trNote = tr.note;
    this.datatype = header.datatype;
    this.raw = raw;
    const { slope, inter } = effectiveScaling(header);
    this.slope = slope;
    this.inter = inter;
  }

  /** Voxel sizes as stored, pixdim[1..ndim] (the 4th is the TR in the header's own unit). */
  get zooms(): number[] {
    return this.header.pixdim.slice(1, 1 + this.shape.length);
  }

  /** Scaled values (raw * slope + inter) as float32, file order (x fastest). Computed once. */
  data(): Float32Array {
    if (this.scaled) return this.scaled;
    const raw = this.raw;
    if (raw instanceof Float32Array && this.slope === 1 && this.inter === 0) {
      this.scaled = raw;
      return raw;
    }
    const out = new Float32Array(raw.length);
    const { slope, inter } = this;
    if (slope === 1 && inter === 0) out.set(raw);
    else for (let i = 0; i < raw.length; i++) out[i] = raw[i] * slope + inter;
    this.scaled = out;
    return out;
  }
}

/** What `createImage` needs: stored values (their array type picks the datatype) and a shape. */
export interface NiftiImageInit {
  data: NiftiTypedArray;
  shape: number[];
  /** Voxel-to-world, 4x4 rows, mm; default identity. */
  affine?: Affine;
  /** Seconds; written to pixdim[4] with xyzt_units seconds. */
  tr?: number | null;
  sclSlope?: number;
  sclInter?: number;
  qformCode?: number;
  sformCode?: number;
  intentCode?: number;
  intentName?: string;
  descrip?: string;
  calMin?: number;
  calMax?: number;
}

/** Builds a NIfTI-1 header for an in-memory image (qform and sform both from the affine). */
export function headerFor(init: NiftiImageInit): NiftiHeader {
  const { shape } = init;
  if (shape.length < 1 || shape.length > 7 || shape.some(n => !Number.isSafeInteger(n) || n < 1)) {
    throw new NiftiFormatError(`shape [${shape.join(', ')}] is not a NIfTI shape (1 to 7 sizes >= 1)`);
  }
  const affine = init.affine ?? identityAffine();
  const q = affineToQuaternion(affine);
  const datatype = datatypeOfArray(init.data);
  const pixdim = [q.qfac, q.zooms[0], q.zooms[1], q.zooms[2], 0, 0, 0, 0];
  if (shape.length >= 4) pixdim[4] = init.tr ?? 0;
  for (let i = 5; i <= shape.length; i++) pixdim[i] = 1;
  const dim = [shape.length, ...shape, ...new Array(7 - shape.length).fill(1)];
  return {
    format: 'nifti1',
    pair: false,
    littleEndian: true,
    sizeofHdr: 348,
    dim,
    intentP1: 0,
    intentP2: 0,
    intentP3: 0,
    intentCode: init.intentCode ?? 0,
    intentName: init.intentName ?? '',
    datatype,
    bitpix: datatypeInfo(datatype).bytes * 8,
    sliceStart: 0,
    sliceEnd: 0,
    sliceCode: 0,
    sliceDuration: 0,
    pixdim,
    voxOffset: 352,
    sclSlope: init.sclSlope ?? 1,
    sclInter: init.sclInter ?? 0,
    xyztUnits: NiftiUnits.MM | NiftiUnits.SEC,
    calMax: init.calMax ?? 0,
    calMin: init.calMin ?? 0,
    toffset: 0,
    glmax: 0,
    glmin: 0,
    descrip: init.descrip ?? '',
    auxFile: '',
    qformCode: init.qformCode ?? XformCode.ALIGNED_ANAT,
    sformCode: init.sformCode ?? XformCode.ALIGNED_ANAT,
    quaternB: q.b,
    quaternC: q.c,
    quaternD: q.d,
    qoffsetX: q.offset[0],
    qoffsetY: q.offset[1],
    qoffsetZ: q.offset[2],
    srowX: [...affine[0]],
    srowY: [...affine[1]],
    srowZ: [...affine[2]],
    dimInfo: 0,
    magic: 'n+1'
  };
}

/** An in-memory image from stored values; `ns.nifti.write` writes it. */
export function createImage(init: NiftiImageInit): NiftiImage {
  return new NiftiImage(headerFor(init), init.data, null);
}
