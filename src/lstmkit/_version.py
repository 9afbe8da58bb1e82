"""The version of lstmkit, in one place (written into every model file)."""

__version__ = "0.2.0"
