"""Token indices to a padded one-hot batch, vectorised over the whole batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def token_codes(flat: bytes | list[int]) -> torch.Tensor:
    """Every token's vocabulary index, word after word, as int64."""
    import torch

    if isinstance(flat, bytes):
        return torch.frombuffer(bytearray(flat), dtype=torch.uint8).long()
    return torch.tensor(flat, dtype=torch.int64)


def one_hot_batch(
    flat: bytes | list[int], lengths: list[int], vocab_size: int, *, batch_first: bool, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the one-hot batch in the requested layout and the word lengths.

    ``flat`` holds every token's index, word after word. Tokens are encoded with ``one_hot``
    and scattered into a zero batch in one step, so steps past a word's end are zero vectors.
    """
    import torch
    from torch.nn.functional import one_hot

    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    steps = max(lengths)
    codes = token_codes(flat)
    if min(lengths) == steps:  # no padding: the codes already have the batch's shape
        batch = one_hot(codes.view(len(lengths), steps), vocab_size).to(dtype)
    else:
        batch = torch.zeros(len(lengths), steps, vocab_size, dtype=dtype)
        batch[torch.arange(steps) < lengths_t[:, None]] = one_hot(codes, vocab_size).to(dtype)
    if not batch_first:
        batch = batch.transpose(0, 1).contiguous()
    return batch, lengths_t
