"""Xunjian (巡检): patrols, renovation enforcement, photo evidence and work orders."""

__version__ = "0.1.0"
