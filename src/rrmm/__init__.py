"""rrmm: clinical decision support for relapsed and refractory multiple myeloma."""

from rrmm.compiled import install

__version__ = "0.1.0"

install()
