"""The version of Regista: the one place it is written (the build reads it from here).

A leaf module, so that any layer may read it without importing the package's public face.
"""

__version__ = "0.1.0"
