#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- model`: times the OFFICIAL NeuroSTORM code on this CPU.

Our own harness (nothing official is copied here). It imports the official source from
$NEUROSTORM_SRC (an export of CUHK-AIM-Group/NeuroSTORM with models/ and utils/) and the stand-ins for
mamba_ssm/monai/einops from $NEUROSTORM_SHIMS (default: ../shared/reference/shims beside the repo),
loads the fixture weights (weights.safetensors [+ prompts.safetensors]) and the fixture input, and
prints one JSON line: {"forward_s": [...], "forward_cpu_s": [...], "train_step_s": [...], "max_rss_mb": ..}
(wall and process CPU seconds per run; CPU time is the steadier figure on a shared machine).

Scan (forward only): `ref` times the model as it is (the shim's selective scan, a Python loop over
the sequence); `chunked` swaps in a vectorised stand-in (test/bench/torch_chunked_scan.py) and adds
"chunked_forward_s", "chunked_cpu_s", its output's max |chunked - ref| / max |ref| and its own peak
(VmHWM is reset between the phases); `both` (default) does both, the reference first.

Usage: model_torch.py <fixture dir> <runs> <forward|train> [batch (default 1)] [ref|chunked|both]
Run it with OMP_WAIT_POLICY=PASSIVE (the bench does): Debian's torch spins two thread pools otherwise.
"""
import json
import os
import resource
import struct
import sys
import time

import numpy as np

fixture, runs, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 1
scan = sys.argv[5] if len(sys.argv) > 5 else "both"
src = os.environ["NEUROSTORM_SRC"]
shims = os.environ.get("NEUROSTORM_SHIMS") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "reference", "shims")
sys.path.insert(0, os.path.abspath(shims))
sys.path.insert(0, src)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

torch.cuda.nvtx.range_push = lambda *a, **k: None  # profiling markers raise on CPU-only builds
torch.cuda.nvtx.range_pop = lambda *a, **k: None
torch.set_num_threads(2)
import mamba_ssm  # noqa: E402  (the shim)
import models.neurostorm as official  # noqa: E402
from torch_chunked_scan import chunked_scan  # noqa: E402  (beside this file)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"]).copy())
    return out


cfg = json.load(open(os.path.join(fixture, "config.json")))
prompt_len = cfg["prompt_len"] if what == "train" else 0
model = official.NeuroSTORM(**cfg["neurostorm_args"], prompt_len=prompt_len)
state = read_safetensors(os.path.join(fixture, "weights.safetensors"))
if prompt_len:
    state.update(read_safetensors(os.path.join(fixture, "prompts.safetensors")))
model.load_state_dict(state, strict=True)
D, H, W, T = cfg["neurostorm_args"]["img_size"]
d, h, w, t = np.meshgrid(np.arange(D), np.arange(H), np.arange(W), np.arange(T), indexing="ij")
x = torch.from_numpy((np.sin(0.37 * d + 0.11 * h) * np.cos(0.23 * w - 0.31 * t)).astype(np.float32)[None, None]).repeat(batch, 1, 1, 1, 1, 1)

result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": batch}


def status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def time_forward():
    """Warm-up, then `runs` timed forwards: (output of the last, wall seconds, process CPU seconds)."""
    wall, cpu = [], []
    with torch.no_grad():
        y = model(x)  # warm-up
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            y = model(x)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return y, wall, cpu


if what == "forward":
    model.eval()
    ref = None
    if scan in ("ref", "both"):
        ref, result["forward_s"], result["forward_cpu_s"] = time_forward()
        result["peak_rss_mb"] = status_mb("VmHWM")
    if scan in ("chunked", "both"):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS, so this phase's peak is its own
        mamba_ssm.selective_scan_ref = chunked_scan  # the shim's Mamba looks it up at each call
        mamba_ssm.selective_scan_fn = chunked_scan
        y, result["chunked_forward_s"], result["chunked_cpu_s"] = time_forward()
        result["chunked_peak_rss_mb"] = status_mb("VmHWM")
        if ref is not None:
            result["chunked_max_rel_diff"] = float((y - ref).abs().max() / ref.abs().max())
else:
    # One TPT step as the official LightningModel does it: prompts + head trainable, AdamW, BCE.
    head = torch.nn.Linear(model.layers[-1].blocks[0].norm1.normalized_shape[0], 1)
    for n, p in model.named_parameters():
        p.requires_grad = "prompt" in n
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
    target = torch.ones(batch, 1)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        logits = head(model(x).mean(dim=[2, 3, 4, 5]))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    result["train_step_s"] = times
result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
