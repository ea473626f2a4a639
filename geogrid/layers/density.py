"""Kernel density of incidents: a raster surface for the heat-map layer.

A quartic (biweight) kernel, as ArcGIS's Kernel Density uses, evaluated on a regular raster in
the data's UTM zone: the points are binned into cells and the bins convolved with the kernel
sampled at cell offsets (FFT), which equals the exact sum of kernels at cell centres for
points at cell centres. Pure numpy/scipy over a GeoSeries.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy.signal import fftconvolve

from geogrid.crs import STORAGE_CRS, metric_crs
from geogrid.errors import InputError

MAX_CELLS = 4_000_000


@dataclass(frozen=True)
class DensitySurface:
    """``array``: rows x cols, row 0 the northern edge, points per km²; ``bounds``: (minx, miny,
    maxx, maxy) in ``crs`` (a UTM zone, metres); ``bounds_wgs84``: the same box in EPSG:4326
    (its outer lon/lat box); ``cell_size`` and ``bandwidth`` in metres."""

    array: npt.NDArray[np.float64]
    bounds: tuple[float, float, float, float]
    crs: str
    bounds_wgs84: tuple[float, float, float, float]
    cell_size: float
    bandwidth: float
    points: int


def default_bandwidth(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """ArcGIS's default search radius: 0.9 * min(SD, sqrt(1/ln 2) * Dm) * n^-0.2 (metres), where
    SD is the standard distance and Dm the median distance to the mean centre."""
    n = x.size
    dx, dy = x - x.mean(), y - y.mean()
    distances = np.hypot(dx, dy)
    standard = float(np.sqrt((dx**2 + dy**2).sum() / n))
    median = float(np.median(distances))
    radius = 0.9 * min(standard, np.sqrt(1.0 / np.log(2.0)) * median) * n**-0.2
    return radius if radius > 0 else 100.0


def kernel_density(
    points: gpd.GeoSeries,
    *,
    cell_size: float = 50.0,
    bandwidth: float | None = None,
    weights: npt.ArrayLike | None = None,
) -> DensitySurface:
    """Quartic kernel density of ``points`` (any CRS with a definition) on a raster of
    ``cell_size`` metres, ``bandwidth`` metres (ArcGIS's default rule when None).

    Raises InputError when there are no points, the CRS is missing or the raster would exceed
    :data:`MAX_CELLS` cells (choose a larger cell size).
    """
    if points.crs is None:
        raise InputError("the points have no CRS; declare one before computing a density")
    points = points[~(points.is_empty | points.isna())]
    if points.empty:
        raise InputError("no points to compute a density from")
    crs = metric_crs(points)
    projected = points.to_crs(crs)
    x, y = projected.x.to_numpy(), projected.y.to_numpy()
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=np.float64)
    h = float(bandwidth) if bandwidth else default_bandwidth(x, y)
    radius = int(np.ceil(h / cell_size))
    minx = np.floor(x.min() / cell_size) * cell_size - radius * cell_size
    miny = np.floor(y.min() / cell_size) * cell_size - radius * cell_size
    cols = int(np.ceil((x.max() - minx) / cell_size)) + radius + 1
    rows = int(np.ceil((y.max() - miny) / cell_size)) + radius + 1
    if rows * cols > MAX_CELLS:
        raise InputError(
            f"a {rows} x {cols} raster is too large; use a cell size above {cell_size:g} m"
        )
    col = np.floor((x - minx) / cell_size).astype(int)
    row = np.floor((y - miny) / cell_size).astype(int)
    counts = np.zeros((rows, cols))
    np.add.at(counts, (row, col), w)
    offsets = np.arange(-radius, radius + 1) * cell_size
    d2 = offsets[None, :] ** 2 + offsets[:, None] ** 2
    kernel = np.where(d2 < h * h, 3.0 / (np.pi * h * h) * (1.0 - d2 / (h * h)) ** 2, 0.0)
    surface = np.clip(fftconvolve(counts, kernel, mode="same"), 0.0, None) * 1e6
    bounds = (minx, miny, minx + cols * cell_size, miny + rows * cell_size)
    return DensitySurface(
        array=surface[::-1].copy(),
        bounds=bounds,
        crs=crs.to_string(),
        bounds_wgs84=_wgs84_box(bounds, crs),
        cell_size=cell_size,
        bandwidth=h,
        points=int(x.size),
    )


def _wgs84_box(
    bounds: tuple[float, float, float, float], crs: object
) -> tuple[float, float, float, float]:
    transformer = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
    west, south, east, north = transformer.transform_bounds(*bounds)
    return float(west), float(south), float(east), float(north)
