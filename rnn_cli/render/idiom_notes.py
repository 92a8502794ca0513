"""What each idiom found, in a sentence: the note under it in the report and in the JSON.

The core describes an idiom by its ``kind`` and ``facts`` (numbers, words, flags, shapes,
torch's messages), never in prose; each kind's sentence is written here from those facts,
by one small function in ``NOTES``. ``note(idiom)`` is the sentence of one idiom.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.provenance import Origin, Piece, Slot, decoder_mismatches, feature_axis
from ..core.result import Idiom, NamedWords

#: An idiom's facts, as the core gives them.
Facts = Mapping[str, Any]
#: The longest part of a word a note quotes.
WORD_CHARACTERS = 20


def note(idiom: Idiom) -> str:
    """The sentence of what ``idiom`` found, and what torch warned while it ran."""
    said = NOTES[idiom.kind](idiom.facts)
    warned = idiom.facts.get("torch_warned")
    if isinstance(warned, list) and warned:
        said += "; torch warns: " + "; ".join(str(line) for line in warned)
    return said


def _names(words: NamedWords) -> str:
    """Words named as in Python (quoted, escapes kept), the first few, then how many more."""
    shown = ", ".join(repr(word[:WORD_CHARACTERS]) for word in words.first)
    more = words.count - len(words.first)
    return shown + (f" and {more} more" if more > 0 else "")


def _padded(facts: Facts) -> str:
    """The words shorter than the longest, when zero padding ran through them."""
    padded: NamedWords | None = facts["padded"]
    return "" if padded is None else f"; through zero padding, {_names(padded)}: "


def _directions(d: int, index: str) -> str:
    """Which index of a view is which direction: ``[:, 0] forward, [:, 1] backward``."""
    return ", ".join(index.format(k) + f" {name}" for k, name in enumerate(("forward", "backward")[:d]))


# -- the final state, taken from output and h_n ---------------------------------------------------


def _last_step(facts: Facts) -> str:
    notes = []
    short: NamedWords = facts["short"]
    if short.count and facts["packed"]:
        notes.append(
            f"shorter than the longest word, {_names(facts['zeros'])}: zeros here (packed steps past a word's end)"
        )
    elif short.count:
        notes.append(f"shorter than the longest word, {_names(short)}: the state after the zero padding")
    if facts["bidirectional"]:
        notes.append("the backward half here has seen one token only, the last step (where it starts)")
    if not notes:
        notes.append("every word runs to the last step, so this is each word's forward final state")
    return "; ".join(notes)


def _h_n_last(facts: Facts) -> str:
    said = (
        f"only the last layer's backward direction (h_n[{facts['forward_row']}] is its forward one)"
        if facts["bidirectional"]
        else "the last layer's final state"
    )
    padded = _padded(facts)
    return said + (f"{padded}h_n is the state after the padding" if padded else "")


def _h_n_last_layer(facts: Facts) -> str:
    padded = _padded(facts)
    said = "both directions of the last layer: the usual classifier input, (N, D*H_out)"
    return said + (f"{padded}forward after the padding, backward from it" if padded else "")


def _own_last_step(facts: Facts) -> str:
    if facts["bidirectional"]:
        return "the forward half is each word's final state; the backward half there has seen one token"
    return "each word's state at its own last token: the right way under zero padding"


def _own_last_step_both(facts: Facts) -> str:
    said = "forward from each word's last token, backward from step 0, where it ends"
    padded: NamedWords | None = facts["padded"]
    if padded is not None:
        said += f"; through zero padding, {_names(padded)}: the backward half started in the padding"
    return said


# -- which index is which direction ---------------------------------------------------------------


def _h_n_view(facts: Facts) -> str:
    checked = " (checked against h_n's rows)" if facts["rows_hold"] else "; h_n's rows DIFFER"
    return f"{_directions(facts['directions'], '[:, {}]')}; [-1] is the last layer{checked}"


def _output_view(facts: Facts) -> str:
    holds = facts["halves_hold"]
    if facts["directions"] == 2:
        said = f"{_directions(2, '[..., {}, :]')} half of the last axis" + (
            " (checked)" if holds else "; the halves DIFFER"
        )
        return said + "; the forward final state is at each word's last step, the backward one at step 0"
    # one direction: no halves, the view only adds an axis
    said = "[..., 0, :] forward: the whole last axis, the only direction; the view adds an axis of 1"
    return said + (" (checked)" if holds else "; it DIFFERS from output")


# -- the next-token head and its loss ---------------------------------------------------------------


def _logits(facts: Facts) -> str:
    head = (
        "the next-character head"
        if facts["source"] == "words"
        else "the next-token head; the tokens are random, so are its targets"
    )
    return f"a score for each of the {facts['vocab_size']} tokens at every step: {head}"


def _loss_class_axis(facts: Facts) -> str:
    target = "the next token" if facts["source"] == "words" else "the next random token"
    what = f"targets = {target} at {facts['targets']} steps; each word's last step and pads are "
    what += f"{facts['ignore_index']}, ignored"
    if not facts["targets"]:
        what = "no step has a next token (every word is one token long): the mean over nothing is nan"
    loss = f"loss {facts['loss']:.6g}: CrossEntropyLoss wants the classes on axis 1"
    return f"{loss}; {what}; targets {facts['targets_shape']}"


def _loss_flat(facts: Facts) -> str:
    k, n = facts["checked_words"], facts["words"]
    sampled = f" on the first {k:,} of {n:,} words" if k < n else ""
    if facts["same"]:
        return f"loss {facts['loss']:.6g}: the same loss (checked{sampled})"
    return f"loss {facts['loss']:.6g}: DIFFERS from {facts['class_axis_loss']:.6g}{sampled}"


def _loss_classes_last_refused(facts: Facts) -> str:
    return f"torch reads axis 1 of {facts['logits_shape']} as the classes; move the {facts['vocab_size']} scores there"


def _loss_classes_last(facts: Facts) -> str:
    return (
        f"no error only because axis 1 happens to be {facts['axis_1']} long: torch reads it as the classes, "
        f"loss {facts['loss']:.6g}, a wrong one"
    )


# -- initial states --------------------------------------------------------------------------------


def _h_0_rule(facts: Facts) -> str:
    rule = f"h_0 is (D*num_layers, N, H_out) = {facts['h_0_shape']}"
    return rule + (f", c_0 (D*num_layers, N, H_cell) = {facts['c_0_shape']}" if facts["lstm"] else "")


def _h_0(facts: Facts) -> str:
    if facts["refused"]:
        checked = f"torch refuses it: {facts['refused']}"
    else:
        checked = "torch's check of the shapes accepts it, and zeros are the default h_0: this is the run itself"
    return f"{_h_0_rule(facts)}: batch on axis 1, always; {checked}"


def _h_0_batch_first_same(facts: Facts) -> str:
    n = facts["batch"]
    return f"batch first: the same shape here only because N = D*num_layers = {n}; another batch size fails"


def _h_0_batch_first(facts: Facts) -> str:
    if not facts["refused"]:
        return "torch accepted it: unexpected"
    said = f"batch first is wrong; the fix: {_h_0_rule(facts)}"
    if facts["packed_error"]:
        said += f"; rnn(packed, ...) fails elsewhere in torch: {facts['packed_error']}"
    return said


# -- the seed's own trap ---------------------------------------------------------------------------


def _layout_trap(facts: Facts) -> str:
    fed = facts["input_shape"]
    if facts["batch_first"]:
        read = f"reads the {fed[0]} words as {fed[0]} steps and the {fed[1]} steps as a batch of {fed[1]}"
    else:
        read = f"reads the {fed[0]} steps as a batch of {fed[0]} and the {fed[1]} words as {fed[1]} steps"
    said = f"no error: it {read}; h_n comes back {facts['h_n_shape']}, one row per step position, not per word"
    if facts["sample"]:
        said += f" (the module was run on the first {facts['sample']} of {facts['words']} words, input"
        said += f" {facts['sample_input_shape']}; the shapes here are the whole batch's, by the same reading"
        if facts["sample_checked"]:
            said += ", checked on those words)"
        else:
            said += f"; those words gave {facts['sample_returns']}, not {facts['expected_returns']})"
    return said


# -- the joins: bridge -----------------------------------------------------------------------------


def _bridge_unneeded(facts: Facts) -> str:
    what = f"h_n {facts['h_n_shape']} is the h_0 of a one-direction decoder {facts['decoder']}"
    said = f"{what}: torch's check of its shapes accepts it" if facts["accepted"] else f"{what}; torch refuses it"
    return said + "; a bidirectional encoder's h_n has twice the rows and needs a bridge"


def _refused(facts: Facts, accepted: str) -> str:
    """What torch's check of a decoder's shapes said: ``accepted``, or its message."""
    return accepted if facts["refused"] is None else f"; torch refuses it: {facts['refused']}"


def _bridge_linear(facts: Facts) -> str:
    fits = f"the h_0 of a one-layer, one-direction decoder {facts['decoder']}"
    said = f"(1, N, H_dec) = {facts['shape']}, both directions of the last layer in one state: {fits}"
    said += _refused(facts, ": torch's check of its shapes accepts it")
    if facts["c_0_shape"] is not None:
        said += f"; c_0 likewise from c_n, {facts['c_0_shape']}"
    return said


def _bridge_sum(facts: Facts) -> str:
    rows = ", checked" if facts["rows_hold"] else ": they DIFFER"
    said = f"forward + backward of each layer (rows 2l and 2l+1{rows}): "
    said += f"the h_0 of a one-direction decoder {facts['decoder']}"
    said += _refused(facts, ", accepted by torch's check")
    return said + ("; c_n.view(...).sum(1) likewise" if facts["lstm"] else "")


def _bridge_missing(facts: Facts) -> str:
    if not facts["refused"]:
        return "torch accepted it: unexpected"
    layers = facts["layers"]
    said = f"h_n has D*num_layers = {facts['rows']} rows; a one-direction decoder of {layers} layer"
    return said + f"{'s' if layers > 1 else ''} wants {layers}: bridge the directions (above) first"


# -- the joins: attention --------------------------------------------------------------------------


def _attention_scores(facts: Facts) -> str:
    return (
        f"one score per step of each word, (N, L): the decoder's state, here the encoder's final one "
        f"(N, D*H_out) = ({facts['words']}, {facts['width']}), dotted with every step of output"
    )


def _attention_weights(facts: Facts) -> str:
    sampled = f" on the first {facts['checked_words']} of {facts['words']} words" if facts["sampled"] else ""
    verdict = f"(checked{sampled})" if facts["holds"] else f"off by up to {facts['off']:.2g}: they DIFFER{sampled}"
    said = f"softmax over the steps (dim=1), pads masked: each word's weights sum to 1 over its real steps {verdict}"
    if facts["spill"] is not None:
        return said + f"; unmasked, one pad step would take up to {facts['spill']:.2g} of a word's weight"
    return said + "; no word is padded here, so the mask changes nothing; words of different lengths need it"


def _attention_context(facts: Facts) -> str:
    return (
        f"each word's steps averaged by its weights, (N, D*H_out) = ({facts['words']}, {facts['width']}): "
        "what the decoder takes beside its input, e.g. torch.cat((embedded, context), dim=1)"
    )


# -- the joins: carry ------------------------------------------------------------------------------


def _carry_bidirectional_layers(facts: Facts) -> str:
    return (
        "h_0 for the next chunk of the same sequences: a bidirectional layer cannot carry state, since "
        "the backward direction starts again at each chunk's end, and above layer 0 the forward "
        "direction reads it: the chunks are not one long run"
    )


def _carry_one_step(facts: Facts) -> str:
    return "the words are one step long: there is no second chunk to carry h_n into"


def _carry_chunks(facts: Facts) -> str:
    checked: NamedWords = facts["checked"]
    if checked.count == 1 and not facts["more"]:
        on = f"{checked.first[0][:WORD_CHARACTERS]!r}, the longest word"
    else:
        on = f"{'the first ' if facts['more'] else 'the '}{checked.count} words as long as the longest"
    half = "the forward half of " if facts["bidirectional"] else ""
    verdict = f"{half}output and h_n equal one long run (checked on {on})" if facts["same"] else "they DIFFER"
    cut = facts["cut"]
    said = (
        f"steps [:{cut}] then [{cut}:] as two batches, h_n carried: {verdict}; "
        "detach() ends the graph at the batch boundary, so backward() of the next batch stops there"
    )
    if facts["bidirectional"]:
        said += "; the backward half cannot carry: it starts again at each batch's end"
    return said


def _carry_smaller_batch(facts: Facts) -> str:
    m, fix_refused = facts["last_batch"], facts["fix_refused"]
    return (
        f"a last batch of {m} words after batches of {facts['batch']} (a dataset that is not a multiple of the "
        f"batch size): h_0's axis 1 is the batch, ({facts['rows']}, {m}, ...) here; the fix: "
        f"rnn(last_batch, {facts['fix']})"
        + (", which torch's check accepts" if fix_refused is None else f", refused too: {fix_refused}")
        + ", or fresh zeros for each batch, or DataLoader(..., drop_last=True)"
    )


# -- the joins: cell -------------------------------------------------------------------------------


def _cell_projected(facts: Facts) -> str:
    return (
        f"nn.LSTMCell has no proj_size: a projected LSTM's layer 0 is an LSTMCell whose h is then "
        f"multiplied by weight_hr_l0 ({facts['proj_size']} x {facts['hidden_size']}) at every step"
    )


def _cell_loop(facts: Facts) -> str:
    n, k = facts["words"], facts["checked_words"]
    if facts["one_layer"]:  # layer 0's every step is in output
        what = "output's forward half at every real step, h_n[0] at the last"
    else:
        what = "h_n[0] (layer 0, forward)"
    on = f"the first {k} of {n} words" if k < n else "every word"
    c = " and so is c" if facts["lstm"] else ""
    return (
        f"h is (N, H) = ({n}, {facts['hidden_size']}) at every step{c}: a cell is one step of one layer, "
        f"one direction, no step or layer axis; with layer 0's own weights the loop gives {what}"
        + (f" (checked on {on})" if facts["checked"] else ": it DIFFERS")
    )


# -- the caller's own expressions (--expr) ---------------------------------------------------------


def _user_refused(facts: Facts) -> str:
    return "refused: nothing was computed"


def _user_error(facts: Facts) -> str:
    return "torch refuses it"


def _user_not_tensor(facts: Facts) -> str:
    what = "a size" if facts["size"] else f"a {facts['type']}"
    return f"{what}: {facts['text']}"


def _user_tuple(facts: Facts) -> str:
    return f"a tuple of {facts['count']} tensors"


def _user_scalar(facts: Facts) -> str:
    return "a single number"


def _user_not_per_word(facts: Facts) -> str:
    symbols = "(N, D*H_out)" if facts["bidirectional"] else "(N, H_out)"
    return f"not one row per word: a final state is {symbols} = {facts['final_shape']}"


def _user_rows(facts: Facts) -> str:
    """A value that is not one row per word: where each of its slots comes from."""
    origin: Origin = facts["origin"]
    return origin_sentence(origin, facts.get("words"))


def origin_sentence(origin: Origin, words: int | None = None) -> str:
    """Which layer and direction (or step) of which word each slot of a value holds; the
    words a row mixes; and, for a stack of whole state rows, how a decoder would read it."""
    if origin.computed_only:
        return "every number is computed from the run's (a sum, a product...), none taken from one place"
    if origin.word_axis is None:
        return _mixed(origin)
    said = [f"{_slot_name(origin, slot.index)} {_slot_holds(origin, slot)}" for slot in origin.slots]
    more = origin.slot_count - len(origin.slots)
    where = f"words on axis {origin.word_axis}, each its own: " if len(origin.shape) > 2 else "each word its own: "
    sentence = where + "; ".join(said) + (f"; and {more} more" if more > 0 else "")
    return sentence + _decoder(origin)


def _slot_name(origin: Origin, index: tuple[int, ...]) -> str:
    """``[1]``, ``[:, 0]``, ``[0, 1]``: the slot as an index of the value, the features left out."""
    parts, rest = [], list(index)
    assert origin.word_axis is not None
    dims = max(len(origin.shape), 2)
    features = feature_axis(dims, origin.word_axis)
    for axis in range(dims):
        if axis != features:
            parts.append(":" if axis == origin.word_axis else str(rest.pop(0)))
    while parts and parts[-1] == ":":
        parts.pop()
    return f"[{', '.join(parts)}]" if parts else "every row"


def _slot_holds(origin: Origin, slot: Slot) -> str:
    if slot.pieces is None:
        return "differs from word to word"
    if not slot.pieces:
        return "is computed, not taken from one place"
    named = [_piece(origin, piece) for piece in slot.pieces]
    if len(named) == 1:
        return named[0] + (", partly computed" if slot.computed else "")
    spans, start = [], 0
    for piece in slot.pieces:
        spans.append(f"{start}:{start + piece.stop - piece.start}")
        start += piece.stop - piece.start
    joined = ", ".join(f"[{span}] {name}" for span, name in zip(spans, named, strict=True))
    return f"features {joined}" + (", partly computed" if slot.computed else "")


def _piece(origin: Origin, piece: Piece) -> str:
    """``layer 0 backward``, ``output step 4 forward``, with the features when not all."""
    first, second = piece.part
    direction = ("forward", "backward")[second] if origin.directions == 2 else ""
    if piece.tensor in ("h_n", "c_n", "h_0", "c_0"):
        place = f"{piece.tensor} layer {first}" + (f" {direction}" if direction else "")
    else:
        place = f"{piece.tensor} step {first}" + (f" {direction}" if direction and piece.tensor == "output" else "")
    if not piece.whole:
        place += f" (features {piece.start}:{piece.stop} of {piece.width})"
    return place


def _mixed(origin: Origin) -> str:
    """A value with no axis over the words: each row's words, and for a row of one word its
    pieces (``output.view(T * b, h)``: a row per step of a word, told in runs); rows of several
    words are a view or reshape across the batch axis."""
    more = origin.row_count - len(origin.rows)
    tail = f"; and {more} more rows" if more > 0 else ""
    if all(row.words.count <= 1 for row in origin.rows):
        return "a row per word and place, no axis over the words: " + "; ".join(_row_runs(origin)) + tail
    said = [f"[{r}] holds {_names(row.words)}" for r, row in enumerate(origin.rows) if row.words.count]
    return (
        "rows mix words: " + "; ".join(said) + tail + ". view and reshape keep memory order" + _batch_axis_fix(origin)
    )


def _row_runs(origin: Origin) -> list[str]:
    """Rows of one word each, told in runs: ``[0:5] 'hello' output steps 0 to 4``."""
    runs: list[tuple[int, int, str, tuple[Piece, ...]]] = []  # first row, last row, word, first row's pieces
    for r, row in enumerate(origin.rows):
        word = _names(row.words) if row.words.count else ""
        pieces = row.pieces or ()
        if runs and runs[-1][2] == word and runs[-1][1] == r - 1 and _next_step(runs[-1][3], pieces, r - runs[-1][0]):
            runs[-1] = (runs[-1][0], r, word, runs[-1][3])
        else:
            runs.append((r, r, word, pieces))
    said = []
    for first, last, word, pieces in runs:
        where = f"[{first}]" if first == last else f"[{first}:{last + 1}]"
        what = _pieces_named(origin, pieces) if pieces else "computed"
        if first != last:
            what = what.replace(
                f"step {pieces[0].part[0]}", f"steps {pieces[0].part[0]} to {pieces[0].part[0] + last - first}"
            )
        said.append(f"{where} {word} {what}".replace("  ", " "))
    return said


def _next_step(start: tuple[Piece, ...], pieces: tuple[Piece, ...], k: int) -> bool:
    """Whether ``pieces`` are ``start``'s, ``k`` steps later: the same places of output, moved on."""
    if not start or len(start) != len(pieces) or any(p.tensor in ("h_n", "c_n", "h_0", "c_0") for p in start):
        return False
    return all(
        (b.tensor, b.part[0], b.part[1], b.start, b.stop) == (a.tensor, a.part[0] + k, a.part[1], a.start, a.stop)
        for a, b in zip(start, pieces, strict=True)
    )


