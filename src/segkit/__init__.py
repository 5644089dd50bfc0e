"""segkit: customer segmentation and needs analysis for analysts, schedulers and reviewers."""

from importlib.metadata import PackageNotFoundError, version

from segkit.errors import InputError

try:
    __version__ = version("segkit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

__all__ = ["InputError", "__version__"]
