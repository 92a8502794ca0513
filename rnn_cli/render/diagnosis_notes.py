"""What --diagnose found, in sentences: each kind's title, each cause the numbers allow (and what
tells it from the others), the fix and its code, what each axis holds, and what the live run
said. The core gives facts and keys (``core.diagnose``); every sentence is written here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.diagnose import AxisFact, Cause, Diagnosis

Facts = Mapping[str, Any]

TITLES: dict[str, str] = {
    "input_size": "input_size mismatch",
    "hidden_size": "h_0 of the wrong shape",
    "hidden0_size": "an LSTM's h_0 (hidden[0]) of the wrong shape",
    "hidden1_size": "an LSTM's c_0 (hidden[1]) of the wrong shape",
    "hx_dims": "a state with the wrong number of axes for its input",
    "input_dims": "an input of the wrong number of axes",
    "packed_input_dims": "a PackedSequence whose data is not 2-D",
    "input_dtype": "input and weights of different dtypes",
    "lengths_sorted": "pack_padded_sequence's lengths are not sorted, longest first",
    "lengths_positive": "a length of 0 (or less) given to pack_padded_sequence",
    "lengths_tensor": "pack_padded_sequence's lengths not a 1-D CPU int64 tensor",
    "lengths_count": "as many lengths as sequences: they differ",
    "total_length": "pad_packed_sequence's total_length shorter than the longest sequence",
    "target_size": "CrossEntropyLoss's targets of the wrong shape",
    "target_batch": "CrossEntropyLoss: as many targets as rows of logits, they differ",
    "dropout_warning": "dropout with one layer: nothing to drop between layers",
    "weights_warning": "weights no longer one contiguous buffer: cuDNN copies them every call",
    "cudnn_eval_backward": "backward through a cuDNN recurrent layer in eval mode",
    "shapes": "a message rnn-shapes does not know: its shapes read against the layouts",
    "device_mismatch": "the input, the state and the weights not on one device",
    "target_dims": "CrossEntropyLoss's targets with an axis too many",
}


def title(d: Diagnosis) -> str:
    return TITLES[d.kind]


def causes(d: Diagnosis) -> list[str]:
    """Each cause the numbers allow, most likely first, as a sentence."""
    return [CAUSES[c.key](d.facts, c.facts) for c in d.causes]


def cause(d: Diagnosis) -> str:
    """The causes as one text: the only one, or numbered, most likely first."""
    said = causes(d)
    if len(said) == 1:
        return said[0]
    return "; ".join(f"({k}) {text}" for k, text in enumerate(said, start=1))


# -- causes ------------------------------------------------------------------------------------------


def _empty_input(f: Facts, c: Facts) -> str:
    return (
        f"the tensor given to the layer is empty: its last axis has 0 features, where the module takes "
        f"input_size={f['expected']}. A batch or sequence with nothing in it (a filter or slice that kept nothing, "
        f"an empty last batch, torch.Tensor() or torch.empty(0) as a placeholder) gives this, not a layer built wrong: "
        f"print x.shape just before the call"
    )


def _features_mismatch(f: Facts, c: Facts) -> str:
    expected, got = f["expected"], f["got"]
    return (
        f"the module was built with input_size={expected}, but the tensor given to it has {got} features on its "
        f"last axis (input.size(-1) = {got}). The last axis is always the features, H_in, whatever batch_first "
        f"says: whatever feeds the layer (an nn.Embedding, a pretrained encoder, a CNN, a one-hot vocabulary) "
        f"must end in {expected} numbers per step"
    )


def _channels_first(f: Facts, c: Facts) -> str:
    return (
        f"or the batch is transposed: a Conv1d's output is (N, C, L), its channels on axis 1, so a last axis of "
        f"{f['got']} may be the steps (permute(0, 2, 1) puts C last). Tells them apart: is {f['got']} your "
        f"sequence length?"
    )


def _releases(c: Facts) -> str:
    """Which torch reads the message's number so: the old wording's number is the input's axes
    up to 1.10, one more from 1.11 to 1.13 (a 1-D or 4-D input was unsqueezed first)."""
    if not c.get("releases"):
        return ""
    if c.get("unsqueezed"):
        return f"or, from torch {c['releases']} (which add an axis to an input that is not 3-D first), "
    return f"on torch {c['releases']}, "


def _one_number_steps(f: Facts, c: Facts) -> str:
    return _releases(c) + "a 1-D input, one sequence of single numbers: it needs a feature axis of 1 (and a batch axis)"


def _no_batch_axis(f: Facts, c: Facts) -> str:
    return _releases(c) + (
        "a 2-D input, one sequence without its batch axis, (L, H_in): give it one, x.unsqueeze(1) (or "
        "unsqueeze(0) with batch_first=True); torch 1.11 and later read a 2-D input as one sequence"
    )


def _feature_map(f: Facts, c: Facts) -> str:
    return _releases(c) + (
        "a 4-D input, usually a CNN's feature map (N, C, H, W): make it a sequence first, e.g. "
        "x.flatten(2).permute(0, 2, 1) -> (N, H*W, C), one step per position, with batch_first=True"
    )


def _video(f: Facts, c: Facts) -> str:
    return _releases(c) + "a 5-D input, usually video, (N, T, C, H, W): flatten each frame (or encode it) first"


def _other_dims(f: Facts, c: Facts) -> str:
    return (
        _releases(c) + f"nn.{f['cell']} takes (L, N, H_in), or (N, L, H_in) with batch_first=True; "
        f"this input has {c.get('dims', f['got'])} axes"
    )


def _packed_from_wrong_dims(f: Facts, c: Facts) -> str:
    return (
        f"a PackedSequence's data is {f['want']}-D, (sum of lengths, H_in); this one's is {f['got']}-D, because "
        f"the padded batch given to pack_padded_sequence had {f['padded']} axes, not 3"
    )


def _state_dtype(f: Facts, c: Facts) -> str:
    return (
        "h_0 (or c_0) is of another dtype than the input: a state made with torch.zeros(...) is float32 whatever "
        "the input is; make it from the input, torch.zeros(..., dtype=x.dtype), or convert the input"
    )


def _dtype_pair(f: Facts) -> str:
    if f["input"] and f["weights"]:
        return f"the input is {f['input']} and the module's weights are {f['weights']}: torch converts neither"
    return "the input and the weights are of different dtypes (this wording does not name them)"


def _token_ids(f: Facts, c: Facts) -> str:
    return (
        _dtype_pair(f) + ". Integer input is usually token ids fed straight to the layer: they need an "
        "nn.Embedding(V, E) in front (or one_hot(ids, V).float())"
    )


def _numpy_float64(f: Facts, c: Facts) -> str:
    return (
        _dtype_pair(f) + ". float64 input usually comes from NumPy, whose arrays are float64 by default: "
        "torch.from_numpy keeps it; .float() makes it float32"
    )


def _half_model(f: Facts, c: Facts) -> str:
    return _dtype_pair(f) + ". Half-precision weights come from model.half() or a bfloat16 load: convert the input too"


def _dtypes_differ(f: Facts, c: Facts) -> str:
    return _dtype_pair(f)


def _another_layer(f: Facts, c: Facts) -> str:
    return (
        "this wording comes from the matrix product every layer uses, so a Linear or a matmul that mixes dtypes "
        "raises it too: if the traceback's last line of your code is not the recurrent layer, it is that layer"
    )


def _state_elsewhere(f: Facts, c: Facts) -> str:
    return (
        f"h_0 (or c_0) is on {c.get('other') or 'another device'} and the input on {c.get('input') or 'this one'}: "
        "a state made with torch.zeros(...) is on the CPU unless told; make it where the input is, "
        "torch.zeros(..., device=x.device)"
    )


def _input_elsewhere(f: Facts, c: Facts) -> str:
    return (
        f"the input is on {c.get('input') or 'one device'} and the module's weights on {c.get('other') or 'another'}: "
        "model.to(device) moves the weights, not the batches; move each batch too, x = x.to(device)"
    )


def _any_operation(f: Facts, c: Facts) -> str:
    return (
        "this wording comes from any operation given tensors on two devices: if the traceback's last line of your "
        "code is not the recurrent layer, it is that operation"
    )


def _empty_batch(f: Facts, c: Facts) -> str:
    return (
        "pack_padded_sequence was given an empty batch (no sequence, or no step): a last batch that filtering "
        "emptied, or a dataset split with nothing in it"
    )


def _targets_per_step(f: Facts, c: Facts) -> str:
    return (
        "nn.CrossEntropyLoss got targets with an axis more than the logits leave: (N, L) targets against (N, V) "
        "logits, one row of scores per sequence (h_n[-1] or output[:, -1] through a Linear) against a target per "
        "step. Either score every step (output through the Linear, then logits.reshape(-1, V) against "
        "targets.reshape(-1)) or keep one target per sequence"
    )


def _one_hot_targets(f: Facts, c: Facts) -> str:
    return (
        "or the targets are one-hot (N, V): CrossEntropyLoss takes class indices, targets.argmax(dim=1) (or "
        "float probabilities of the logits' shape)"
    )


def _state_axes(f: Facts, c: Facts) -> str:
    t = c["tensor"]
    fix = ": add the layers axis with unsqueeze(0)" if c["axes"] == 2 else ""
    return f"{t} has {c['axes']} axes; it needs 3, (D*num_layers, N, H_out), even for one layer{fix}"


def _batch_major_state(f: Facts, c: Facts) -> str:
    return (
        f"{f['tensor']} is batch-major, (N, D*num_layers, ...) = {tuple(f['got'])}: batch_first=True changes the "
        f"input and output only; {f['tensor']} and h_n keep the batch on axis 1"
    )


def _rows(c: Facts) -> str:
    return f"axis 0: {c['tensor']} has {c['got_rows']} rows where the module has D*num_layers = {c['rows']}"


def _rows_two_layers(f: Facts, c: Facts) -> str:
    return (
        f"{_rows(c)}: {c['tensor']} built for num_layers={c['got_rows']} (an init_hidden's "
        f"torch.zeros(num_layers, ...) with another num_layers than the module's)"
    )


def _rows_two_directions(f: Facts, c: Facts) -> str:
    return (
        f"or {c['tensor']} built for two directions (num_layers * 2, as for bidirectional=True) while the module "
        f"has one. Tells them apart: which factor of the first argument of its torch.zeros(...) you doubled"
    )


def _rows_encoder_state(f: Facts, c: Facts) -> str:
    return (
        f"or an encoder's h_n handed on: a 2-layer or bidirectional encoder's h_n has {c['got_rows']} rows; a "
        f"{c['rows']}-row decoder needs them chosen or bridged (h_n[-{c['rows']}:] the last layer's, "
        f"torch.cat((h_n[-2], h_n[-1]), dim=1) through a Linear, or h_n.view(L, 2, N, H).sum(1)). Tells it apart: "
        f"the state came from another module's output"
    )


def _rows_module_doubled(f: Facts, c: Facts) -> str:
    return (
        f"{_rows(c)}, half of them: the module is bidirectional=True (D=2) or has num_layers={c['rows']} while the "
        f"state was built for one direction and one layer"
    )


def _rows_other(f: Facts, c: Facts) -> str:
    return _rows(c) + " (num_layers times 2 when bidirectional)"


def _smaller_last_batch(f: Facts, c: Facts) -> str:
    batch, got = f["batch"], f["got"][1]
    return (
        f"axis 1: {c['tensor']} was made for a batch of {got}, this batch has {batch}: a last batch smaller than the "
        f"first (a dataset that is not a multiple of the batch size) given the state of a full one. Make "
        f"{c['tensor']} from the batch at hand, or carry h[:, :{batch}], or DataLoader(..., drop_last=True)"
    )


def _steps_read_as_batch(f: Facts, c: Facts) -> str:
    batch, got = f["batch"], f["got"][1]
    return (
        f"axis 1: the module reads a batch of {batch} and {c['tensor']} was made for {got}. If the input is (N, L, "
        f"H_in) and the module has batch_first=False, torch reads axis 1 (the steps) as the batch: pass "
        f"batch_first=True. Tells it apart: is {batch} your sequence length?"
    )


def _state_of_another_batch(f: Facts, c: Facts) -> str:
    return f"or {c['tensor']} made for another batch than this one: build it from x.size(0) (batch_first) or x.size(1)"


def _width_hidden(f: Facts, c: Facts) -> str:
    return f"axis 2: {c['tensor']} has {c['got']} units; the module's hidden size is {c['width']}"


def _width_projection(f: Facts, c: Facts) -> str:
    return (
        f"or the LSTM projects (proj_size): h_0's last axis is proj_size, c_0's hidden_size. Tells it apart: "
        f"the module's proj_size={c['width']}?"
    )


def _state_lost_layers_axis(f: Facts, c: Facts) -> str:
    states = "(h_0, c_0)" if f["pair"] else "h_0"
    return (
        f"the input is batched, 3-D, so {states} must be 3-D too, (D*num_layers, N, H_out); "
        f"{'they are' if f['pair'] else 'it is'} {', '.join(f'{g}-D' for g in f['got'])}. A 2-D state is usually "
        f"(N, H) without the layers axis: a Linear's output, or h_n[-1] kept from an encoder; unsqueeze(0) gives "
        f"it back for a one-layer, one-direction module"
    )


def _state_axes_batched(f: Facts, c: Facts) -> str:
    return f"the input is batched, 3-D, so the state must be 3-D, (D*num_layers, N, H_out); it is {f['got']}-D"


def _input_lost_batch_axis(f: Facts, c: Facts) -> str:
    return (
        "the input is 2-D, which torch reads as one sequence without a batch, (L, H_in), so the state must be 2-D, "
        "(D*num_layers, H_out): if you meant a batch, the input has lost its batch axis"
    )


def _state_batched(f: Facts, c: Facts) -> str:
    return "or the input is meant as one sequence and the state was built for a batch: drop its batch axis"


def _unsorted_lengths(f: Facts, c: Facts) -> str:
    old = "; torch 1.0 had no enforce_sorted, and needs the batch sorted" if f["old"] else ""
    return (
        "pack_padded_sequence was called with enforce_sorted=True (its default) and lengths that are not in "
        f"decreasing order: torch then expects the longest sequence first{old}"
    )


def _empty_sequence(f: Facts, c: Facts) -> str:
    return (
        "a sequence of length 0 (or less) was packed: an empty line or sentence after tokenizing or filtering. "
        "torch checks the smallest length (the last once sorted): with enforce_sorted=True a 0 anywhere else says "
        "'must be sorted' instead"
    )


def _mask_all_padding(f: Facts, c: Facts) -> str:
    return "or lengths counted from a padding mask that marked every step of a sequence as padding"


def _lengths_on_gpu(f: Facts, c: Facts) -> str:
    where = c.get("device", "the GPU")
    return (
        f"the lengths are on {where}: pack_padded_sequence wants them on the CPU even when the batch is on the "
        f"GPU (moving the whole batch with .to(device) moved them too): lengths.cpu()"
    )


def _lengths_not_int64(f: Facts, c: Facts) -> str:
    what = c.get("dtype", "another dtype")
    return f"the lengths are {what}, not int64: lengths.long()"


def _lengths_not_1d(f: Facts, c: Facts) -> str:
    dims = c.get("dims")
    what = f"have {dims} axes" if dims else "are not 1-D"
    return f"the lengths {what}: one length per sequence is 1-D, lengths.view(-1)"


def _steps_read_as_batch_lengths(f: Facts, c: Facts) -> str:
    return (
        f"pack_padded_sequence read a batch of {f['batch']} on the input's batch axis (axis 1, or axis 0 with "
        f"batch_first=True) and was given {f['count']} lengths: if the input is (N, L, H_in) and batch_first is "
        f"False, torch took axis 1, the {f['batch']} steps, as the batch"
    )


def _lengths_of_another_batch(f: Facts, c: Facts) -> str:
    return "or the lengths are another batch's: one length per sequence of this batch, in its order"


def _total_length_elsewhere(f: Facts, c: Facts) -> str:
    total, longest = f["total"], f["longest"]
    return (
        f"pad_packed_sequence(total_length={total}) pads the output to {total} steps, which must be at least the "
        f"longest sequence, {longest}. total_length is meant to be the padded input's length (input.size(1) with "
        f"batch_first=True, else input.size(0)), e.g. under DataParallel, where each replica sees part of the "
        f"batch; {total} came from elsewhere (the batch size, a fixed max_len, another batch)"
    )


def _classes_last(f: Facts, c: Facts) -> str:
    n, v, steps = c["n"], c["v"], c["steps"]
    return (
        f"nn.CrossEntropyLoss reads axis 1 of the logits as the classes. Logits from a recurrent layer are "
        f"(N, L, V), the classes last: here probably ({n}, {steps}, {v}), so torch took the {steps} steps for "
        f"classes and wanted targets ({n}, {v})"
    )


def _targets_shape(f: Facts, c: Facts) -> str:
    return (
        f"for logits (N, C, d1, ...) nn.CrossEntropyLoss wants targets (N, d1, ...) = {f['expected']}, the "
        f"logits' shape without axis 1; the targets are {f['got']}"
    )


def _shift_not_cut(f: Facts, c: Facts) -> str:
    return (
        f"if N = {c['n']}, the logits have {c['steps']} steps and the targets {c['target_steps']}: the next-token "
        f"shift (targets = tokens[:, 1:]) needs the logits cut the same way, logits[:, :-1]"
    )


def _one_target_per_sequence(f: Facts, c: Facts) -> str:
    return (
        f"if the targets are one per sequence (N = {c['n']}) and the logits one per step ({c['steps']} steps each): "
        f"a sequence classifier takes one state per sequence, h_n[-1], not output"
    )


def _flattened_differently(f: Facts, c: Facts) -> str:
    return (
        f"for logits (N, C) nn.CrossEntropyLoss wants N targets: the logits have {f['rows']} rows and the targets "
        f"{f['targets']}. After logits.reshape(-1, V) the rows are every step of every sequence, N*L; the targets "
        f"must be flattened the same way, with the same N and L"
    )


def _dropout_one_layer(f: Facts, c: Facts) -> str:
    p, layers = f["p"], f["layers"]
    return (
        f"dropout acts between stacked layers, on the output of every layer but the last: with num_layers={layers} "
        f"there is no such place, so dropout={p} drops nothing, in training or not"
    )


def _weights_moved(f: Facts, c: Facts) -> str:
    return (
        "on CUDA, cuDNN runs a recurrent layer from one flat buffer of all its weights; these weights are no longer "
        "that buffer (moved or replaced after the module was built: DataParallel replicas, weight_norm or another "
        "parametrization, assigning a new Parameter, loading into .data), so every call copies them into a new one "
        "first: slower, and more memory"
    )


def _gradients_in_eval(f: Facts, c: Facts) -> str:
    return (
        "backward() went through a recurrent layer in eval mode on the GPU: cuDNN keeps what backward needs only "
        "in training mode. It happens when gradients are wanted from a model in eval mode: saliency or integrated "
        "gradients, adversarial inputs, a frozen encoder under a trained head"
    )


def _reading(f: Facts, c: Facts) -> str:
    said = []
    for shape in c["shapes"]:
        if len(shape) == 3:
            a, b, h = shape
            said.append(
                f"{tuple(shape)} as a state (h_0, h_n) is D*num_layers={a}, batch N={b}, H_out={h}; as an input "
                f"with batch_first=True N={a}, L={b}, H_in={h}; without it L={a}, N={b}"
            )
        elif len(shape) == 2:
            said.append(f"{tuple(shape)} as an unbatched input is L={shape[0]}, H_in={shape[1]}; as h_n[-1], N, H_out")
        else:
            said.append(f"{tuple(shape)} has {len(shape)} axes: a recurrent layer's tensors have 2 or 3")
    return (
        "rnn-shapes does not know this message, so it is not explained, only its shapes read against the layouts: "
        + "; ".join(said)
    )


#: Each cause's sentence, by its key, from the diagnosis's facts and the cause's own.
CAUSES: dict[str, Callable[[Facts, Facts], str]] = {
    "empty_input": _empty_input,
    "features_mismatch": _features_mismatch,
    "channels_first": _channels_first,
    "one_number_steps": _one_number_steps,
    "no_batch_axis": _no_batch_axis,
    "feature_map": _feature_map,
    "video": _video,
    "other_dims": _other_dims,
    "packed_from_wrong_dims": _packed_from_wrong_dims,
    "token_ids": _token_ids,
    "numpy_float64": _numpy_float64,
    "half_model": _half_model,
    "dtypes_differ": _dtypes_differ,
    "another_layer": _another_layer,
    "state_axes": _state_axes,
    "batch_major_state": _batch_major_state,
    "rows_two_layers": _rows_two_layers,
    "rows_two_directions": _rows_two_directions,
    "rows_encoder_state": _rows_encoder_state,
    "rows_module_doubled": _rows_module_doubled,
    "rows_other": _rows_other,
    "smaller_last_batch": _smaller_last_batch,
    "steps_read_as_batch": _steps_read_as_batch,
    "state_of_another_batch": _state_of_another_batch,
    "width_hidden": _width_hidden,
    "width_projection": _width_projection,
    "state_lost_layers_axis": _state_lost_layers_axis,
    "state_axes_batched": _state_axes_batched,
    "input_lost_batch_axis": _input_lost_batch_axis,
    "state_batched": _state_batched,
    "unsorted_lengths": _unsorted_lengths,
    "empty_sequence": _empty_sequence,
    "mask_all_padding": _mask_all_padding,
    "lengths_on_gpu": _lengths_on_gpu,
    "lengths_not_int64": _lengths_not_int64,
    "lengths_not_1d": _lengths_not_1d,
    "steps_read_as_batch_lengths": _steps_read_as_batch_lengths,
    "lengths_of_another_batch": _lengths_of_another_batch,
    "total_length_elsewhere": _total_length_elsewhere,
    "classes_last": _classes_last,
    "targets_shape": _targets_shape,
    "shift_not_cut": _shift_not_cut,
    "one_target_per_sequence": _one_target_per_sequence,
    "flattened_differently": _flattened_differently,
    "dropout_one_layer": _dropout_one_layer,
    "weights_moved": _weights_moved,
    "gradients_in_eval": _gradients_in_eval,
    "reading": _reading,
    "state_dtype": _state_dtype,
    "state_elsewhere": _state_elsewhere,
    "input_elsewhere": _input_elsewhere,
    "any_operation": _any_operation,
    "empty_batch": _empty_batch,
    "targets_per_step": _targets_per_step,
    "one_hot_targets": _one_hot_targets,
}


# -- fixes ---------------------------------------------------------------------------------------------


def fix(d: Diagnosis) -> tuple[str, str]:
    """What to do, and the line of code that does it, for the most likely cause."""
    return FIXES[d.kind](d.facts, d.causes[0] if d.causes else Cause(""))


def _fix_input_size(f: Facts, c: Cause) -> tuple[str, str]:
    cell, expected, got = f["cell"], f["expected"], f["got"]
    if c.key == "empty_input":
        return (
            "find where the tensor became empty (x.shape before the call), and skip or drop empty batches",
            f"assert x.size(-1) == {expected} and x.numel() > 0, x.shape  # before rnn(x)",
        )
    return (
        f"build the layer for what it is fed, input_size={got}, or map the {got} features to {expected} first",
        f"rnn = nn.{cell}({got}, hidden_size)  # or first: x = nn.Linear({got}, {expected})(x)",
    )


def _fix_state(f: Facts, c: Cause) -> tuple[str, str]:
    rows, width, tensor = f["rows"], f["width"], f["tensor"]
    if c.key == "smaller_last_batch":
        return (
            f"give {tensor} the batch at hand: h[:, :N] of a carried state, fresh zeros per batch, or drop_last=True",
            f"{tensor} = torch.zeros({rows}, x.size(0), {width})  # x batch-first; batch on axis 1 of the state",
        )
    if c.key == "rows_encoder_state":
        return (
            f"choose or bridge the encoder's rows into {rows}: its last layer h_n[-{rows}:], or a Linear over both "
            "directions",
            f"{tensor} = h_n[-{rows}:]  # or: bridge(torch.cat((h_n[-2], h_n[-1]), dim=1)).unsqueeze(0)",
        )
    return (
        f"give {tensor} the shape {tuple(f['expected'])}: D*num_layers rows, the batch on axis 1, the units last",
        f"{tensor} = torch.zeros({rows}, batch_size, {width})  # batch on axis 1, always",
    )


def _fix_hx_dims(f: Facts, c: Cause) -> tuple[str, str]:
    states = "(h_0, c_0)" if f["pair"] else "h_0"
    if f["batched"]:
        return (
            f"{states} of 3 axes, (D*num_layers, N, H_out): e.g. h.unsqueeze(0) for one layer",
            "h_0 = h.unsqueeze(0)  # (N, H) -> (1, N, H): one layer, one direction",
        )
    return (
        "give the input its batch axis (x.unsqueeze(1), or unsqueeze(0) with batch_first=True), or a 2-D state",
        "output, h_n = rnn(x.unsqueeze(1), h_0)  # (L, H_in) -> (L, 1, H_in): a batch of one",
    )


def _fix_input_dims(f: Facts, c: Cause) -> tuple[str, str]:
    code = {
        "feature_map": "x = x.flatten(2).permute(0, 2, 1)  # (N, C, H, W) -> (N, H*W, C), batch_first=True",
        "one_number_steps": "x = x.view(1, -1, 1)  # (L,) -> (1, L, 1): a batch of one, one feature a step",
        "video": "x = x.flatten(2)  # (N, T, C, H, W) -> (N, T, C*H*W), with batch_first=True",
        "no_batch_axis": "x = x.unsqueeze(1)  # (L, H_in) -> (L, 1, H_in): a batch of one (batch_first: 0)",
    }.get(c.key, "x = x.reshape(N, L, -1)  # (N, L, H_in), with batch_first=True")
    return "give the layer 3 axes, (N, L, H_in) with batch_first=True (or (L, N, H_in)): the features last", code


def _fix_packed_dims(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "pack a 3-D batch, (L, N, H_in) or (N, L, H_in) with batch_first=True",
        "packed = pack_padded_sequence(x.flatten(2), lengths, batch_first=True)  # features flattened last",
    )


def _fix_dtype(f: Facts, c: Cause) -> tuple[str, str]:
    weights = f["weights"] or "torch.float32"
    if c.key == "token_ids":
        return (
            "turn token ids into vectors first: nn.Embedding(vocab_size, input_size)(ids)",
            "x = embedding(ids)  # embedding = nn.Embedding(vocab_size, input_size)",
        )
    return (
        f"convert the input to the weights' dtype, x.to({weights}) (or the module, rnn.to(...))",
        f"output, h_n = rnn(x.to({weights}))",
    )


def _fix_sorted(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "pass enforce_sorted=False: torch sorts the batch itself and gives output and h_n back in your order (sorted "
        "lengths are only needed for ONNX export); or sort the batch by length, longest first",
        "packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)",
    )


def _fix_positive(f: Facts, c: Cause) -> tuple[str, str]:
    if c.key == "empty_batch":
        return ("skip empty batches before packing", "if x.size(0) == 0: continue  # batch_first=True")
    return (
        "drop empty sequences before batching (keep = lengths > 0), or give them one step",
        "keep = lengths > 0; x, lengths = x[keep], lengths[keep]  # batch_first=True",
    )


def _fix_lengths_tensor(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "lengths.cpu().long().view(-1): on the CPU, int64, 1-D",
        "packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)",
    )


def _fix_count(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "one length per sequence, in batch order, and batch_first=True for a (N, L, H_in) input",
        "packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)  # x: (N, L, H_in)",
    )


def _fix_total(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "total_length = the padded input's length, x.size(1) with batch_first=True (x.size(0) without)",
        "output, _ = pad_packed_sequence(packed_output, batch_first=True, total_length=x.size(1))",
    )


def _fix_target_size(f: Facts, c: Cause) -> tuple[str, str]:
    if c.key == "classes_last":
        n, v, steps = c.facts["n"], c.facts["v"], c.facts["steps"]
        return (
            f"move the {v} classes to axis 1, logits.transpose(1, 2): ({n}, {v}, {steps}) against ({n}, {steps})",
            f"loss = nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)  # or logits.reshape(-1, {v})",
        )
    return (
        f"targets of the logits' shape without the class axis: {f['expected']}, or flatten both",
        "loss = nn.CrossEntropyLoss()(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))",
    )


def _fix_target_batch(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "the same count on both sides: logits.reshape(-1, V) against targets.reshape(-1), of the same steps",
        "loss = nn.CrossEntropyLoss()(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))",
    )


def _fix_dropout(f: Facts, c: Cause) -> tuple[str, str]:
    p, cell = f["p"], f["cell"]
    return (
        f"num_layers=2 or more for dropout between layers; nn.Dropout({p}) for dropout on the output; or drop it",
        f"output = nn.Dropout({p})(output)  # after an nn.{cell}(..., num_layers=1) without dropout",
    )


def _fix_weights(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "call flatten_parameters() after changing the weights, or at the start of forward",
        "self.rnn.flatten_parameters()  # first line of the model's forward",
    )


def _fix_cudnn(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "put the recurrent layer (only) in training mode for that pass, rnn.train() (dropout, if any, is then on: "
        "give it dropout=0), or run that pass without cuDNN",
        "with torch.backends.cudnn.flags(enabled=False):  # or: model.eval(); model.rnn.train()\n    loss.backward()",
    )


def _fix_device(f: Facts, c: Cause) -> tuple[str, str]:
    if c.key == "state_elsewhere":
        return (
            "make the state where the input is",
            "h_0 = torch.zeros(layers * directions, x.size(0), hidden, device=x.device)",
        )
    return (
        "move every batch where the module is, as the module was moved",
        "x = x.to(next(model.parameters()).device)",
    )


def _fix_target_dims(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "score every step and flatten both sides, or keep one target per sequence",
        "loss = nn.CrossEntropyLoss()(linear(output).reshape(-1, V), targets.reshape(-1))",
    )


def _fix_reading(f: Facts, c: Cause) -> tuple[str, str]:
    return (
        "compare each shape with the layouts above: the axis that differs names the setting",
        "print(x.shape, h_0.shape)  # the tensors the failing line passes",
    )


FIXES: dict[str, Callable[[Facts, Cause], tuple[str, str]]] = {
    "input_size": _fix_input_size,
    "hidden_size": _fix_state,
    "hidden0_size": _fix_state,
    "hidden1_size": _fix_state,
    "hx_dims": _fix_hx_dims,
    "input_dims": _fix_input_dims,
    "packed_input_dims": _fix_packed_dims,
    "input_dtype": _fix_dtype,
    "lengths_sorted": _fix_sorted,
    "lengths_positive": _fix_positive,
    "lengths_tensor": _fix_lengths_tensor,
    "lengths_count": _fix_count,
    "total_length": _fix_total,
    "target_size": _fix_target_size,
    "target_batch": _fix_target_batch,
    "dropout_warning": _fix_dropout,
    "weights_warning": _fix_weights,
    "cudnn_eval_backward": _fix_cudnn,
    "shapes": _fix_reading,
    "device_mismatch": _fix_device,
    "target_dims": _fix_target_dims,
}


# -- axes ----------------------------------------------------------------------------------------------

ROLE_NAMES = {
    "features": "features (H_in)",
    "rows": "D*num_layers (layers x directions)",
    "batch": "batch (N)",
    "width": "units (H_out)",
    "steps": "steps (L)",
    "unknown": "?",
}


def axis_name(d: Diagnosis, axis: AxisFact) -> str:
    if axis.role == "width" and d.kind == "hidden1_size":
        return "units (H_cell)"
    return ROLE_NAMES.get(axis.role, axis.role)


def axis_why(d: Diagnosis, axis: AxisFact) -> str:
    """Where torch takes the axis's size from."""
    f = d.facts
    if axis.role == "features":
        return f"the module's input_size is {axis.expected}"
    if axis.role == "rows":
        rows = axis.expected or 0
        layers = f"num_layers={rows}" + (
            f", or num_layers={rows // 2} with bidirectional=True" if rows % 2 == 0 else ""
        )
        return f"one row per layer and direction: D*num_layers = {rows} ({layers})"
    if axis.role == "batch" and d.kind in ("hidden_size", "hidden0_size", "hidden1_size"):
        return (
            f"the batch of the input, on axis 1 of {f['tensor']} always, even with batch_first=True (input.size(0) "
            f"with batch_first=True, input.size(1) without, batch_sizes[0] for a PackedSequence)"
        )
    if axis.role == "batch":
        return "one per sequence of the batch"
    if axis.role == "width":
        last = "H_cell: hidden_size" if d.kind == "hidden1_size" else "H_out: hidden_size, or proj_size when projecting"
        return f"{last} = {axis.expected}"
    if axis.role == "steps":
        return "at least the longest sequence"
    return ""


