#!/usr/bin/env bash
# How the output and h_n shapes follow --hidden: one rnn-shapes process answers every size
# (--batch reads one JSON request a line), so torch is imported once, not once per size; each
# request asks for the three keys it tabulates ("fields"), so nothing else is computed.
# Usage: examples/hidden_sizes.sh [WORDS...]   (sizes: HIDDEN_SIZES="1 2 4 8" by default)
set -euo pipefail
words=${*:-hello eolll lleel}
sizes=${HIDDEN_SIZES:-1 2 4 8}
printf 'hidden\toutput\th_n\tparameters\n'
for h in $sizes; do
    # shellcheck disable=SC2086  # the words are meant to split
    jq -cn --argjson hidden "$h" '{words: $ARGS.positional, hidden: $hidden, "no-values": true,
                                   fields: ["config", "tensors", "parameter_count"]}' --args $words
done |
    rnn-shapes --batch |
    jq -r 'if .error then error(.error.message) else
           [.config.hidden_size,
            (.tensors.output.shape | map(tostring) | join("x")),
            (.tensors.h_n.shape | map(tostring) | join("x")),
            .parameter_count] | @tsv end'
