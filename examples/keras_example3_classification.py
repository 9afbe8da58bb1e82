"""Example 3 of "What are the proper inputs for an LSTM?" through lstmkit: sequence classification.

The article one-hot encodes the targets with to_categorical and ends in Dense(2, activation='softmax')
trained with categorical cross-entropy. LSTMClassifier does both inside: it takes the labels (or the
one-hot rows, as here), trains with cross-entropy and returns softmax probabilities from predict_proba.
arch='lstm' is the article's single LSTM layer (lstmkit's default, 'lstm_fcn', adds a convolution branch).

    python examples/keras_example3_classification.py [--epochs 100]
"""

from __future__ import annotations

import argparse

import numpy as np

from lstmkit import LSTMClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    epochs = parser.parse_args().epochs

    data = np.array(
        [
            [[0, 1], [1, 0], [0, 1]],  # sequence 1: class 0
            [[1, 0], [1, 0], [1, 0]],  # sequence 2: class 1
        ]
    )  # (2, 3, 2)
    one_hot_targets = np.eye(2)[[0, 1]]  # what to_categorical([0, 1], num_classes=2) returns
    print(f"X shape {data.shape} = (samples, timesteps, features); one-hot y {one_hot_targets.tolist()}")

    model = LSTMClassifier(
        arch="lstm",
        hidden_size=50,
        cell_activation="relu",
        max_epochs=epochs,
        patience=None,
        val_fraction=0,
        device="cpu",
    )
    model.fit(data, one_hot_targets)
    print(
        f"classes {model.classes_.tolist()}; trained {len(model.history_)} epochs; "
        f"final cross-entropy {model.history_[-1]['train_loss']:.4f}"
    )
    for sequence, probabilities, label in zip(
        data, model.predict_proba(data), model.predict(data), strict=True
    ):
        print(f"  {sequence.tolist()} -> class {label}, probabilities {np.round(probabilities, 3).tolist()}")
    print(f"accuracy on the training sequences: {model.score(data, one_hot_targets):.2f}")


if __name__ == "__main__":
    main()
