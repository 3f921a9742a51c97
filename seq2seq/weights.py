"""How weights are stored in model.safetensors: float32, float16, or int8 with one float32
scale per row. Loading casts everything back up to float32.

    stored = encode_weights(model.state_dict(), "int8")   # {name: int8 rows, name@scale: (rows,)}
    model.load_state_dict(decode_weights(stored))
"""

from __future__ import annotations

import torch

DTYPES = ("float32", "float16", "int8")
SCALE = "@scale"


def encode_weights(state: dict, dtype: str) -> dict:
    """float32 tensors -> what is stored. int8: matrices (>= 1024 values) are quantised per row,
    symmetric, with the row's max |w| / 127 kept as `<name>@scale`; everything else float16."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown weights dtype {dtype!r}: use one of {DTYPES}")
    out = {}
    for k, v in state.items():
        v = v.detach().to("cpu", torch.float32)
        if dtype == "int8" and v.dim() >= 2 and v.numel() >= 1024:
            rows = v.reshape(v.size(0), -1)  # (rows, cols)
            scale = rows.abs().amax(dim=1).clamp(min=1e-12) / 127.0  # (rows,)
            out[k] = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8).reshape(v.shape)
            out[k + SCALE] = scale.contiguous()
        else:
            out[k] = v.to(torch.float32 if dtype == "float32" else torch.float16).clone()  # tied: a copy each
    return out


def decode_weights(tensors: dict) -> dict:
    """What is stored -> float32 tensors (int8 rows times their scales)."""
    out = {}
    for k, v in tensors.items():
        if k.endswith(SCALE):
            continue
        if k + SCALE in tensors:
            v = (v.reshape(v.size(0), -1).float() * tensors[k + SCALE].float()[:, None]).reshape(v.shape)
        out[k] = v.float()
    return out
