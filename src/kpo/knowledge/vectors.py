"""Embeddings as the engine uses them: one float32 vector per article line, L2-normalised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Embedder", "LineVectors", "Matrix", "normalize_rows"]

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class LineVectors:
    """The embeddings of the lines (:func:`kpo.knowledge.text.article_lines`) of one version of
    one article, in line order: shape ``(lines, dimension)``."""

    article_id: str
    version: int
    vectors: Matrix


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Stored beside every vector, so that vectors of two models never mix."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Matrix: ...


def normalize_rows(matrix: npt.NDArray[Any]) -> Matrix:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    values = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(values, axis=-1, keepdims=True)
    result: Matrix = np.divide(values, norms, out=np.zeros_like(values), where=norms > 0)
    return result
