"""A practitioner's model by hand with torch: nn.LSTM(300, 512, 2 layers, bidirectional) over
64 x 100 seeded random features, one forward, the shapes printed (the baseline of --module)."""

import json

import torch

torch.manual_seed(0)
rnn = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)
features = torch.randn(64, 100, 300, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    output, (h_n, c_n) = rnn(features)
parameters = sum(p.numel() for p in rnn.parameters())
print(
    json.dumps({"output": list(output.shape), "h_n": list(h_n.shape), "c_n": list(c_n.shape), "parameters": parameters})
)
