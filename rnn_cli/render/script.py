"""--code: a standalone script that reproduces a run with plain torch, nothing else.

The same seed, vocabulary (or seeded random input), one-hot batch or embedding, module,
initial state and packing as the tool: its tensors are the run's, to the bit.
"""

from __future__ import annotations

from ..core.encode import EMBEDDING_SEED, STATE_SEED, TOKENS_SEED
from ..core.result import Result, TensorOrigin

HEADER = '''\
"""Reproduces an rnn-shapes run of {call}

Needs {needs}. {what}
"""
import torch
{imports}'''

WORDS = """
words = {words!r}
tokens = {tokens!r}  # {tokenizer} of each word
vocabulary = {vocabulary!r}
index = {{token: i for i, token in enumerate(vocabulary)}}
lengths = torch.tensor([len(t) for t in tokens])
codes = torch.tensor([index[t] for toks in tokens for t in toks], dtype=torch.int64)  # every token, word after word
"""

RANDOM_TOKENS = """
lengths = torch.tensor({lengths!r})
vocab_size = {vocab_size}
# seeded random token ids, word after word
codes = torch.randint(0, vocab_size, (int(lengths.sum()),), generator=torch.Generator().manual_seed({seed}))
"""

RANDOM_FEATURES = """
lengths = torch.tensor({lengths!r})
real = torch.arange(int(lengths.max())) < lengths[:, None]  # (batch, seq): True at each row's real steps
# seeded standard-normal features, zero past each row's end: (batch, seq, input)
draw = torch.Generator().manual_seed({seed})
batch = torch.randn(len(lengths), int(lengths.max()), {width}, generator=draw, dtype=torch.{dtype})
batch[~real] = 0
"""

ONE_HOT = """real = torch.arange(int(lengths.max())) < lengths[:, None]  # (batch, seq): True at each word's real steps
# one-hot batch, padded with zero vectors to the longest word: (batch, seq, input)
batch = torch.zeros(len(lengths), int(lengths.max()), {vocab_size}, dtype=torch.{dtype})
batch[real] = one_hot(codes, {vocab_size}).to(torch.{dtype})
"""

EMBEDDED = """real = torch.arange(int(lengths.max())) < lengths[:, None]  # (batch, seq): True at each word's real steps
# token ids, {vocab_size} (the padding) past each word's end: (batch, seq)
ids = torch.full((len(lengths), int(lengths.max())), {vocab_size}, dtype=torch.int64)
ids[real] = codes
"""

EMBEDDING = """embedding = torch.nn.Embedding({rows}, {embed}, padding_idx={vocab_size}, dtype=torch.{dtype})
with torch.no_grad():  # seeded weights of its own; row {vocab_size} (the padding) all zeros
    weights = torch.randn({rows}, {embed}, generator=torch.Generator().manual_seed({embedding_seed}))
    weights[{vocab_size}] = 0
    embedding.weight.copy_(weights)
"""


def _imports(result: Result) -> str:
    """Only what the script uses: a reader (and a linter) flags the rest."""
    one_hot = result.source in ("words", "random tokens") and not result.config.embed
    packed = result.config.padding == "packed"
    return (
        ("import numpy\n" if _files(result, ".npy") else "")
        + ("from safetensors.torch import load_file\n" if _checkpoint_format(result) == "safetensors" else "")
        + ("from torch.nn.functional import one_hot\n" if one_hot else "")
        + ("from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence\n" if packed else "")
    )


def _files(result: Result, suffix: str) -> bool:
    """Whether a tensor of the caller's was read from a file ending so."""
    tensors = result.given.tensors if result.given else []
    return any(t.file is not None and t.file.lower().endswith(suffix) for t in tensors)


def _checkpoint_format(result: Result) -> str | None:
    return result.given.checkpoint.format if result.given and result.given.checkpoint else None


def _needs(result: Result) -> str:
    extra = [
        name
        for name, used in (
            ("numpy", _files(result, ".npy")),
            ("safetensors", _checkpoint_format(result) == "safetensors"),
        )
        if used
    ]
    return "only torch" if not extra else "torch and " + " and ".join(extra)


def script(result: Result, *, printing: bool = True) -> str:
    """The script, in the order it runs: the input, the module (and embedding), the run, then
    (unless ``printing`` is False) a line printing each tensor's shape and axes."""
    vocab_size = _vocab_size(result)
    return "".join(
        [
            HEADER.format(call=result.call, what=_what(result), needs=_needs(result), imports=_imports(result)),
            _source(result, vocab_size),
            _module(result, vocab_size),
            _running(result),
            _printing(result) if printing else "",
        ]
    )


