"""The recurrent layer's input, built whole over the batch: one-hot vectors of token indices,
token ids for an embedding, or seeded random tokens or features of given sizes.

Every padded step is zero (or the padding id), so packing and zero padding see the same batch.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import BadInput

if TYPE_CHECKING:
    import torch

#: Offsets from the run's seed, so each random draw has a stream of its own.
TOKENS_SEED, STATE_SEED, EMBEDDING_SEED = 0, 1, 2


def token_codes(flat: bytes | list[int]) -> torch.Tensor:
    """Every token's vocabulary index, word after word, as int64."""
    import torch

    if isinstance(flat, bytes):
        return torch.frombuffer(bytearray(flat), dtype=torch.uint8).long()
    return torch.tensor(flat, dtype=torch.int64)


def generator(seed: int, offset: int) -> torch.Generator:
    import torch

    return torch.Generator().manual_seed((seed + offset) % 2**64)


def random_codes(lengths: list[int], vocab_size: int, seed: int) -> torch.Tensor:
    """Seeded random token indices in [0, vocab_size), word after word."""
    import torch

    return torch.randint(0, vocab_size, (sum(lengths),), generator=generator(seed, TOKENS_SEED))


def _real(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(N, L): True at each word's real steps, False at its padding."""
    import torch

    return torch.arange(steps) < lengths[:, None]


def one_hot_batch(
    codes: torch.Tensor, lengths: list[int], vocab_size: int, *, batch_first: bool, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """The one-hot batch in the requested layout, and the word lengths.

    Tokens are encoded with ``one_hot`` and scattered into a zero batch in one step, so steps
    past a word's end are zero vectors.
    """
    import torch
    from torch.nn.functional import one_hot

    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    steps = max(lengths)
    if min(lengths) == steps:  # no padding: the codes already have the batch's shape
        batch = one_hot(codes.view(len(lengths), steps), vocab_size).to(dtype)
    else:
        batch = torch.zeros(len(lengths), steps, vocab_size, dtype=dtype)
        batch[_real(lengths_t, steps)] = one_hot(codes, vocab_size).to(dtype)
    if not batch_first:
        batch = batch.transpose(0, 1).contiguous()
    return batch, lengths_t


def padded_ids(codes: torch.Tensor, lengths: list[int], pad: int, *, batch_first: bool) -> torch.Tensor:
    """(N, L) token ids (L, N seq-first), ``pad`` past each word's end: an embedding's input."""
    import torch

    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    ids = torch.full((len(lengths), max(lengths)), pad, dtype=torch.int64)
    ids[_real(lengths_t, max(lengths))] = codes
    return ids if batch_first else ids.T.contiguous()


def random_features(
    lengths: list[int], width: int, seed: int, *, batch_first: bool, dtype: torch.dtype
) -> torch.Tensor:
    """(N, L, width) seeded standard-normal features, zero past each word's end."""
    import torch

    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    batch = torch.randn(len(lengths), max(lengths), width, generator=generator(seed, TOKENS_SEED), dtype=dtype)
    batch[~_real(lengths_t, max(lengths))] = 0
    return batch if batch_first else batch.transpose(0, 1).contiguous()


def initial_states(
    kind: str, rows: int, n: int, h_out: int, h_cell: int | None, seed: int, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """h_0 (rows, N, H_out) and, for an LSTM, c_0 (rows, N, H_cell): zeros, seeded normal, or
    the caller's own (``given``: the tensors the run holds, see ``given.given_state``)."""
    import torch

    if kind == "given":
        state = _GIVEN_STATE.get()
        if state is None:
            raise BadInput("initial_state 'given' needs the tensors: pass them, e.g. explore(initial_state=h_0)")
        h_0, c_0 = state
        return h_0.to(dtype), None if c_0 is None else c_0.to(dtype)
    if kind == "zeros":
        return torch.zeros(rows, n, h_out, dtype=dtype), None if h_cell is None else torch.zeros(
            rows, n, h_cell, dtype=dtype
        )
    draw = generator(seed, STATE_SEED)
    h0 = torch.randn(rows, n, h_out, generator=draw, dtype=dtype)
    return h0, None if h_cell is None else torch.randn(rows, n, h_cell, generator=draw, dtype=dtype)


#: The caller's own initial state while a run lasts (see ``holding_state``), for
#: ``initial_states("given", ...)``: the run and every idiom that calls the module again start
#: from the same tensors.
_GIVEN_STATE: contextvars.ContextVar[tuple[torch.Tensor, torch.Tensor | None] | None] = contextvars.ContextVar(
    "given_state", default=None
)


@contextlib.contextmanager
def holding_state(h_0: torch.Tensor, c_0: torch.Tensor | None) -> Iterator[None]:
    """The caller's h_0 (and c_0) as the ``given`` initial state while the block runs."""
    token = _GIVEN_STATE.set((h_0, c_0))
    try:
        yield
    finally:
        _GIVEN_STATE.reset(token)