# -- the live run --------------------------------------------------------------------------------------

OUTCOMES = {
    "needs_cuda": "needs CUDA (cuDNN): not reproduced on this machine; the script raises it where CUDA is",
    "no_error": "the reproduction raised nothing with this torch",
    "too_large": "sizes too large to make",
    "too_many_axes": "too many axes to make",
    "not_packable": "not a shape torch packs",
    "odd_dtype": "a dtype rnn-shapes won't make",
    "odd_lengths": "lengths of a device or dtype rnn-shapes does not make",
    "odd_dropout": "not a dropout torch takes",
    "no_rows": "a state of no rows: nothing to make",
    "unknown_message": "a message rnn-shapes does not know is not reproduced",
}


def outcome(d: Diagnosis) -> str:
    """What the live run said, when it did not give the very message."""
    if d.outcome is None:
        return ""
    if d.outcome == "reworded":
        return f"the same message and numbers, as this torch words it (the text's wording is torch {d.versions})"
    if d.outcome == "differs":
        return (
            f"this torch words it differently (the text's wording is torch {d.versions}), or the smallest "
            "configuration met another check first"
        )
    if d.outcome == "no_error" and d.kind == "input_dims" and d.facts.get("old"):
        return "this torch reads a 2-D input as one sequence (torch 1.11 and later): the text is from an older torch"
    return OUTCOMES.get(d.outcome, d.outcome)
