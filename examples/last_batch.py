"""A training loop's bug, for `rnn-shapes --diagnose -`: the state of one batch carried into the
next, and a last batch smaller than the others. Run it and pipe what it says to rnn-shapes:

    python examples/last_batch.py 2>&1 | rnn-shapes --diagnose -
"""

import torch
from torch import nn

torch.manual_seed(0)
words = torch.randn(10, 7, 5)  # 10 sequences of 7 steps, 5 features each
rnn = nn.GRU(5, 16, batch_first=True, dropout=0.2)  # dropout with one layer: torch warns
h = None
for start in range(0, len(words), 4):  # batches of 4, 4 and 2
    batch = words[start : start + 4]
    output, h = rnn(batch, h)
    h = h.detach()  # carried into the next batch
