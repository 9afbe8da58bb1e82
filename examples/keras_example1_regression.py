"""Example 1 of "What are the proper inputs for an LSTM?" through lstmkit: one-feature regression.

The article's Keras model:

    data = np.array([[[10], [12], [15]], [[20], [22], [25]], [[30], [32], [35]]])   # (samples, timesteps, features)
    model = Sequential([LSTM(50, activation='relu', input_shape=(3, 1)), Dense(1)])
    model.compile(optimizer='adam', loss='mse'); model.fit(data, np.array([17, 27, 37]), epochs=100)

The same with lstmkit: the same 3-D array, LSTM(50, activation='relu') is hidden_size=50 with
cell_activation='relu', Adam at 1e-3 and MSE are the defaults, and Keras trains on every sample for all
epochs (no validation split, no early stopping): val_fraction=0, patience=None.

    python examples/keras_example1_regression.py [--epochs 100]
"""

from __future__ import annotations

import argparse

import numpy as np

from lstmkit import LSTMRegressor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    epochs = parser.parse_args().epochs

    data = np.array([[[10], [12], [15]], [[20], [22], [25]], [[30], [32], [35]]])  # (3, 3, 1)
    targets = np.array([17, 27, 37])
    print(f"X shape {data.shape} = (samples, timesteps, features); y = {targets.tolist()}")

    model = LSTMRegressor(
        hidden_size=50, cell_activation="relu", max_epochs=epochs, patience=None, val_fraction=0, device="cpu"
    )
    model.fit(data, targets)
    print(
        f"trained {len(model.history_)} epochs; final training loss {model.history_[-1]['train_loss']:.4f} "
        "(MSE on standardised targets)"
    )

    for sequence, target, fitted in zip(data[:, :, 0], targets, model.predict(data), strict=True):
        print(f"  {sequence.tolist()} -> {fitted:6.2f}   (target {target})")
    new = np.array([[[40], [42], [45]]])  # one new sequence: (1, 3, 1)
    print(
        f"  new sequence {new[0, :, 0].tolist()} -> {model.predict(new)[0]:6.2f}   (the pattern suggests 47)"
    )
    print(f"R^2 on the training samples: {model.score(data, targets):.3f}")


if __name__ == "__main__":
    main()
