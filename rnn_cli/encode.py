"""Token indices to a padded one-hot batch, vectorised over the whole batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def one_hot_batch(
    indices: list[list[int]], vocab_size: int, *, batch_first: bool, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the one-hot batch in the requested layout and the word lengths.

    Tokens are encoded with ``one_hot`` and scattered into a zero batch in one step, so
    padding steps past a word's end are zero vectors.
    """
    import torch
    from torch.nn.functional import one_hot

    lengths = torch.tensor([len(ix) for ix in indices], dtype=torch.int64)
    steps = int(lengths.max())
    flat = torch.tensor([i for ix in indices for i in ix], dtype=torch.int64)
    batch = torch.zeros(len(indices), steps, vocab_size, dtype=dtype)
    batch[torch.arange(steps) < lengths[:, None]] = one_hot(flat, vocab_size).to(dtype)
    if not batch_first:
        batch = batch.transpose(0, 1).contiguous()
    return batch, lengths
