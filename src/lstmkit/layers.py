"""Building blocks of the sequence networks that ``nn`` lacks: pure nn.Modules, no numpy, no pandas.

- ``ReluLSTM``: an LSTM with relu in place of tanh (Keras' ``LSTM(activation='relu')``), masked for padding;
- ``ConvBranch``: the FCN branch of LSTM-FCN (Conv1d -> batch norm -> ReLU blocks, global average pooling);
- ``MaskedBatchNorm1d``: batch norm whose statistics count only the real steps of a padded batch;
- ``step_mask``: the (N, L) mask of real steps from the lengths;
- ``pool_steps``: average pooling along time by a fixed factor, over the real steps only;
- ``instance_norm``: each sequence's channels to zero mean and unit variance over its real steps.

Each takes a zero-padded batch and a mask of its real steps, and its output for a sequence does not depend on
the other sequences in the batch or on how much padding follows it.

Shape symbols:  N sequences in a batch   L longest sequence   F input features   H hidden_size
                D H * (2 if bidirectional else 1)   C conv channels
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ReluLSTM", "ReluLSTMCell", "ConvBranch", "MaskedBatchNorm1d", "step_mask", "pool_steps", "instance_norm",
]


def step_mask(lengths: Tensor, total: int, device: torch.device | None = None) -> Tensor:
    """lengths: (N,) on any device -> (N, L) bool on ``device`` (default: the lengths'), True on the real steps."""
    device = lengths.device if device is None else device
    return torch.arange(total, device=device)[None, :] < lengths.to(device, non_blocking=True)[:, None]


def pool_steps(x: Tensor, lengths: Tensor, factor: int) -> tuple[Tensor, Tensor]:
    """Average each run of ``factor`` steps into one, counting only real steps, so a sequence's pooled steps
    depend on its own values and length only (never on the batch's padding). The last run of a sequence may
    be shorter; its mean is over the steps it has.

    x: (N, L, F) zero-padded, lengths: (N,) on the CPU -> (N, ceil(L / factor), F) zero-padded,
    (N,) = ceil(lengths / factor) on the CPU.

    >>> x = torch.tensor([[[1.0], [3.0], [5.0]], [[2.0], [0.0], [0.0]]])   # lengths 3 and 1
    >>> y, n = pool_steps(x, torch.tensor([3, 1]), 2)
    >>> y[..., 0].tolist(), n.tolist()       # (1 + 3) / 2, 5 / 1;  2 / 1, padding
    ([[2.0, 5.0], [2.0, 0.0]], [2, 1])
    """
    if factor == 1:
        return x, lengths
    m = step_mask(lengths, x.shape[1], x.device).to(x.dtype)[:, None, :]  # (N, 1, L)
    # avg_pool1d's divisor (the window's size) cancels in the ratio: the sum of the real steps over their count
    sums = F.avg_pool1d(x.transpose(1, 2) * m, factor, factor, ceil_mode=True)  # (N, F, L')
    counts = F.avg_pool1d(m, factor, factor, ceil_mode=True)  # (N, 1, L')
    pooled = sums / counts.clamp(min=1e-12)  # zero where a run holds no real step
    return pooled.transpose(1, 2), torch.div(lengths + factor - 1, factor, rounding_mode="floor")


def instance_norm(x: Tensor, mask: Tensor, eps: float = 1e-5) -> Tensor:
    """Each sequence's channels minus their mean, over their standard deviation, both over its real steps;
    padding stays zero. A constant channel becomes zero.

    x: (N, L, F), mask: (N, L) bool -> (N, L, F)
    """
    m = mask[..., None].to(x.dtype)  # (N, L, 1)
    count = m.sum(dim=1, keepdim=True).clamp(min=1)  # (N, 1, 1)
    mean = (x * m).sum(dim=1, keepdim=True) / count  # (N, 1, F)
    var = (((x - mean) * m) ** 2).sum(dim=1, keepdim=True) / count  # (N, 1, F)
    return (x - mean) / torch.sqrt(var + eps) * m


class ReluLSTM(nn.Module):
    """A stacked, optionally bidirectional LSTM with relu in place of tanh, as Keras' ``activation='relu'``:

        i, f, o = sigmoid(.)   g = relu(.)   c' = f * c + i * g   h' = o * relu(c')

    It cannot use the fused kernel, so it runs a Python loop over the L steps (each step vectorised over
    the batch; the input projection of all steps is one matmul). A sequence's state stops changing after
    its last real step; the backward direction reads each sequence reversed within its own length.

    forward(x, mask): (N, L, F), (N, L) bool -> out (N, L, D) zero on padding, last (N, D)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        self.num_layers, self.bidirectional = num_layers, bidirectional
        directions = 2 if bidirectional else 1
        sizes = [input_size] + [hidden_size * directions] * (num_layers - 1)
        self.cells = nn.ModuleList(
            ReluLSTMCell(sizes[layer], hidden_size) for layer in range(num_layers) for _ in range(directions)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        directions = 2 if self.bidirectional else 1
        reverse = _reverse_index(mask) if self.bidirectional else None  # (N, L)
        for layer in range(self.num_layers):
            if layer:
                x = self.dropout(x)
            outs, lasts = [], []
            for d in range(directions):
                cell = self.cells[layer * directions + d]
                inputs = x if d == 0 else _take_steps(x, reverse)
                out, last = cell(inputs, mask)  # (N, L, H), (N, H)
                outs.append(out if d == 0 else _take_steps(out, reverse))
                lasts.append(last)
            x = torch.cat(outs, dim=-1)  # (N, L, D)
        return x, torch.cat(lasts, dim=-1)


class ReluLSTMCell(nn.Module):
    """One direction of one ReluLSTM layer, initialised like ``nn.LSTM`` (uniform +-1/sqrt(H)).

    forward(x, mask): (N, L, F), (N, L) -> (N, L, H) zero on padding, (N, H) state after the last real step
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.activation = torch.relu  # tests swap in tanh to compare with nn.LSTM
        self.ih = nn.Linear(input_size, 4 * hidden_size)
        self.hh = nn.Linear(hidden_size, 4 * hidden_size)
        bound = hidden_size**-0.5
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        gates_x = self.ih(x)  # (N, L, 4H) for all steps at once
        h = x.new_zeros(x.shape[0], self.hh.in_features)  # (N, H)
        c = torch.zeros_like(h)
        outs = []
        for t in range(x.shape[1]):
            i, f, g, o = (gates_x[:, t] + self.hh(h)).chunk(4, dim=1)  # (N, H) each
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * self.activation(g)
            h_new = torch.sigmoid(o) * self.activation(c_new)
            real = mask[:, t, None]  # (N, 1)
            c, h = torch.where(real, c_new, c), torch.where(real, h_new, h)
            outs.append(h_new * real)
        return torch.stack(outs, dim=1), h


def _reverse_index(mask: Tensor) -> Tensor:
    """(N, L) step indices that reverse each sequence within its own length and leave padding in place."""
    lengths = mask.sum(dim=1, keepdim=True)  # (N, 1)
    steps = torch.arange(mask.shape[1], device=mask.device)[None, :]  # (1, L)
    return torch.where(mask, lengths - 1 - steps, steps)


def _take_steps(x: Tensor, index: Tensor) -> Tensor:
    """x: (N, L, E), index: (N, L) -> (N, L, E) with x[n, index[n, t]] at [n, t]."""
    return x.gather(1, index[..., None].expand_as(x))


class ConvBranch(nn.Module):
    """The FCN branch: Conv1d ('same' length) -> MaskedBatchNorm1d -> ReLU blocks, global average pooling.

    A kernel of k steps is padded with (k - 1) // 2 zeros before and k // 2 after, as Keras' 'same'.

    forward(x, mask): (N, L, F), (N, L) -> (N, C) with C = filters[-1]
    """

    def __init__(self, input_size: int, filters: tuple[int, ...], kernels: tuple[int, ...]) -> None:
        super().__init__()
        sizes = [input_size, *filters]
        self.convs = nn.ModuleList(nn.Conv1d(sizes[k], sizes[k + 1], kernels[k]) for k in range(len(filters)))
        self.norms = nn.ModuleList(MaskedBatchNorm1d(n) for n in filters)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        m = mask[:, None, :].to(x.dtype)  # (N, 1, L)
        h = x.transpose(1, 2) * m  # (N, F, L)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            k = conv.kernel_size[0]
            h = conv(F.pad(h, ((k - 1) // 2, k // 2)))  # (N, C_k, L)
            h = torch.relu(norm(h, m)) * m  # zero past each end, as the padding of a lone sequence
        return h.sum(dim=2) / m.sum(dim=2)  # (N, C)  mean over the real steps


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d whose training statistics count only the real steps (mask 1), not the padding.

    forward(x, mask): (N, C, L), (N, 1, L) -> (N, C, L). With no padding it equals ``nn.BatchNorm1d``.
    """

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:  # type: ignore[override]
        if not self.training:
            mean, var = self.running_mean, self.running_var
        else:
            n = mask.sum()
            mean = (x * mask).sum(dim=(0, 2)) / n  # (C,)
            var = (((x - mean[None, :, None]) * mask) ** 2).sum(dim=(0, 2)) / n  # (C,) biased, as BatchNorm
            with torch.no_grad():
                unbiased = var * n / (n - 1).clamp(min=1)
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
                self.num_batches_tracked += 1
        scale = self.weight / torch.sqrt(var + self.eps)  # (C,)
        return (x - mean[None, :, None]) * scale[None, :, None] + self.bias[None, :, None]
