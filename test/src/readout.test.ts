import { buildReadout, worldToVoxel, formatValue, frameLabel, labelColormap, readoutLine, regionName, voxelToWorld } from '../../src/volume/readout';

// FSL MNI152 2 mm grid (LAS): origin voxel (45, 63, 36) is MNI (0, 0, 0).
const MNI_2MM = [[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]];

describe('crosshair readout', () => {
  it('maps voxels to MNI millimetres through the affine', () => {
    expect(voxelToWorld(MNI_2MM, [45, 63, 36])).toEqual([0, 0, 0]);
    expect(voxelToWorld(MNI_2MM, [0, 0, 0])).toEqual([90, -126, -72]);
  });

  it('inverts the affine, including an oblique one', () => {
    expect(worldToVoxel(MNI_2MM, [0, 0, 0])).toEqual([45, 63, 36]);
    // nibabel/example4d.nii.gz's oblique sform (nibabel: img.affine).
    const oblique = [[-2, 0, 0, 117.86], [0, 1.9743, 0.3621, -35.72], [0, -0.3226, 2.2156, -7.248], [0, 0, 0, 1]];
    const back = worldToVoxel(oblique, voxelToWorld(oblique, [10, 20, 5]));
    back.forEach((v, k) => expect(v).toBeCloseTo([10, 20, 5][k], 9));
    expect(() => worldToVoxel([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], [0, 0, 0])).toThrow('singular');
  });

  it('names atlas regions by rounded value; 0 is background', () => {
    const labels = { '1': 'Precentral_L', '170': 'Vermis' };
    expect(regionName(labels, 1.0000001)).toBe('Precentral_L');
    expect(regionName(labels, 169.6)).toBe('Vermis');
    expect(regionName(labels, 0)).toBeNull();
    expect(regionName(labels, 7)).toBe('label 7');
  });

  it('builds one readable line', () => {
    const r = buildReadout({ world: [2.3, -0.4, 0.2], affine: MNI_2MM, value: 0.73456, regions: [{ atlas: 'AAL3', region: 'Precentral_L' }] });
    expect(readoutLine(r)).toBe('MNI (2.0, 0.0, 0.0) mm · voxel [44, 63, 36] · value 0.7346 · AAL3: Precentral_L');
    expect(formatValue(3100)).toBe('3100');
    expect(formatValue(0.00001234)).toBe('1.234e-5');
  });

  it('labels frames 1-based with time from TR', () => {
    expect(frameLabel(0, 20, 2)).toBe('frame 1 / 20 · t = 0.0 s');
    expect(frameLabel(4, 20, null)).toBe('frame 5 / 20');
  });

  it('builds a label colour table with transparent background and distinct colours', () => {
    const lut = labelColormap({ '1': 'a', '2': 'b', '170': 'c' });
    expect(lut.I).toEqual([0, 1, 2, 170]);
    expect(lut.A).toEqual([0, 255, 255, 255]);
    expect(lut.labels).toEqual(['', 'a', 'b', 'c']);
    expect(`${lut.R[1]},${lut.G[1]},${lut.B[1]}`).not.toBe(`${lut.R[2]},${lut.G[2]},${lut.B[2]}`);
  });
});