def _vocab_size(result: Result) -> int | None:
    """How many tokens the one-hot rows (or the embedding's ids) range over; None for input
    that is not made of tokens (random features, the caller's batch)."""
    if result.source == "words":
        return len(result.vocabulary)
    if result.source == "random tokens":
        return _embedding_rows(result) - 1 if result.config.embed else result.input_size
    return None


def _source(result: Result, vocab_size: int | None) -> str:
    """The input as the tool made it: the words' tokens, seeded random tokens or features, or
    the caller's batch; then tokens become one-hot rows, or ids for the embedding."""
    c = result.config
    if result.source == "words":
        tokenizer = "grapheme clusters (NFC)" if result.tokenizer == "graphemes" else "code points"
        made = WORDS.format(words=result.words, tokens=result.tokens, vocabulary=result.vocabulary, tokenizer=tokenizer)
    elif result.source == "random tokens":
        made = RANDOM_TOKENS.format(lengths=result.lengths, vocab_size=vocab_size, seed=_seed(c.seed, TOKENS_SEED))
    elif result.source == "given tensor":
        made = _given_input(result)
    else:
        seed = _seed(c.seed, TOKENS_SEED)
        made = RANDOM_FEATURES.format(lengths=result.lengths, width=result.input_size, seed=seed, dtype=c.dtype)
    if vocab_size is not None and c.embed:
        made += EMBEDDED.format(vocab_size=vocab_size)
    elif vocab_size is not None:
        made += ONE_HOT.format(vocab_size=vocab_size, dtype=c.dtype)
    return made


def _module(result: Result, vocab_size: int | None) -> str:
    """The recurrent module (with the caller's constructor and weights, if any), the embedding
    in front when there is one, and what goes in: ``fed``, in the module's layout."""
    c = result.config
    bf = "True" if c.batch_first else "False"
    made = (
        f"\n{_as_written(result)}torch.manual_seed({c.seed})\nrnn = {_rnn_call(result)}\n"
        f"{_weights(result)}rnn.eval()  # inference: dropout does nothing\n"
    )
    if c.embed and vocab_size is not None:
        made += EMBEDDING.format(
            rows=vocab_size + 1,
            embed=c.embed,
            vocab_size=vocab_size,
            dtype=c.dtype,
            embedding_seed=_seed(c.seed, EMBEDDING_SEED),
        )
        first = "input_data = ids" if c.batch_first else "input_data = ids.T.contiguous()  # (seq, batch)"
        return made + f"{first}\nwith torch.no_grad():\n    embedded = embedding(input_data)\nfed = embedded\n"
    if result.source == "given tensor":
        return made + "fed = input_data\n"
    first = "input_data = batch" if c.batch_first else "input_data = batch.transpose(0, 1).contiguous()"
    return made + f"{first}  # batch_first={bf}\nfed = input_data\n"


def _running(result: Result) -> str:
    """The initial state when passed, then the run: packed, or the padded batch as it is."""
    c = result.config
    bf = "True" if c.batch_first else "False"
    made, state = "", ""
    if c.initial_state != "default":
        made = _initial(result)
        state = ", (h_0, c_0)" if c.cell == "lstm" else ", h_0"
    if c.padding == "packed":
        made += (
            "with torch.no_grad():\n"
            f"    packed = pack_padded_sequence(fed, lengths, batch_first={bf}, enforce_sorted=False)\n"
            f"    packed_output, state = rnn(packed{state})\n"
            f"    output, _ = pad_packed_sequence(packed_output, batch_first={bf}, total_length=int(lengths.max()))\n"
        )
    else:
        plain = len(set(result.lengths)) == 1
        why = "one plain batch: every word has the same length" if plain else "zero padding runs through the cell"
        made += f"with torch.no_grad():\n    output, state = rnn(fed{state})  # {why}\n"
    return made + ("h_n, c_n = state\n" if c.cell == "lstm" else "h_n = state\n")


def _printing(result: Result) -> str:
    """A line per tensor, in the order they flow: its name, its shape, and its axes by name."""
    variables = {"input": "input_data", "embedded": "embedded"}
    lines = []
    for name, facts in result.tensors.items():
        axes = ", ".join(facts.layout.axes)
        lines.append(f'print("{name:<8}", tuple({variables.get(name, name)}.shape), "axes {axes}")\n')
    return "".join(lines)