def _pieces_named(origin: Origin, pieces: tuple[Piece, ...]) -> str:
    """The pieces of a row; a place's two directions, whole and in order, said once."""
    both = (
        len(pieces) == 2
        and origin.directions == 2
        and all(p.whole for p in pieces)
        and (pieces[0].tensor, pieces[0].part[0]) == (pieces[1].tensor, pieces[1].part[0])
        and (pieces[0].part[1], pieces[1].part[1]) == (0, 1)
    )
    if both:
        place = "layer" if pieces[0].tensor in ("h_n", "c_n", "h_0", "c_0") else "step"
        return f"{pieces[0].tensor} {place} {pieces[0].part[0]}, both directions"
    return " + ".join(_piece(origin, piece) for piece in pieces)


def _batch_axis_fix(origin: Origin) -> str:
    """Where the batch axis is in the tensor the rows came from, and a reshape that keeps it."""
    if len(origin.sources) != 1:
        return ": move each tensor's batch axis first before joining their numbers"
    tensor = origin.sources[0]
    if tensor in ("h_n", "c_n", "h_0", "c_0"):
        return f"; the batch is axis 1 of {tensor}: {tensor}.transpose(0, 1).reshape(N, -1) gives each word its own row"
    if origin.batch_first:
        return f"; the batch is axis 0 of {tensor} (batch_first=True): keep it first, {tensor}.view(N, L, ...)"
    return (
        f"; the batch is axis 1 of {tensor} (batch_first=False): {tensor}.view(L, N, ...) keeps it, "
        f"{tensor}.transpose(0, 1) puts it first"
    )


