"""--code: a standalone script that reproduces a run with plain torch, nothing else."""

from __future__ import annotations

from ..core.result import Result

TEMPLATE = '''\
"""Reproduces an rnn-shapes run of {call}

Needs only torch. Same seed, vocabulary, one-hot batch, module and padding as the tool.
"""
import torch
from torch.nn.functional import one_hot
{pack_import}
words = {words!r}
tokens = {tokens!r}  # grapheme clusters of each word (NFC)
vocabulary = {vocabulary!r}
index = {{token: i for i, token in enumerate(vocabulary)}}

# One-hot batch, padded with zero vectors to the longest word: (batch, seq, input)
lengths = torch.tensor([len(t) for t in tokens])
batch = torch.zeros(len(tokens), int(lengths.max()), len(vocabulary), dtype=torch.{dtype})
for w, toks in enumerate(tokens):
    batch[w, : len(toks)] = one_hot(torch.tensor([index[t] for t in toks]), len(vocabulary)).to(torch.{dtype})
{transpose}
torch.manual_seed({seed})
rnn = {call}
with torch.no_grad():
{forward}
{unpack_state}
print("input ", tuple(input_data.shape), "axes {input_axes}")
print("output", tuple(output.shape), "axes {output_axes}")
print("h_n   ", tuple(h_n.shape), "axes {h_n_axes}")
{print_c_n}'''


def script(result: Result) -> str:
    c = result.config
    axes = {name: ", ".join(f.layout.axes) for name, f in result.tensors.items()}
    transpose = (
        "input_data = batch  # batch_first=True: batch on axis 0\n"
        if c.batch_first
        else "input_data = batch.transpose(0, 1).contiguous()  # batch_first=False: (seq, batch, input)\n"
    )
    bf = "True" if c.batch_first else "False"
    if c.padding == "packed":
        forward = (
            f"    packed = pack_padded_sequence(input_data, lengths, batch_first={bf}, enforce_sorted=False)\n"
            "    packed_output, state = rnn(packed)\n"
            f"    output, _ = pad_packed_sequence(packed_output, batch_first={bf}, total_length=int(lengths.max()))"
        )
        pack_import = "from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence\n"
    else:
        forward = "    output, state = rnn(input_data)  # zero padding runs through the cell"
        pack_import = ""
    lstm = c.cell == "lstm"
    return TEMPLATE.format(
        pack_import=pack_import,
        words=result.words,
        tokens=result.tokens,
        vocabulary=result.vocabulary,
        dtype=c.dtype,
        transpose=transpose,
        seed=c.seed,
        call=result.call,
        forward=forward,
        unpack_state="h_n, c_n = state" if lstm else "h_n = state",
        input_axes=axes["input"],
        output_axes=axes["output"],
        h_n_axes=axes["h_n"],
        print_c_n=f'print("c_n   ", tuple(c_n.shape), "axes {axes["c_n"]}")\n' if lstm else "",
    )
