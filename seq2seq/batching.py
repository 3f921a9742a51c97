"""Padding and batched greedy decoding, shared by training, evaluation and the CLI."""

from __future__ import annotations

import torch

from .tokenize import BOS_ID, EOS_ID, NEVER_WRITTEN, PAD_ID


def pad(seqs: list[list[int]], device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """List of id lists -> ids (B, T) padded with PAD_ID, mask (B, T) True on real tokens."""
    T = max(1, max(len(s) for s in seqs))
    ids = torch.full((len(seqs), T), PAD_ID, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    ids = ids.to(device)
    return ids, ids != PAD_ID


@torch.inference_mode()
def greedy_batch(model, srcs: list[list[int]], max_len: int = 100, batch_size: int = 256):
    """Greedy decoding of many sentences at once.

    Returns (outputs, argmaxes): per sentence the output ids (without BOS/EOS)
    and, for models with cross-attention, the source position each output step
    attends to most (mean over the last layer's heads), else None.
    """
    order = sorted(range(len(srcs)), key=lambda i: len(srcs[i]))
    outputs, argmaxes = [None] * len(srcs), [None] * len(srcs)
    device = model.device
    for b in range(0, len(order), batch_size):
        idx = order[b: b + batch_size]
        src, mask = pad([srcs[i] or [PAD_ID] for i in idx], device)
        mask[:, 0] = True  # an empty source still has one (padding) position to attend to
        memory = model.encode(src, mask)
        state = model.init_state(memory)
        prev = torch.full((len(idx),), BOS_ID, dtype=torch.long, device=device)
        done = torch.zeros(len(idx), dtype=torch.bool, device=device)
        toks, arg = [], []
        for _ in range(max_len):
            logits, state, attn = model.step(prev, state, memory)
            logits[:, list(NEVER_WRITTEN)] = float("-inf")  # as seq2seq.decode: no <pad>, <s> or <unk>
            prev = logits.argmax(-1)
            toks.append(prev)
            if "cross_weights" in attn:
                arg.append(attn["cross_weights"][:, -1].mean(1).argmax(-1))  # (B,)
            done |= prev == EOS_ID
            if done.all():
                break
        toks = torch.stack(toks, 1).tolist()
        arg = torch.stack(arg, 1).tolist() if arg else None
        for j, i in enumerate(idx):
            n = toks[j].index(EOS_ID) if EOS_ID in toks[j] else len(toks[j])
            outputs[i] = toks[j][:n]
            argmaxes[i] = arg[j][:n] if arg else None
    return outputs, argmaxes
