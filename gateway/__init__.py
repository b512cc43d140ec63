"""credit-gateway: one credit-subject graph over the public credit information domains."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("credit-gateway")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
