"""OpenKPO: operations platform for knowledge process outsourcing."""

__version__ = "0.1.0"
__all__ = ["__version__"]
