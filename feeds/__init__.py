"""The feed layer: from a URL to clean, typed data. No UI, no database."""

__version__ = "0.1.0"
