#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- train`: training steps of the OFFICIAL NeuroSTORM code on this CPU.

Our own harness (nothing official is copied here). It imports the official source from
$NEUROSTORM_SRC (an export of CUHK-AIM-Group/NeuroSTORM with models/ and utils/) and the stand-ins for
mamba_ssm/monai/einops from $NEUROSTORM_SHIMS (default: ../shared/reference/shims beside the repo).

Workloads, each as ns.train's step graphs do them (test/bench/train.ts):
- pretrain: NeuroSTORMMAE (window spatial mask x random time mask, ratio 0.5), every parameter
  trainable, AdamW;
- tpt: NeuroSTORM(prompt_len=P) + ClsHead v1, only the `.prompt` parameters and the head trainable
  (backbone frozen, as the official --use_prompt_tuning), BCE-with-logits, AdamW.
AdamW as the official runs: betas 0.9/0.999, eps 1e-8, weight decay 0.01.

Configurations: `official` (96^3 x 20, embed 36, depths 2,2,6,2, 50 prompts) and `cpu`, the sizes of
our kernel's --config cpu (kernel/models/config.ts cpuConfig: 48^3 x 20, embed 12, depths 1,1,1,1;
8 prompts as the bench's TPT model).

The reference selective scan of the shim is a Python loop over the sequence. Every step runs it
through a timing wrapper (same arithmetic and autograd graph, forward and backward timed), so the
output also says how much of the step the scan took. With --scan both the same model then runs the
same steps with the chunked scan of torch_chunked_scan.py (cumsum of the log decay inside chunks of 16
steps, a Python loop over the chunks only, windows in blocks; checked against the reference on the
first forward), an estimate of a vectorised scan's step time. Peak memory is this process's VmHWM; it is reset (/proc/self/clear_refs) before
the chunked-scan phase, so each phase's peak is its own.

Usage: train_torch.py --config cpu|official --what pretrain|tpt --batch N [--steps 3] [--warmup 1] [--threads 2]
       [--scan ref|both|chunked] [--budget-s SECONDS] [--max-rss-gb GB]
