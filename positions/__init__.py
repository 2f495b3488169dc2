"""Positions: compare the demands of parties in a negotiation.

Importing this package is cheap on purpose: torch and the embedding model load only when
something new must be encoded (see positions.embedding).
"""

from __future__ import annotations

__version__ = "0.1.0"
