"""The models the app offers: each is loaded on its first use and then kept."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import gradio as gr

from nogan import Colorizer, WeightsUnavailableError, available_models
from nogan.weights.loader import model_info
from nogan.weights.pretrained import ModelInfo
from nogan.weights.registry import MODELS

from .errors import user_error
from .i18n import text

LITE = "lite"  # the small bundled model, used when a Hub model cannot be downloaded (issue #5)


def model_label(name: str) -> str:
    """'artistic' -> 'Artistic'; a folder or file -> its name; a Hub repo id stays as it is."""
    if name in available_models():
        return name.title()
    return Path(name).name if Path(name).expanduser().exists() else name


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


class Models:
    """Named colorizers, created lazily: nothing is read or downloaded until a model is first used.

    The library shares loaded weights between colorizers, so keeping one colorizer per name keeps
    each model in memory exactly once.
    """

    def __init__(self, extra: Iterable[str] = ()):
        names = dict.fromkeys([*available_models(), *extra])  # ordered and without repeats
        self._colorizers = {name: Colorizer.from_pretrained(name) for name in names}
        self._fallbacks: set[str] = set()  # models that could not be downloaded: LITE stands in
        self._lock = threading.Lock()  # two first requests must not load the same model twice

    def choices(self) -> list[tuple[str, str]]:
        """(label, name) pairs for a dropdown."""
        return [(model_label(name), name) for name in self._colorizers]

    def status(self, name: str, language: str) -> str:
        """One line saying whether `name` is ready, or what its first use will cost."""
        label = model_label(name)
        if name in self._fallbacks:
            return text("status_fallback", language, model=label)
        if self._colorizers[name].is_loaded:
            return text("status_ready", language, model=label)
        if name in MODELS:
            return text("status_download", language, model=label, size=_megabytes(MODELS[name].size))
        return text("status_lazy", language, model=label)

    def recommended(self, name: str) -> ModelInfo | None:
        """The render factors `name` is made for, known without loading it: the registry's models,
        the bundled one and model folders; None for others (a Hub repo id, a .pth file) until loaded."""
        try:
            info = model_info(name)
        except ValueError:  # a folder with a broken config: its first use will say so
            return None
        if info is not None:
            return info
        colorizer = self._colorizers.get(name)
        return colorizer.info if colorizer is not None and colorizer.is_loaded else None

    def get(self, name: str, language: str, progress: Callable[..., object]) -> Colorizer:
        """The loaded colorizer for `name`, falling back to LITE (with a warning, the first time) when
        `name`'s weights cannot be downloaded; a `gr.Error` when neither can be had."""
        label = model_label(name)
        with self._lock:
            if name not in self._fallbacks and not self._colorizers[name].is_loaded:
                progress(0.0, desc=text("loading_model", language, model=label))
                try:
                    self._colorizers[name].load()
                except WeightsUnavailableError as e:
                    if name == LITE or LITE not in self._colorizers:
                        raise user_error(text("err_weights", language, model=label)) from e
                    self._fallbacks.add(name)
                    # said once in a toast; the status line under the model menu keeps saying it
                    gr.Warning(text("fallback_lite", language, model=label))
            if name not in self._fallbacks:
                return self._colorizers[name]
            lite = self._colorizers[LITE]
            if not lite.is_loaded:
                progress(0.0, desc=text("loading_model", language, model=model_label(LITE)))
                lite.load()
        return lite