def _decoder(origin: Origin) -> str:
    """A (k, N, H) stack of whole state rows is what a k-layer decoder takes as h_0: the rows
    it would read as another layer than they are."""
    wrong = decoder_mismatches(origin)
    if not wrong:
        return ""
    k = origin.shape[0]
    said = "; ".join(f"[{row}] (its layer {row}) is {_piece(origin, piece)}" for row, piece in wrong)
    advice = ""
    if origin.directions == 2:
        layers = origin.num_layers
        paired = k % 2 == 0 and all(
            slot.pieces is not None and slot.pieces[0].part[1] == slot.index[0] % 2 for slot in origin.slots
        )
        same = f" (a bidirectional {k // 2}-layer decoder reads them as they are)" if paired else ""
        advice = (
            f"{same}; each layer's two directions are rows 2l and 2l+1: torch.cat([h_n[0::2], h_n[1::2]], 2) "
            f"gives {layers} rows of both directions (a decoder of 2*H units), h_n.view({layers}, 2, N, H).sum(1) "
            f"{layers} rows of H"
        )
    return f". Read as the h_0 of a one-direction {k}-layer decoder, row i is its layer i: {said}{advice}"


def _layer(layer: int, top: int) -> str:
    return "the last layer" if layer == top else f"layer {layer}"


