from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import DEVICE
from lstmkit.exceptions import DataError
from lstmkit.sequences.batches import SequenceBatches, drop_gaps, pad_batch, stratified_split
from lstmkit.sequences.inputs import arrays_to_frame, check_arrays, infer_channels, sequence_labels


def test_pad_batch_hand_worked():
    buffer = torch.arange(12.0).view(6, 2)  # rows 0..5: [0,1] [2,3] [4,5] [6,7] [8,9] [10,11]
    offsets = torch.tensor([0, 2, 5, 6])  # sequence 0: rows 0-1, sequence 1: rows 2-4, sequence 2: row 5
    x, lengths = pad_batch(buffer, offsets, torch.tensor([2, 1, 0]))
    assert x.shape == (3, 3, 2) and lengths.tolist() == [1, 3, 2]  # padded to the longest picked: 3
    assert x[0].tolist() == [[10, 11], [0, 0], [0, 0]]
    assert x[1].tolist() == [[4, 5], [6, 7], [8, 9]]
    assert x[2].tolist() == [[0, 1], [2, 3], [0, 0]]


def test_batches_cover_each_sequence_once_and_in_order():
    buffer = torch.arange(10.0)[:, None]
    offsets = torch.tensor([0, 1, 3, 6, 10])
    targets = torch.tensor([7, 8, 9, 10])
    batches = SequenceBatches(buffer, offsets, targets, torch.tensor([0, 2, 3]), batch_size=2)
    seen = [y.tolist() for _, y in batches.epoch(torch.Generator().manual_seed(0))]
    assert sorted(sum(seen, [])) == [7, 9, 10] and max(map(len, seen)) == 2
    (x, lengths), y = next(batches.ordered())
    assert y.tolist() == [7, 9, 10] and lengths.tolist() == [1, 3, 4]
    assert x[1, :, 0].tolist() == [3, 4, 5, 0]  # sequence 2 = rows 3..5, then padding


def test_batches_on_the_device_keep_their_bookkeeping_on_the_host():
    """Buffer and targets on the training device, offsets and picks on the CPU: a batch is gathered on the
    device and its lengths stay on the host (what packing reads), so no batch waits for the device."""
    buffer = torch.arange(10.0, device=DEVICE)[:, None]
    targets = torch.tensor([7, 8, 9, 10], device=DEVICE)
    batches = SequenceBatches(buffer, torch.tensor([0, 1, 3, 6, 10]), targets, torch.tensor([3, 1]), batch_size=2)
    (x, lengths), y = next(batches.epoch(torch.Generator().manual_seed(0)))
    assert x.device == buffer.device and y.device == targets.device and lengths.device.type == "cpu"
    assert sorted(lengths.tolist()) == [2, 4] and sorted(y.tolist()) == [8, 10]


def test_stratified_split_keeps_every_class_in_training():
    codes = np.array([0] * 10 + [1] * 5 + [2] * 1)
    train, val = stratified_split(codes, 0.2, seed=0)
    assert np.bincount(codes[val], minlength=3).tolist() == [2, 1, 0]  # round(0.2 * n), the lone one stays
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(16))
    again = stratified_split(codes, 0.2, seed=0)
    assert np.array_equal(again[1], val)


def test_drop_gaps_shortens_sequences():
    values = np.array([[1.0], [np.nan], [3.0], [4.0], [np.nan]])
    out, offsets = drop_gaps(values, np.array([0, 3, 5]), ["a", "b"])
    assert out[:, 0].tolist() == [1, 3, 4] and offsets.tolist() == [0, 2, 3]
    with pytest.raises(DataError, match="sequence 'b' has no rows left after impute='drop'"):
        drop_gaps(np.array([[1.0], [np.nan]]), np.array([0, 1, 2]), ["a", "b"])


def test_check_arrays_teaches_the_3d_shape():
    with pytest.raises(DataError) as info:
        check_arrays(np.zeros((500, 7)))
    assert str(info.value) == (
        "X must be 3-D (samples, timesteps, features); got shape (500, 7). One feature: X[..., None]; "
        "one sequence: X[None]."
    )
    with pytest.raises(DataError, match=r"got shape \(2, 3, 4, 5\)"):
        check_arrays(np.zeros((2, 3, 4, 5)))
    with pytest.raises(DataError, match="use lstmkit.SequenceClassifier"):
        check_arrays(pd.DataFrame({"a": [1.0]}))