Prints one JSON line. Run with OMP_WAIT_POLICY=PASSIVE and OMP_NUM_THREADS=threads (the bench does):
Debian's torch spins its OpenBLAS and GOMP pools against each other otherwise.
"""
import argparse
import json
import os
import sys
import threading
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--config", choices=["cpu", "official"], required=True)
ap.add_argument("--what", choices=["pretrain", "tpt"], required=True)
ap.add_argument("--batch", type=int, required=True)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--warmup", type=int, default=1, help="untimed steps first (0: the first step is timed; the bench uses 0 at the official size, where one reference step takes minutes)")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--scan", choices=["ref", "both", "chunked"], default="both", help="chunked: only the chunked-scan phase (where one reference step does not fit in the time there is)")
ap.add_argument("--checkpoint-scan", action="store_true", help="recompute each chunked scan in the backward (torch.utils.checkpoint) instead of keeping its (batch, d_inner, L, d_state) intermediates: the memory behaviour of the official fused kernel, which recomputes its states; without it the official-size MAE step passed 16 GB")
ap.add_argument("--budget-s", type=float, default=600.0, help="fewer timed steps (min 1) when the warm-up says they will not fit")
ap.add_argument("--max-rss-gb", type=float, default=14.0, help="stop with a 'skipped' line past this resident size")
args = ap.parse_args()

src = os.environ.get("NEUROSTORM_SRC")
shims = os.environ.get("NEUROSTORM_SHIMS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "reference", "shims")
sys.path.insert(0, os.path.abspath(shims))
sys.path.insert(0, src)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.cuda.nvtx.range_push = lambda *a, **k: None  # profiling markers raise on CPU-only builds
torch.cuda.nvtx.range_pop = lambda *a, **k: None
torch.set_num_threads(args.threads)

import mamba_ssm  # noqa: E402  (the shim)
import models.neurostorm as official  # noqa: E402  (official code)
from models.heads import ClsHead  # noqa: E402  (official code)
from torch_chunked_scan import chunked_scan as vectorised_scan  # noqa: E402  (beside this file)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak():
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def watchdog(limit_kb):
    """A model that does not fit is reported, not left to the OOM killer (the machine is shared)."""
    while True:
        rss = status_kb("VmRSS")
        if rss > limit_kb:
            emit({"skipped": f"resident size passed {limit_kb / 2**20:.1f} GB (--max-rss-gb) at {rss / 2**20:.1f} GB"})
            os._exit(0)
        time.sleep(0.2)


threading.Thread(target=watchdog, args=(int(args.max_rss_gb * 2**20),), daemon=True).start()

COMMON = dict(in_chans=1, patch_size=[6, 6, 6, 1], num_heads=[3, 6, 12, 24], mlp_ratio=4.0, qkv_bias=True,
              drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0, patch_norm=False, use_checkpoint=False,
              spatial_dims=4, c_multiplier=2, last_layer_full_MSA=True, downsample="mergingv2",
              window_size=[4, 4, 4, 4], first_window_size=[4, 4, 4, 4])
CONFIGS = {
    # kernel/models/config.ts officialConfig / cpuConfig
    "official": dict(COMMON, img_size=[96, 96, 96, 20], embed_dim=36, depths=[2, 2, 6, 2]),
    "cpu": dict(COMMON, img_size=[48, 48, 48, 20], embed_dim=12, depths=[1, 1, 1, 1]),
}
PROMPTS = {"official": 50, "cpu": 8}
MAE = dict(mask_ratio=0.5, spatial_mask="window", time_mask="random", atlas_map_path=None)

cfg = CONFIGS[args.config]
torch.manual_seed(0)
np.random.seed(0)  # the official MAE masks with np.random.shuffle


def make_input(batch, img_size):
    """The fixture input formula (models.fixtureInput on our side)."""
    D, H, W, T = img_size
    b = np.arange(batch, dtype=np.float64)[:, None, None, None, None, None]
    d, h, w, t = (np.arange(n, dtype=np.float64) for n in (D, H, W, T))
    x = np.sin(0.37 * d[None, None, :, None, None, None] + 0.11 * h[None, None, None, :, None, None]) * \
        np.cos(0.23 * w[None, None, None, None, :, None] - 0.31 * t[None, None, None, None, None, :]) + 0.05 * b
    return torch.from_numpy(np.ascontiguousarray(x.astype(np.float32)))


x = make_input(args.batch, cfg["img_size"])
if args.what == "tpt":
    backbone = official.NeuroSTORM(**cfg, prompt_len=PROMPTS[args.config])
    head = ClsHead(version="v1", num_classes=2, num_tokens=cfg["embed_dim"] * 2 ** (len(cfg["depths"]) - 1))
    for n, p in backbone.named_parameters():
        p.requires_grad = n.endswith(".prompt")
    modules = torch.nn.ModuleList([backbone, head])
    target = torch.ones(args.batch, 1)

    def loss_fn():
        return F.binary_cross_entropy_with_logits(head(backbone(x)), target)
else:
    mae = official.NeuroSTORMMAE(**cfg, **MAE)
    modules = torch.nn.ModuleList([mae])

    def loss_fn():
        return mae(x)[1]

modules.train()
params = [p for p in modules.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

# ---------------------------------------------------------------------------------------------
# scans: the shim's reference loop behind a timing wrapper, and a chunked (vectorised) variant
# ---------------------------------------------------------------------------------------------
reference_scan = mamba_ssm.selective_scan_ref
scan_clock = {"s": 0.0}


class TimedScan(torch.autograd.Function):
    """Runs the reference scan on detached inputs under its own autograd graph, so its forward and
    its backward (torch.autograd.grad of that graph: what autograd would run anyway) are timed."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, z, delta_bias):
        t0 = time.perf_counter()
        ins = [t.detach().requires_grad_(t.requires_grad) for t in (u, delta, A, B, C, D, z, delta_bias)]
        with torch.enable_grad():
            out = reference_scan(*ins[:6], z=ins[6], delta_bias=ins[7], delta_softplus=True)
        ctx.ins, ctx.out = ins, out
        scan_clock["s"] += time.perf_counter() - t0
        return out.detach()

    @staticmethod
    def backward(ctx, grad):
        t0 = time.perf_counter()
        wanted = [t for t in ctx.ins if t.requires_grad]
        got = iter(torch.autograd.grad(ctx.out, wanted, grad)) if wanted else iter(())
        grads = tuple(next(got) if t.requires_grad else None for t in ctx.ins)
        ctx.ins = ctx.out = None
        scan_clock["s"] += time.perf_counter() - t0
        return grads