def _meaning(label: tuple[int, str], top: int) -> str:
    """What one arrangement of a layer's final state is."""
    layer, how = label
    other = "" if layer == top else f": another layer, not the last ({top})"
    if how == "both":
        return (
            "the final state of the last layer"
            if layer == top
            else f"same numbers as layer {layer}'s final state{other}"
        )
    if how == "swapped":
        swapped = "the directions swapped (backward half first; the final state is forward half first)"
        if layer == top:
            return f"same numbers as the final state, in another order: {swapped}"
        return f"layer {layer}'s final state with {swapped}{other}"
    half = ": half of the final state" if layer == top else other
    return f"{_layer(layer, top)}'s {how} direction only{half}"


def _user_tensor(facts: Facts) -> str:
    found, top = facts["found"], facts["last_layer"]
    labels = {label for label, _ in found}
    turned = "transposed, words on axis 1 (.T gives one row per word); " if facts["transposed"] else ""
    if labels == {(top, "both")}:
        if facts["transposed"]:
            said = "same numbers as the final state, transposed: words on axis 1 (.T gives one row per word)"
        else:
            where = "both directions, forward half first" if facts["bidirectional"] else "the only direction"
            said = f"the final state of the last layer ({where})"
    elif labels == {None}:
        said = turned + "not the final state of any layer or direction, for any word"
    elif len(found) == 1:
        said = turned + _meaning(found[0][0], top)
    else:
        parts = []
        for label, words in found:
            what = "not a final state of any layer or direction" if label is None else _meaning(label, top)
            parts.append(f"{_names(words)}: {what}")
        said = turned + "; ".join(parts)
    origin: Origin | None = facts.get("origin")
    mixed = origin is not None and origin.word_axis is None and not origin.computed_only
    return said + _halves(facts) + (f"; {_mixed(origin)}" if mixed and origin is not None else "")


