"""Synthetic cities inside real district outlines: ``synth_city`` and ``write_city``."""

from geogrid.synth.city import synth_city
from geogrid.synth.frames import SYNTH_LAYERS
from geogrid.synth.gpkg import write_city

__all__ = ["SYNTH_LAYERS", "synth_city", "write_city"]
