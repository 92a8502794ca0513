"""50,000 words written by hand with torch: vocabulary, one_hot, packing, forward (the baseline)."""

import json
import sys

import torch
from torch.nn.functional import one_hot
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

with open(sys.argv[1], encoding="utf-8") as handle:
    words = handle.read().split()
vocabulary = list(dict.fromkeys("".join(words)))
index = {ch: i for i, ch in enumerate(vocabulary)}
lengths = torch.tensor([len(w) for w in words])
flat = torch.tensor([index[ch] for w in words for ch in w])
batch = torch.zeros(len(words), int(lengths.max()), len(vocabulary))
batch[torch.arange(int(lengths.max())) < lengths[:, None]] = one_hot(flat, len(vocabulary)).float()
torch.manual_seed(0)
rnn = torch.nn.RNN(input_size=len(vocabulary), hidden_size=64, batch_first=True)
with torch.no_grad():
    packed = pack_padded_sequence(batch, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = rnn(packed)
    output, _ = pad_packed_sequence(out, batch_first=True)
print(json.dumps({"input": list(batch.shape), "output": list(output.shape), "h_n": list(h_n.shape)}))
