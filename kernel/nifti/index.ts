/**
 * `ns.nifti`: NIfTI-1/2 and Analyze 7.5 read/write.
 *
 *   const img = await ns.nifti.read('sub-01_bold.nii.gz');   // img.shape, img.affine, img.tr, img.data()
 *   await ns.nifti.write('copy.nii.gz', img);
 */
export { read, readHeader, parseNifti, parseNiftiPair, pairPaths } from './read';
export { write, encodeHeader, encodeData, encodeNiftiGz } from './write';
export type { WriteOptions } from './write';
export {
  NiftiImage,
  createImage,
  headerFor,
  repetitionTime,
  effectiveScaling,
  NiftiUnits,
  XformCode
} from './image';
export type { NiftiImageInit, RepetitionTime } from './image';
export type { NiftiHeader, NiftiFormat } from './header';
export { headerShape } from './header';
export type { FrameWindow, DecodeOptions } from './decode';
export { NiftiDatatype, SUPPORTED_DATATYPES, datatypeOfArray } from './datatypes';
export type { NiftiTypedArray } from './datatypes';
export {
  bestAffine,
  qformAffine,
  sformAffine,
  axisCodes,
  voxelSizes,
  invertAffine,
  multiplyAffines,
  affineToQuaternion
} from './affine';
export type { Affine } from './affine';
export { toRowMajor, fromRowMajor } from './layout';
