from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstmkit.layers import MaskedBatchNorm1d, ReluLSTM, instance_norm, pool_steps, step_mask
from lstmkit.networks import SequenceNet, SequenceNetConfig
from lstmkit.sequences.batches import pad_batch

LENGTHS = torch.tensor([4, 11, 7, 16])  # 7 < the conv kernel 8; 16 forces padding on every other one


def ragged(features: int = 3, seed: int = 0):
    torch.manual_seed(seed)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), LENGTHS.cumsum(0)])
    return torch.randn(int(offsets[-1]), features), offsets


@pytest.mark.parametrize("arch", ["lstm", "lstm_fcn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout", ["last", "mean"])
@pytest.mark.parametrize("cell_activation", ["tanh", "relu"])
def test_padding_is_invisible(arch, bidirectional, readout, cell_activation):
    """Each sequence gets the same output alone as in a batch with longer ones."""
    buffer, offsets = ragged()
    config = SequenceNetConfig(
        3,
        4,
        arch=arch,
        hidden_size=8,
        num_layers=2,
        bidirectional=bidirectional,
        readout=readout,
        cell_activation=cell_activation,
        filters=(8, 16, 8),
    )
    torch.manual_seed(1)
    net = SequenceNet(config)
    net.train()
    net(*pad_batch(buffer, offsets, torch.arange(4))).sum().backward()  # move batch-norm statistics off 0/1
    net.eval()
    with torch.no_grad():
        together = net(*pad_batch(buffer, offsets, torch.arange(4)))
        alone = torch.cat([net(*pad_batch(buffer, offsets, torch.tensor([i]))) for i in range(4)])
    assert together.shape == (4, 4)
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("pool, lstm_pool, sequence_norm", [(3, 1, "both"), (2, 3, "instance"), (1, 5, "both")])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooling_and_instance_norm_keep_padding_invisible(pool, lstm_pool, sequence_norm, bidirectional):
    """Pooled and normalised per sequence: a sequence's output alone equals its output among longer ones."""
    buffer, offsets = ragged()
    config = SequenceNetConfig(3, 4, hidden_size=8, bidirectional=bidirectional, filters=(8, 16, 8),
                               sequence_norm=sequence_norm, pool=pool, lstm_pool=lstm_pool)
    torch.manual_seed(1)
    net = SequenceNet(config)
    net.train()
    net(*pad_batch(buffer, offsets, torch.arange(4))).sum().backward()
    net.eval()
    with torch.no_grad():
        together = net(*pad_batch(buffer, offsets, torch.arange(4)))
        alone = torch.cat([net(*pad_batch(buffer, offsets, torch.tensor([i]))) for i in range(4)])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


def test_pool_steps_hand_worked():
    x = torch.tensor([[[1.0], [3.0], [5.0], [7.0], [9.0]], [[2.0], [4.0], [0.0], [0.0], [0.0]]])  # lengths 5, 2
    pooled, lengths = pool_steps(x, torch.tensor([5, 2]), 2)
    assert lengths.tolist() == [3, 1]  # ceil(5 / 2), ceil(2 / 2)
    assert pooled[..., 0].tolist() == [[2.0, 6.0, 9.0], [3.0, 0.0, 0.0]]  # (1+3)/2 (5+7)/2 9/1; (2+4)/2, padding
    same, unchanged = pool_steps(x, torch.tensor([5, 2]), 1)
    assert same is x and unchanged.tolist() == [5, 2]


def test_instance_norm_over_the_real_steps_only():
    x = torch.tensor([[[1.0], [3.0], [0.0]], [[5.0], [5.0], [5.0]]])
    out = instance_norm(x, torch.tensor([[True, True, False], [True, True, True]]))
    torch.testing.assert_close(out[0, :, 0], torch.tensor([-1.0, 1.0, 0.0]), atol=1e-4, rtol=0)  # mean 2, std 1
    assert out[1].abs().max() == 0  # a constant channel becomes zero


def test_relu_lstm_with_tanh_is_exactly_nn_lstm():
    """Swap relu for tanh and copy the weights: ReluLSTM must then compute what nn.LSTM computes (gate
    order, masking after each sequence's end, the backward direction within each length, stacking)."""
    buffer, offsets = ragged()
    x, lengths = pad_batch(buffer, offsets, torch.arange(4))
    torch.manual_seed(0)
    ref = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    ours = ReluLSTM(3, 5, num_layers=2, bidirectional=True)
    for index, cell in enumerate(ours.cells):
        layer, direction = divmod(index, 2)
        suffix = f"l{layer}" + ("_reverse" if direction else "")
        cell.activation = torch.tanh
        cell.ih.weight.data = getattr(ref, f"weight_ih_{suffix}").data.clone()
        cell.ih.bias.data = getattr(ref, f"bias_ih_{suffix}").data.clone()
        cell.hh.weight.data = getattr(ref, f"weight_hh_{suffix}").data.clone()
        cell.hh.bias.data = getattr(ref, f"bias_hh_{suffix}").data.clone()
    with torch.no_grad():
        packed, (h, _) = ref(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        expected, _ = pad_packed_sequence(packed, batch_first=True, total_length=x.shape[1])
        out, last = ours(x, step_mask(lengths, x.shape[1]))
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(last, torch.cat([h[-2], h[-1]], dim=1), atol=1e-6, rtol=1e-5)


def test_relu_cell_uses_relu():
    cell = ReluLSTM(1, 1).cells[0]
    for p in cell.parameters():
        nn.init.zeros_(p)
    cell.ih.bias.data = torch.tensor([10.0, -10.0, -2.0, 10.0])  # i open, f shut, g = relu(-2) = 0, o open
    out, _ = cell(torch.zeros(1, 1, 1), torch.ones(1, 1, dtype=torch.bool))
    assert out.item() == 0.0  # tanh would give o * tanh(i * tanh(-2)) = -0.74


def test_masked_batch_norm_without_padding_is_batch_norm():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 9)
    ours, ref = MaskedBatchNorm1d(3), nn.BatchNorm1d(3)
    torch.testing.assert_close(ours(x, torch.ones(4, 1, 9)), ref(x))
    torch.testing.assert_close(ours.running_var, ref.running_var)
    ours.eval(), ref.eval()
    torch.testing.assert_close(ours(x, torch.ones(4, 1, 9)), ref(x))


def test_masked_batch_norm_ignores_padding():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5)
    mask = torch.tensor([[[1, 1, 1, 0, 0]], [[1, 1, 1, 1, 1]]], dtype=torch.float32)
    padded = x.clone()
    padded[0, :, 3:] = 1e6  # garbage in the padding must not move the statistics
    a = MaskedBatchNorm1d(3)(x, mask) * mask
    b = MaskedBatchNorm1d(3)(padded, mask) * mask
    torch.testing.assert_close(a, b)
