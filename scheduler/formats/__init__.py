"""Readers for the public benchmark file formats (raw data, no solver knowledge)."""

from scheduler.formats.hhcrsp import HhcInstance, read_hhcrsp
from scheduler.formats.solomon import SolomonInstance, read_solomon

__all__ = ["HhcInstance", "SolomonInstance", "read_hhcrsp", "read_solomon"]
