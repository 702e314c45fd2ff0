"""Dumps what nibabel reads from each NIfTI/Analyze file, for test/nifti/nibabel.test.ts.

usage: nibabel_dump.py OUTDIR FILE...
Writes OUTDIR/index.json (header fields as stored, affine, shape, scaling) and, for files with
voxel data, OUTDIR/<i>.raw (unscaled values, little-endian, stored dtype) and OUTDIR/<i>.f32
(get_fdata() as float32).
"""
import json
import os
import sys

import nibabel as nib
import numpy as np
from nibabel.openers import ImageOpener


def raw_header(img, path):
    hdr_path = path
    if path.endswith('.img'):
        hdr_path = path[:-4] + '.hdr'
    with ImageOpener(hdr_path) as f:
        return type(img.header).from_fileobj(f, check=False)


def scalar(v):
    v = np.asarray(v)
    if v.dtype.kind in 'SU':
        return v.item().decode('latin1') if isinstance(v.item(), bytes) else str(v.item())
    out = v.tolist()
    if isinstance(out, float) and not np.isfinite(out):
        return str(out)
    return out


out_dir = sys.argv[1]
entries = []
for i, path in enumerate(sys.argv[2:]):
    img = nib.load(path)
    h = raw_header(img, path)
    fields = {}
    for name in h.keys():
        fields[name] = scalar(h[name])
    entry = {
        'file': path,
        'class': type(img).__name__,
        'shape': list(img.shape),
        'affine': img.affine.tolist(),
        'fields': fields,
        'hasData': True,
    }
    try:
        raw = np.asanyarray(img.dataobj.get_unscaled())
        scaled = img.get_fdata().astype(np.float32)
        entry['slope'] = float(img.dataobj.slope)
        entry['inter'] = float(img.dataobj.inter)
        entry['rawDtype'] = raw.dtype.newbyteorder('<').str
        raw.astype(raw.dtype.newbyteorder('<')).ravel(order='F').tofile(os.path.join(out_dir, f'{i}.raw'))
        scaled.astype('<f4').ravel(order='F').tofile(os.path.join(out_dir, f'{i}.f32'))
    except FileNotFoundError:
        entry['hasData'] = False
    entries.append(entry)

with open(os.path.join(out_dir, 'index.json'), 'w') as f:
    json.dump(entries, f)