def _what(result: Result) -> str:
    if result.source == "words":
        return "Same seed, vocabulary, batch, module and padding as the tool."
    if result.source == "given tensor":
        return "Your batch as given, and the same module, initial state and padding as the tool."
    return f"Same seed, {result.source} (seeded), module and padding as the tool."


def _rnn_call(result: Result) -> str:
    """The recurrent module's constructor (the call shown may put an embedding in front)."""
    return result.layer_call


def _embedding_rows(result: Result) -> int:
    return next(p.shape[0] for p in result.parameters if p.name == "embedding.weight")


def _seed(seed: int, offset: int) -> int:
    return (seed + offset) % 2**64


def _initial(result: Result) -> str:
    c = result.config
    rows, n = c.num_layers * c.directions, len(result.words)
    shapes = [("h_0", (rows, n, c.out_size))] + ([("c_0", (rows, n, c.hidden_size))] if c.cell == "lstm" else [])
    if c.initial_state == "given":
        made = [f"{name} = {_tensor_code(result, name)}" for name, _ in shapes]
        return "# your initial state, as given: batch on axis 1 even with batch_first=True\n" + "\n".join(made) + "\n"
    if c.initial_state == "zeros":
        made = [f"{name} = torch.zeros({', '.join(map(str, shape))}, dtype=torch.{c.dtype})" for name, shape in shapes]
        return "# the initial state, passed: batch on axis 1 even with batch_first=True\n" + "\n".join(made) + "\n"
    draw = f"draw = torch.Generator().manual_seed({_seed(c.seed, STATE_SEED)})\n"
    made = [
        f"{name} = torch.randn({', '.join(map(str, shape))}, generator=draw, dtype=torch.{c.dtype})"
        for name, shape in shapes
    ]
    return "# the initial state, passed: batch on axis 1 even with batch_first=True\n" + draw + "\n".join(made) + "\n"


def _origin(result: Result, name: str) -> TensorOrigin | None:
    tensors = result.given.tensors if result.given else []
    return next((t for t in tensors if t.name == name), None)


def _tensor_code(result: Result, name: str) -> str:
    """The caller's tensor as the run read it: from its file (nothing in it run), in the run's dtype."""
    origin = _origin(result, name)
    dtype = f"torch.{result.config.dtype}"
    if origin is None or origin.file is None:  # from Python: its values, which the run kept
        values = result.tensors[name].values.tolist()
        return f"torch.tensor({values!r}, dtype={dtype})"
    if origin.file.lower().endswith(".npy"):
        return f"torch.from_numpy(numpy.load({origin.file!r}, allow_pickle=False)).to({dtype})"
    return f"torch.load({origin.file!r}, map_location='cpu', weights_only=True).to({dtype})"


def _given_input(result: Result) -> str:
    c = result.config
    layout = "(batch, seq, input)" if c.batch_first else "(seq, batch, input)"
    return (
        f"\n# your batch, as given, read as {layout}: batch_first={c.batch_first}\n"
        f"input_data = {_tensor_code(result, 'input')}\n"
        f"lengths = torch.tensor({result.lengths!r})  # each row's real steps\n"
    )


def _as_written(result: Result) -> str:
    """Your constructor as you wrote it, and the --set names it was read with, as comments."""
    given = result.given
    if given is None or given.module_text is None:
        return ""
    lines = [f"# --module as written: {' '.join(given.module_text.split())}"]
    if given.set_texts:
        lines.append("# with " + " ".join(f"--set {name}={text}" for name, text in given.set_texts.items()))
    lines.append("# which is:")
    return "".join(f"{line}\n" for line in lines)


def _weights(result: Result) -> str:
    """The checkpoint's trained weights, loaded as the run loaded them (tensors only, no code)."""
    checkpoint = result.given.checkpoint if result.given else None
    if checkpoint is None:
        return ""
    under = "" if checkpoint.key is None else f"[{checkpoint.key!r}]"
    if checkpoint.format == "safetensors":
        read = f"load_file({checkpoint.file!r})"
    else:
        read = f"torch.load({checkpoint.file!r}, map_location='cpu', weights_only=True){under}"
    prefix = f"{checkpoint.prefix}." if checkpoint.prefix else ""
    return (
        f"# the trained weights of layer {checkpoint.layer!r}: tensors only, nothing unpickled\n"
        f"weights = {read}\n"
        f"prefix = {prefix!r}\n"
        "layer = {k[len(prefix) :]: v for k, v in weights.items()"
        " if k.startswith(prefix) and '.' not in k[len(prefix) :]}\n"
        "rnn.load_state_dict(layer)\n"
    )
