"""A vectorised stand-in for the reference selective scan, for PyTorch-side benchmark estimates.

Our own code. The shim's mamba_ssm.selective_scan_ref (shared/reference/shims) loops over the
sequence in Python, step by step; the official CUDA kernel is not available on a CPU. This computes
the same function with the sequence in chunks of CHUNK steps: inside a chunk the state is
h_t = exp(P_t) (h_in + cumsum_s exp(-P_s) dBu_s), P the chunk's cumulative log decay (|P| is bounded
by the chunk's decays, so exp(-P) stays finite for the model's decays: callers check it against the
reference), and only the chunks are looped over. Windows are processed in blocks of about
BLOCK_ELEMENTS state elements, so memory stays bounded at any batch (the reference materialises
exp(dt A) and dt B u for the whole batch at once).
"""
import torch
import torch.nn.functional as F

CHUNK = 16
BLOCK_ELEMENTS = 1 << 22


def _scan_block(u, dt, A, B, C):
    b, d, l = u.shape
    n = A.shape[1]
    pad = (-l) % CHUNK
    la = torch.einsum("bdl,dn->bdln", dt, A)  # log decay, <= 0
    dbu = torch.einsum("bdl,bnl,bdl->bdln", dt, B, u)
    if pad:
        la = F.pad(la, (0, 0, 0, pad))
        dbu = F.pad(dbu, (0, 0, 0, pad))
    c = (l + pad) // CHUNK
    la = la.reshape(b, d, c, CHUNK, n)
    dbu = dbu.reshape(b, d, c, CHUNK, n)
    P = torch.cumsum(la, dim=3)
    eP = torch.exp(P)
    intra = eP * torch.cumsum(dbu / eP, dim=3)  # state from inside the chunk
    decay_end = eP[:, :, :, -1]  # (b, d, c, n)
    carries = [torch.zeros(b, d, n, dtype=u.dtype)]
    for i in range(c - 1):
        carries.append(decay_end[:, :, i] * carries[-1] + intra[:, :, i, -1])
    h = intra + eP * torch.stack(carries, dim=2)[:, :, :, None]
    h = h.reshape(b, d, c * CHUNK, n)[:, :, :l]
    return torch.einsum("bdln,bnl->bdl", h, C)


def chunked_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, return_last_state=False):
    """selective_scan_ref's signature and result (real A, input-dependent B/C of shape (b, n, l))."""
    assert not return_last_state
    dt = delta + delta_bias[..., None] if delta_bias is not None else delta
    if delta_softplus:
        dt = F.softplus(dt)
    b, d, l = u.shape
    step = max(1, BLOCK_ELEMENTS // (d * l * A.shape[1]))
    y = torch.cat([_scan_block(u[i:i + step], dt[i:i + step], A, B[i:i + step], C[i:i + step]) for i in range(0, b, step)], dim=0)
    out = y if D is None else y + u * D[:, None]
    return out if z is None else out * F.silu(z)
