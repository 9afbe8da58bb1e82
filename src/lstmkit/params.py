"""scikit-learn-style parameters for every lstmkit estimator: ``__init__`` stores keyword-only
hyper-parameters unchanged; these read and set them by the constructor's signature."""

from __future__ import annotations

import inspect

from .exceptions import ConfigError, did_you_mean

__all__ = ["Params"]


class Params:
    def get_params(self, deep: bool = True) -> dict:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params):
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(f"{type(self).__name__} has no parameter {name!r}.{did_you_mean(name, valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
