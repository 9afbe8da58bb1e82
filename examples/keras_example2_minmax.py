"""Example 2 of "What are the proper inputs for an LSTM?" through lstmkit: two features, min-max scaling.

The article scales with scikit-learn by flattening the 3-D array to 2-D and back:

    scaler = MinMaxScaler()
    scaled_data = scaler.fit_transform(data.reshape(-1, data.shape[2])).reshape(data.shape)

lstmkit does this inside the model (scaling='minmax'): per feature, over every time step of the training
sequences, stored with the model and applied again at predict time. The script shows that the learned
ranges are exactly the ones MinMaxScaler finds, then the article's LSTM(50, activation='relu').

    python examples/keras_example2_minmax.py [--epochs 100]
"""

from __future__ import annotations

import argparse

import numpy as np

from lstmkit import LSTMRegressor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    epochs = parser.parse_args().epochs

    data = np.array(
        [
            [[10, 100], [12, 110], [15, 120]],
            [[20, 200], [22, 220], [25, 250]],
            [[30, 300], [32, 320], [35, 350]],
        ]
    )  # (3, 3, 2)
    targets = np.array([17, 27, 37])
    print(f"X shape {data.shape} = (samples, timesteps, features); y = {targets.tolist()}")

    model = LSTMRegressor(
        hidden_size=50,
        cell_activation="relu",
        scaling="minmax",
        max_epochs=epochs,
        patience=None,
        val_fraction=0,
        device="cpu",
    )
    model.fit(data, targets)

    flat = data.reshape(-1, data.shape[2])  # what the article hands to MinMaxScaler: (9, 2)
    state = model.prep_.to_dict()
    low, span = np.array(state["loc"][0]), np.array(state["scale"][0])
    print(
        f"min-max learned per feature: min {low.tolist()}, max {(low + span).tolist()} "
        f"(MinMaxScaler on the flattened array: min {flat.min(axis=0).tolist()}, max {flat.max(axis=0).tolist()})"
    )
    print(
        f"trained {len(model.history_)} epochs; final training loss {model.history_[-1]['train_loss']:.4f} "
        "(MSE on standardised targets)"
    )
    for sequence, target, fitted in zip(data, targets, model.predict(data), strict=True):
        print(f"  {sequence.tolist()} -> {fitted:6.2f}   (target {target})")
    print(f"R^2 on the training samples: {model.score(data, targets):.3f}")


if __name__ == "__main__":
    main()
