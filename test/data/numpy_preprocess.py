"""NeuroSTORM volume preprocessing (spec 6.1) in nibabel + NumPy, for a run already on FSL's MNI
2 mm LAS grid (91x109x91): the peer that test/data/preprocess.test.ts and the preprocess bench
compare with.

usage: numpy_preprocess.py SRC OUT [--tr SECONDS] [--mask MASK]
Writes OUT as int8 frames [T, 96, 96, 96] (row-major) and prints {"seconds", "peakRssMb"} as JSON.
"""
import json
import resource
import sys
import time

import nibabel as nib
import numpy as np

args = sys.argv[1:]
src, out = args[0], args[1]
tr = float(args[args.index('--tr') + 1]) if '--tr' in args else None
mask = args[args.index('--mask') + 1] if '--mask' in args else None

t0 = time.perf_counter()
img = nib.load(src)
data = img.get_fdata(dtype=np.float32)            # x, y, z, t as stored (already on the grid)
if tr is None:
    tr = float(img.header.get_zooms()[3])
T = data.shape[3]
n = max(int(round(T * tr / 0.8)), 1)             # step 3: linear, align_corners=False
if n != T:
    pos = np.maximum((np.arange(n) + 0.5) * T / n - 0.5, 0)
    i0 = np.minimum(np.floor(pos).astype(int), T - 1)
    i1 = np.minimum(i0 + 1, T - 1)
    lam = (pos - i0).astype(np.float32)
    a = data[..., i0]
    data = a + lam * (data[..., i1] - a)
data = data[:, 6:102, :, :]                        # step 4: centre crop 109 -> 96
if mask is None:
    bg = data == 0                                 # step 5: background = data == 0 (4D)
else:
    m = np.asanyarray(nib.load(mask).dataobj)[:, 6:102, :]
    bg = np.broadcast_to((m == 0)[..., None], data.shape)
np.nan_to_num(data, copy=False, nan=0.0)        # NaN counts as 0 (foreground)
np.maximum(data, 0, out=data)                      # negatives -> 0, still foreground
fg = data[~bg]
mean = fg.mean(dtype=np.float64)
std = fg.std(dtype=np.float64, ddof=1)             # step 6: unbiased sd over foreground voxel-frames
lo = fg.min()
del fg
x = (data - mean) / std
x[bg] = (lo - mean) / std                          # background = min normalised foreground
scale = np.abs(x).max() / 127                      # step 7: int8
q = np.clip(np.round(x / scale), -127, 127).astype(np.int8)
qb = np.int8(np.round(((lo - mean) / std) / scale))
q = np.pad(q, ((3, 2), (0, 0), (3, 2), (0, 0)), constant_values=qb)   # 91 -> 96: 3 + 2 (spec 6.2)
np.ascontiguousarray(q.transpose(3, 0, 1, 2)).tofile(out)              # [T, X, Y, Z] row-major
seconds = time.perf_counter() - t0
print(json.dumps({'seconds': seconds, 'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'scale': float(scale)}))