def _halves(facts: Facts) -> str:
    """Where a value as wide as both directions is not the final state: what each half is."""
    h, top = facts["half_width"], facts["last_layer"]
    if h is None:
        return ""
    said = []
    for part, found in ((f"[:, :{h}]", facts["first_half"]), (f"[:, {h}:]", facts["second_half"])):
        if all(label is None for label, _ in found):
            said.append(f"{part} is no direction's final state")
            continue
        pieces = []
        for label, words in found:
            who = "every word" if words.count == facts["words"] else _names(words)
            state = "no final state" if label is None else f"{_layer(label[0], top)}'s {label[1]} final state"
            pieces.append(f"{state} for {who}")
        said.append(f"{part} is " + ", ".join(pieces))
    return "; " + "; ".join(said)


#: Each kind of idiom's sentence, from its facts.
NOTES: dict[str, Callable[[Facts], str]] = {
    "last_step": _last_step,
    "h_n_last": _h_n_last,
    "h_n_last_layer": _h_n_last_layer,
    "own_last_step": _own_last_step,
    "own_last_step_both": _own_last_step_both,
    "h_n_view": _h_n_view,
    "output_view": _output_view,
    "logits": _logits,
    "loss_class_axis": _loss_class_axis,
    "loss_flat": _loss_flat,
    "loss_classes_last_refused": _loss_classes_last_refused,
    "loss_classes_last": _loss_classes_last,
    "h_0": _h_0,
    "h_0_batch_first_same": _h_0_batch_first_same,
    "h_0_batch_first": _h_0_batch_first,
    "layout_trap": _layout_trap,
    "bridge_unneeded": _bridge_unneeded,
    "bridge_linear": _bridge_linear,
    "bridge_sum": _bridge_sum,
    "bridge_missing": _bridge_missing,
    "attention_scores": _attention_scores,
    "attention_weights": _attention_weights,
    "attention_context": _attention_context,
    "carry_bidirectional_layers": _carry_bidirectional_layers,
    "carry_one_step": _carry_one_step,
    "carry_chunks": _carry_chunks,
    "carry_smaller_batch": _carry_smaller_batch,
    "cell_projected": _cell_projected,
    "cell_loop": _cell_loop,
    "user_refused": _user_refused,
    "user_error": _user_error,
    "user_not_tensor": _user_not_tensor,
    "user_scalar": _user_scalar,
    "user_not_per_word": _user_not_per_word,
    "user_rows": _user_rows,
    "user_tuple": _user_tuple,
    "user_tensor": _user_tensor,
}
