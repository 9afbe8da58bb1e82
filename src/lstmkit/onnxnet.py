"""ONNX: export a trained network to ``model.onnx``, and run one through onnxruntime as if it were the network.

- ``export(net, path)`` writes a ``ForecastNet`` or ``SequenceNet`` (eval mode, float32) with dynamic batch and
  length axes, with ``torch.onnx.export``'s TorchScript exporter (``dynamo=False``): it maps ``nn.LSTM`` to ONNX's
  LSTM operator in well under a second. (torch 2.13's torch.export-based exporter unrolls the LSTM over the
  steps, fixing the length, and takes 10-30 s; when torch drops the TorchScript exporter this has to move.)
- ``OnnxNetwork(path, net)`` is an onnxruntime session standing in for the torch network ``net`` it was exported
  from (built, weights not needed): ``forward``, ``quantiles`` and ``config`` as the network has them, so
  forecasting, intervals, evaluation and classification run unchanged. It has no weights to train or save.

Forecasting windows are plain tensors and export as they are. Whole sequences run packed in torch
(``pack_padded_sequence``), which does not export; ``MaskedSequenceNet`` computes the same outputs from the
zero-padded batch instead: each layer and direction runs over the whole padded batch, the backward direction on
each sequence reversed within its own length, and the readout takes the state at each sequence's last real step
(or the mean over its real steps). Its limit: ``cell_activation='relu'`` (a Python loop over the steps) is not
exported.

The file is read by onnxruntime only: loading it runs no Python code. onnx and onnxruntime come with
``pip install 'lstmkit[onnx]'``.

Shape symbols:  N windows or sequences   L lookback or longest sequence   F input features   H horizon
                Q quantiles   K outputs (classes or targets)   D hidden_size * directions
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .exceptions import ConfigError, ModelFileError
from .files import regular_file
from .networks import ForecastEnsemble, ForecastNet, SequenceNet

__all__ = ["export", "OnnxNetwork", "MaskedSequenceNet", "require_onnx", "EXPORT_FORMATS"]

OPSET = 17
EXPORT_FORMATS = ("onnx",)  # what ``lstmkit export --format`` offers
MAX_ONNX_BYTES = 16 * 2**30
INSTALL = "install it with: pip install 'lstmkit[onnx]'"


def require_onnx(what: str, modules: tuple[str, ...] = ("onnx", "onnxruntime")) -> None:
    """Each of ``modules`` imports, or one ConfigError naming the missing one and the extra that brings it."""
    for name in modules:
        try:
            __import__(name)
        except ImportError:
            raise ConfigError(f"{what} needs the {name} package, which is not installed; {INSTALL}") from None


# ---- export ------------------------------------------------------------------------------------------


class _ForecastGraph(nn.Module):
    """What a ForecastNet exports: x (N, L, F) [, future (N, H, Fk)] -> forecast (N, H) [, quantiles (N, H, Q)]."""

    def __init__(self, net: ForecastNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: Tensor, future: Tensor | None = None):
        if not self.net.n_quantiles:
            return self.net(x, future)  # (N, H)
        q = self.net.quantiles(x, future)  # (N, H, Q)
        return q[..., self.net.median], q


class MaskedSequenceNet(nn.Module):
    """A SequenceNet computed without packing, for export: the same outputs (to float rounding) from the
    zero-padded batch and its lengths. Shares the trained modules of ``net``; each LSTM layer and direction
    becomes a one-layer ``nn.LSTM`` holding that layer's weights.

    forward(x, lengths): (N, L, F), (N,) int64 -> (N, K)
    """

    def __init__(self, net: SequenceNet) -> None:
        super().__init__()
        config = net.config
        if config.cell_activation != "tanh":
            raise ConfigError(
                f"cell_activation={config.cell_activation!r} runs step by step in Python and cannot be exported "
                "to ONNX; export a model trained with cell_activation='tanh' (the default)."
            )
        lstm = net.encoder.lstm
        self.inputs = net.inputs  # instance norm and pooling, as the trained network
        self.readout, self.directions = config.readout, net.encoder.directions
        self.fcn, self.head = net.fcn, net.head
        self.layers = nn.ModuleList()
        for layer in range(lstm.num_layers):
            for suffix in ("", "_reverse")[: self.directions]:
                one = nn.LSTM(lstm.input_size if layer == 0 else lstm.hidden_size * self.directions,
                              lstm.hidden_size, batch_first=True)
                one.load_state_dict({f"{name}_l0": getattr(lstm, f"{name}_l{layer}{suffix}").detach().clone()
                                     for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
                self.layers.append(one)
        self.eval()

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        (x_fcn, _, mask_fcn), (x, lengths, mask) = self.inputs(x, lengths)  # (N, L', F), (N, L'', F)
        steps = torch.arange(x.shape[1], device=x.device)[None, :]  # (1, L)
        last = (lengths - 1).clamp(min=0)[:, None]  # (N, 1)
        reverse = torch.where(mask, last - steps, steps)  # (N, L) each sequence reversed within its length
        h, ends = x, []
        for layer in range(len(self.layers) // self.directions):
            forward_out, _ = self.layers[layer * self.directions](h)  # (N, L, H) steps after the end: unused
            outs, ends = [forward_out], [_take(forward_out, last.expand(-1, x.shape[1]))[:, 0]]  # (N, H) at the end
            if self.directions == 2:
                backward_out, _ = self.layers[layer * 2 + 1](_take(h, reverse))  # (N, L, H) reversed order
                outs.append(_take(backward_out, reverse))  # (N, L, H) back in time order
                ends.append(backward_out.gather(1, last[..., None].expand(-1, 1, backward_out.shape[2]))[:, 0])
            h = torch.cat(outs, dim=-1)  # (N, L, D)
        if self.readout == "last":
            encoded = torch.cat(ends, dim=-1)  # (N, D) forward end, backward start
        else:
            m = mask[..., None].to(h.dtype)  # (N, L, 1)
            encoded = (h * m).sum(dim=1) / m.sum(dim=1)  # (N, D) mean over the real steps
        features = [encoded]
        if self.fcn is not None:
            features.append(self.fcn(x_fcn, mask_fcn))  # (N, C)
        return self.head(torch.cat(features, dim=-1))  # (N, K)


def _take(x: Tensor, index: Tensor) -> Tensor:
    """x: (N, L, E), index: (N, L) -> (N, L, E) with x[n, index[n, t]] at [n, t]."""
    return x.gather(1, index[..., None].expand(-1, -1, x.shape[2]))


def export(net: nn.Module, path: Path, lookback: int = 8) -> Path:
    """Write ``net`` (a trained ForecastNet, ForecastEnsemble or SequenceNet, on the CPU) to ``path`` as one ONNX
    file (weights inside), inputs and outputs named as ``OnnxNetwork`` reads them. A forecaster's graph is traced
    at its ``lookback``; with anchors (their row arithmetic is fixed at trace time) L is not a dynamic axis."""
    require_onnx("ONNX export", ("onnx",))
    net = net.cpu().eval()
    if isinstance(net, (ForecastNet, ForecastEnsemble)):
        graph = _ForecastGraph(net)
        example = (torch.randn(2, lookback, net.config.input_size),)
        inputs, axes = ["x"], {"x": {0: "N"} if net.config.anchors else {0: "N", 1: "L"}, "forecast": {0: "N"}}
        if net.config.n_future:  # the known-future columns of the H steps
            example += (torch.randn(2, net.config.horizon, net.config.n_future),)
            inputs.append("future")
            axes["future"] = {0: "N"}
        outputs = ["forecast", "quantiles"] if net.n_quantiles else ["forecast"]
        if net.n_quantiles:
            axes["quantiles"] = {0: "N"}
    elif isinstance(net, SequenceNet):
        graph = MaskedSequenceNet(net)
        example = (torch.randn(3, 8, net.config.input_size), torch.tensor([8, 5, 3]))
        inputs, outputs = ["x", "lengths"], ["outputs"]
        axes = {"x": {0: "N", 1: "L"}, "lengths": {0: "N"}, "outputs": {0: "N"}}
    else:
        raise ConfigError(f"only lstmkit's ForecastNet and SequenceNet export to ONNX; got {type(net).__name__}.")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes
        torch.onnx.export(graph, example, str(path), input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    return path


# ---- running -----------------------------------------------------------------------------------------


class OnnxNetwork:
    """An onnxruntime session in place of the network it was exported from.

    ``like`` is that network, built from config.json (its weights are not used): it gives ``config`` and the
    kind of inputs. forward(x, future=None): (N, L, F), (N, H, Fk) -> (N, H) for a forecaster; forward(x,
    lengths): (N, L, F), (N,) -> (N, K) for a sequence model; quantiles(x, future=None) -> (N, H, Q).
    """

    def __init__(self, path: Path, like: nn.Module) -> None:
        require_onnx("a model folder exported to ONNX", ("onnxruntime",))
        import onnxruntime

        regular_file(path, MAX_ONNX_BYTES, "the ONNX network")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()  # as torch would use
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own types for a damaged file
            raise ModelFileError(f"{str(path)!r} cannot be read by onnxruntime ({err}); the folder is damaged.") from None
        self.config = like.config
        self.sequences = isinstance(like, SequenceNet)
        self.n_quantiles = len(getattr(like.config, "quantiles", ()) or ())
        names = [i.name for i in self.session.get_inputs()]
        expected = ["x", "lengths"] if self.sequences else ["x"] + (["future"] if like.config.n_future else [])
        if names != expected:
            raise ModelFileError(f"{str(path)!r} takes inputs {names}, but this model kind needs {expected}; "
                                 "the folder is damaged. Export the model again.")

    def __call__(self, x: Tensor, second: Tensor | None = None) -> Tensor:
        return self.forward(x, second)

    def forward(self, x: Tensor, second: Tensor | None = None) -> Tensor:
        """second: the lengths (N,) of a sequence model, or the known-future columns (N, H, Fk) of a forecaster."""
        return self._run(x, second)[0]

    def quantiles(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        if not self.n_quantiles:
            raise ValueError("this network has a point head; it was not trained with quantiles")
        return self._run(x, future)[1]

    def _run(self, x: Tensor, second: Tensor | None) -> list[Tensor]:
        if len(x) == 0:  # onnxruntime wants at least one row; shapes as the network would give
            width = self.config.n_outputs if self.sequences else self.config.horizon
            return [x.new_zeros(0, width), x.new_zeros(0, width, max(self.n_quantiles, 1))]
        feed = {"x": np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32)}
        if self.sequences:
            feed["lengths"] = np.asarray(second.cpu().numpy(), dtype=np.int64)
        elif self.config.n_future:
            feed["future"] = np.ascontiguousarray(second.detach().cpu().numpy(), dtype=np.float32)
        return [torch.from_numpy(out).to(x.device) for out in self.session.run(None, feed)]

    # what code written for an nn.Module calls
    def eval(self) -> OnnxNetwork:
        return self

    def cpu(self) -> OnnxNetwork:
        return self

    def to(self, *args, **kwargs) -> OnnxNetwork:
        return self

    def state_dict(self):
        raise ConfigError(
            "this model runs from an ONNX file and holds no PyTorch weights, so it cannot be saved, exported or "
            "trained further. Keep the model folder written by save() (or lstmkit train) for that."
        )

    def parameters(self):
        self.state_dict()