def test_check_arrays_ragged_lists_and_their_errors():
    arrays = check_arrays([np.ones((3, 2)), np.ones((5, 2))])
    assert [a.shape for a in arrays] == [(3, 2), (5, 2)]
    with pytest.raises(
        DataError,
        match=r"X\[1\] must be 2-D \(timesteps, features\); got shape \(5,\). One feature: X\[1\]\[:, None\]",
    ):
        check_arrays([np.ones((3, 1)), np.ones(5)])
    with pytest.raises(DataError, match=r"sequence X\[1\] has no time steps \(shape \(0, 2\)\)"):
        check_arrays([np.ones((3, 2)), np.ones((0, 2))])
    with pytest.raises(DataError, match=r"X\[0\] has 2, X\[1\] has 3"):
        check_arrays([np.ones((3, 2)), np.ones((4, 3))])
    with pytest.raises(DataError) as info:
        check_arrays(np.ones((2, 3, 3)), n_features=4, feature_names=["a", "b", "c", "d"])
    assert str(info.value) == "X has 3 features, but the model was fitted with 4 (a, b, c, d)."


def test_arrays_to_frame_is_long_format():
    frame = arrays_to_frame([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])], ["p", "q"])
    assert frame.columns.tolist() == ["sequence", "p", "q"]
    assert frame["sequence"].tolist() == [0, 1, 1] and frame["q"].tolist() == [2, 4, 6]


def test_sequence_labels_one_per_sequence_kept_as_given():
    frame = pd.DataFrame({"id": [5, 5, 3, 3, 3], "label": [2, 2, 1, 1, 1]})
    labels = sequence_labels(frame, "id", "label")
    assert labels.index.tolist() == ["5", "3"] and labels.tolist() == [2, 1]  # first-appearance order, ints
    frame.loc[4, "label"] = 2
    with pytest.raises(DataError, match=r"sequence '3' has 2 different labels \(1, 2\)"):
        sequence_labels(frame, "id", "label")
    frame.loc[4, "label"] = np.nan
    with pytest.raises(
        DataError, match=r"label column 'label' has 1 empty value\(s\) \(first at row 4, sequence '3'\)"
    ):
        sequence_labels(frame, "id", "label")


def test_infer_channels_skips_text_columns_with_a_hint():
    frame = pd.DataFrame({"id": [1], "label": ["x"], "a": [1.0], "b": [2], "note": ["hi"]})
    with pytest.warns(UserWarning, match=r"\['note'\] are not numeric .* categorical"):
        assert infer_channels(frame, ["id", "label"]) == ("a", "b")


def test_ranks_draw_disjoint_shares():
    buffer, offsets = torch.arange(8.0)[:, None], torch.arange(9)
    batches = SequenceBatches(buffer, offsets, torch.arange(8), torch.arange(8), batch_size=3)
    shares = [sum((y.tolist() for _, y in batches.epoch(torch.Generator().manual_seed(0), r, 2)), []) for r in (0, 1)]
    assert len(shares[0]) == len(shares[1]) == 4 and sorted(shares[0] + shares[1]) == list(range(8))
    assert [y.tolist() for _, y in batches.ordered(rank=1, world=2)] == [[1, 3, 5, 7]]


def test_length_buckets_cover_each_sequence_once_with_similar_lengths():
    lengths = torch.tensor([3, 40, 5, 38, 4, 39, 6, 41] * 4)  # (32,) short and long, interleaved
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])
    buffer, y = torch.zeros(int(offsets[-1]), 1), torch.arange(32)
    batches = SequenceBatches(buffer, offsets, y, torch.arange(32), batch_size=4, bucket=8)
    seen = [(b, x.shape[1]) for (x, n), b in batches.epoch(torch.Generator().manual_seed(0))]
    assert sorted(torch.cat([b for b, _ in seen]).tolist()) == list(range(32))  # each sequence once
    assert max(width for _, width in seen if width < 10) <= 6  # short sequences are batched together
    unbucketed = SequenceBatches(buffer, offsets, y, torch.arange(32), batch_size=4, bucket=1)
    padded = sum(x.shape[0] * x.shape[1] for (x, _), _ in unbucketed.epoch(torch.Generator().manual_seed(0)))
    assert sum(len(b) * width for b, width in seen) < padded
