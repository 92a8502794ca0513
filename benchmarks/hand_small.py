"""The main job written by hand with torch: one-hot, nn.RNN, print (the baseline)."""

import json

import torch
from torch.nn.functional import one_hot

words = ["hello", "eolll", "lleel"]
vocabulary = list(dict.fromkeys("".join(words)))
index = {ch: i for i, ch in enumerate(vocabulary)}
batch = one_hot(torch.tensor([[index[ch] for ch in w] for w in words]), len(vocabulary)).float()
torch.manual_seed(0)
rnn = torch.nn.RNN(input_size=len(vocabulary), hidden_size=2, batch_first=True)
with torch.no_grad():
    output, h_n = rnn(batch)
print(
    json.dumps(
        {
            "vocabulary": vocabulary,
            "input": {"shape": list(batch.shape), "values": batch.tolist()},
            "output": {"shape": list(output.shape), "values": output.tolist()},
            "h_n": {"shape": list(h_n.shape), "values": h_n.tolist()},
            "parameters": {name: p.tolist() for name, p in rnn.named_parameters()},
        }
    )
)
