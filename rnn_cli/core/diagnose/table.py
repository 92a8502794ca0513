"""Every wording of every kind, one row a wording: torch's format string with its placeholders
typed, the class it raises, and the torch releases that raise it (read from each release's
own sources, torch/nn/modules/rnn.py, torch/nn/utils/rnn.py and ATen's RNN checks, 1.0 to
2.14). A new wording is one row here; its kind's reader already knows its numbers."""

from __future__ import annotations

from .wordings import Wording

_TAIL = (
    "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
    "if you do not need ONNX exportability."
)

WORDINGS: tuple[Wording, ...] = (
    # input_size: the module's features against the input's last axis
    Wording(
        "input_size",
        "input.size(-1) must be equal to input_size. Expected {expected}, got {got}",
        "RuntimeError",
        "1.0 and later",
    ),
    Wording(
        "input_size",
        "input has inconsistent input_size: got {got}[,] expected {expected}",
        "RuntimeError",
        "1.0 and later (cells; no comma from 1.9)",
    ),
    # the initial state's shape: the given size printed as a tuple up to 1.6, as a list from 1.7
    Wording(
        "hidden_size",
        "Expected hidden[{which:index}] size {expected:shape}, got {got:tuple}",
        "RuntimeError",
        "1.0 to 1.6 (the size given as a tuple)",
    ),
    Wording(
        "hidden_size",
        "Expected hidden[{which:index}] size {expected:shape}, got {got:shape}",
        "RuntimeError",
        "1.7 and later",
    ),
    Wording(
        "hx_dims",
        "For {mode:mode} input, hx[ and cx] should also be {want}-D but got {dims:dims}",
        "RuntimeError",
        "1.11 and later",
    ),
    # the input's number of axes: 3-D only up to 1.10 (1.11 to 1.13 unsqueeze a 2-D input first,
    # so their 'got' is one more than the input's axes); an assert in 2.0; a ValueError from 2.1
    Wording(
        "input_dims",
        "{cls:cell}: Expected input to be 2D or 3D, got {got}D[ tensor] instead",
        "ValueError",
        "2.1 and later",
    ),
    Wording(
        "input_dims", "{cls:cell}: Expected input to be 2-D or 3-D but received {got}-D tensor", "AssertionError", "2.0"
    ),
    # One f-string in torch, f"input must have {expected_input_dim} dimensions, ...", and its two
    # wordings: expected_input_dim is 2 for a PackedSequence's data and 3 otherwise, ever since 1.0
    # (from 2.0 an unpadded input reaches it only as 3-D).
    Wording("input_dims", "input must have 3 dimensions, got {got}", "RuntimeError", "1.0 to 1.13"),
    Wording("packed_input_dims", "input must have 2 dimensions, got {got}", "RuntimeError", "1.0 and later"),
    # input and weights of different dtypes: torch's own check from 2.1; before it (and under
    # autocast or TorchScript after it), the matrix product's, which any layer mixing dtypes
    # raises, with the two types in either order
    Wording(
        "input_dtype",
        "RNN input dtype ({input:dtype}) does not match weight dtype ({weights:dtype})[. Convert input: "
        "input.to({weights_again:dtype}), or convert model: model.to({input_again:dtype})]",
        "ValueError",
        "2.11 and later",
    ),
    Wording(
        "input_dtype", "input must have the type {weights:dtype}, got type {input:dtype}", "ValueError", "2.1 to 2.10"
    ),
    Wording(
        "input_dtype",
        "Input and {against:word} tensors are not the same dtype, found input tensor with {input:scalar} and "
        "{against_again:word} tensor with {weights:scalar}",
        "RuntimeError",
        "1.7 and later (cuDNN)",
    ),
    Wording(
        "input_dtype", "expected scalar type {first:scalar} but found {second:scalar}", "RuntimeError", "1.7 to 2.0"
    ),
    Wording(
        "input_dtype",
        "Expected object of scalar type {first:scalar} but got scalar type {second:scalar} for argument "
        "#{argument}[ {argument_name:word}][ in call to {op:word}]",
        "RuntimeError",
        "1.0 to 1.6",
    ),
    Wording(
        "input_dtype",
        "mat1 and mat2 must have the same dtype[, but got {first:scalar} and {second:scalar}]",
        "RuntimeError",
        "1.13 and later (the types named from 2.1)",
    ),
    Wording(
        "input_dtype",
        "expected m1 and m2 to have the same dtype, but got: {first:ctype} != {second:ctype}",
        "RuntimeError",
        "1.x on CUDA without cuDNN",
    ),
    # the input, the state and the weights on different devices
    Wording(
        "device_mismatch",
        "Input and {against:word} tensors are not at the same device, found input tensor at {input:device} and "
        "{against_again:word} tensor at {other:device}",
        "RuntimeError",
        "1.0 and later",
    ),
    Wording(
        "device_mismatch",
        "Expected all tensors to be on the same device, but found at least two devices, {first:device} and "
        "{second:device}[!]",
        "RuntimeError",
        "1.8 and later (any operation)",
    ),
    # pack_padded_sequence's lengths
    Wording(
        "lengths_sorted",
        "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.[ " + _TAIL + "]",
        "RuntimeError",
        "1.1 and later",
    ),
    Wording("lengths_sorted", "'lengths' array has to be sorted in decreasing order", "RuntimeError", "1.0"),
    Wording(
        "lengths_positive",
        "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0",
        "RuntimeError",
        "1.0 and later",
    ),
    Wording("lengths_positive", "Cannot pack empty tensors.", "RuntimeError", "1.2 and later"),
    Wording("lengths_tensor", "'lengths' argument should be a 1D CPU int64 tensor", "RuntimeError", "1.0 to 1.6"),
    Wording(
        "lengths_tensor",
        "'lengths' argument should be a 1D CPU int64 tensor, but got {dims}D {device:device} {dtype:scalar} tensor",
        "RuntimeError",
        "1.7 and later",
    ),
    Wording(
        "lengths_count",
        "Expected `len(lengths)` to be equal to batch_size, but got {count} (batch_size={batch})",
        "RuntimeError",
        "1.0 and later",
    ),
    Wording(
        "total_length",
        "Expected total_length to be at least the length of the longest sequence in input, but got "
        "total_length={total} and max sequence length being {longest}",
        "ValueError",
        "1.0 and later",
    ),
    # CrossEntropyLoss / nll_loss: Python ValueErrors up to 1.8, ATen RuntimeErrors from 1.9
    Wording("target_size", "Expected target size {expected:shape}, got {got:shape}", "RuntimeError", "1.9 and later"),
    Wording(
        "target_size", "Expected target size {expected:tuple}, got torch.Size({got:shape})", "ValueError", "1.0 to 1.8"
    ),
    Wording(
        "target_batch",
        "Expected input batch_size ({input}) to match target batch_size ({target}).",
        "RuntimeError",
        "1.0 and later (a ValueError up to 1.8)",
    ),
    Wording(
        "target_dims",
        "[0D or ][1D ]target tensor expected, multi-target not supported",
        "RuntimeError",
        "1.4 and later",
    ),
    Wording("target_dims", "multi-target not supported", "RuntimeError", "1.0 to 1.3"),
    # warnings, and cuDNN's backward in eval mode
    Wording(
        "dropout_warning",
        "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers "
        "greater than 1, but got dropout={p:number} and num_layers={layers}",
        "UserWarning",
        "1.0 and later",
        "warning",
    ),
    Wording(
        "weights_warning",
        "RNN module weights are not part of single contiguous chunk of memory.[ This means they need to be "
        "compacted at every call, possibly greatly increasing memory usage. To compact weights again call "
        "flatten_parameters().]",
        "UserWarning",
        "1.0 and later",
        "warning",
    ),
    Wording(
        "cudnn_eval_backward",
        "{library:backend} RNN backward can only be called in training mode",
        "RuntimeError",
        "0.4.1 and later (miopen: ROCm)",
    ),
    Wording("cudnn_eval_backward", "backward_input can only be called in training mode", "RuntimeError", "0.4.0"),
)
