#!/usr/bin/env bash
# How the output and h_n shapes follow --hidden, one rnn-shapes call per size, read with jq.
set -euo pipefail
words=${*:-hello eolll lleel}
printf 'hidden\toutput\th_n\tparameters\n'
for h in 1 2 4 8; do
    # shellcheck disable=SC2086  # the words are meant to split
    rnn-shapes $words --hidden "$h" --json --no-values |
        jq -r '[.config.hidden_size,
                (.tensors.output.shape | map(tostring) | join("x")),
                (.tensors.h_n.shape | map(tostring) | join("x")),
                .parameter_count] | @tsv'
done