def timed_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, return_last_state=False):
    assert delta_softplus and not return_last_state and D is not None and z is not None and delta_bias is not None
    return TimedScan.apply(u, delta, A, B, C, D, z, delta_bias)


def chunked_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, return_last_state=False):
    """The shared vectorised stand-in (torch_chunked_scan.py, chunks of 16 steps, checked against the
    reference on the first forward) behind the scan clock: forward only, as the backward of autograd's
    graph is not separable here."""
    scan_start = time.perf_counter()
    out = vectorised_scan(u, delta, A, B, C, D, z=z, delta_bias=delta_bias, delta_softplus=delta_softplus)
    scan_clock["s"] += time.perf_counter() - scan_start
    return out


def checkpointed_chunked_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, return_last_state=False):
    """chunked_scan whose intermediates are recomputed in the backward (keeps inputs and output only)."""
    from torch.utils.checkpoint import checkpoint

    def run(u_, delta_, A_, B_, C_, D_, z_, bias_):
        return chunked_scan(u_, delta_, A_, B_, C_, D_, z=z_, delta_bias=bias_, delta_softplus=delta_softplus)

    return checkpoint(run, u, delta, A, B, C, D, z, delta_bias, use_reentrant=False)


def check_chunked():
    """Max |chunked - reference| / max |reference| over one scan of the first Mamba block's shapes."""
    g = torch.Generator().manual_seed(1)
    m = next(mod for mod in modules.modules() if isinstance(mod, mamba_ssm.Mamba))
    bl, L = 8, 300
    u = torch.randn(bl, m.d_inner, L, generator=g)
    delta = torch.randn(bl, m.d_inner, L, generator=g)
    Bm, Cm = torch.randn(bl, m.d_state, L, generator=g), torch.randn(bl, m.d_state, L, generator=g)
    z = torch.randn(bl, m.d_inner, L, generator=g)
    A = -torch.exp(m.A_log.detach())
    with torch.no_grad():
        ref = reference_scan(u, delta, A, Bm, Cm, m.D, z=z, delta_bias=m.dt_proj.bias, delta_softplus=True)
        got = chunked_scan(u, delta, A, Bm, Cm, m.D, z=z, delta_bias=m.dt_proj.bias, delta_softplus=True)
    return float((got - ref).abs().max() / ref.abs().max())


def run_steps(steps, budget_s):
    def step():
        scan_clock["s"] = 0.0
        t0 = time.perf_counter()
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return time.perf_counter() - t0, scan_clock["s"], float(loss)

    times, scans, losses = [], [], []
    if args.warmup == 0:  # the first step is also the first measurement
        t, s, l_ = step()
        first = t
        times.append(t)
        scans.append(s)
        losses.append(l_)
        steps -= 1
    for _ in range(args.warmup):
        first, _, _ = step()
    fit = max(0 if times else 1, min(steps, int((budget_s - sum(times)) // max(first, 1e-9))))
    for _ in range(fit):
        t, s, l_ = step()
        times.append(t)
        scans.append(s)
        losses.append(l_)
    return {"first_step_s": first, "step_s": times, "scan_s": scans, "loss": losses}


result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
          "trainable": sum(p.numel() for p in params), "total": sum(p.numel() for p in modules.parameters())}
mamba_ssm.selective_scan_ref = timed_scan
mamba_ssm.selective_scan_fn = timed_scan
t_start = time.perf_counter()
if args.scan != "chunked":
    result["ref"] = run_steps(args.steps, args.budget_s if args.scan == "ref" else args.budget_s / 2)
    result["ref"]["peak_rss_mb"] = status_kb("VmHWM") / 1024
if args.scan != "ref":
    left = args.budget_s - (time.perf_counter() - t_start)
    result["chunked_max_rel_diff"] = check_chunked()
    if args.scan == "chunked" or reset_peak():
        scan = checkpointed_chunked_scan if args.checkpoint_scan else chunked_scan
        mamba_ssm.selective_scan_ref = scan
        mamba_ssm.selective_scan_fn = scan
        result["chunked_checkpointed"] = args.checkpoint_scan
        result["chunked"] = run_steps(args.steps, max(left, 1.0))
        result["chunked"]["peak_rss_mb"] = status_kb("VmHWM") / 1024
emit(result)
