"""A folium map of a plan for a person to look at: basic grids, micro grids, roads, a legend."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

ATTRIBUTION = "© OpenStreetMap contributors (ODbL), snapshot 2013-08-03"


def write_map(grids: dict[str, gpd.GeoDataFrame], roads: gpd.GeoDataFrame, path: Path) -> Path:
    """Basic grids (outlined, coloured), micro grids (thin lines) and roads, with a legend."""
    import folium

    basic = grids["basic"].to_crs(4326)
    micro = grids["micro"].to_crs(4326)
    minx, miny, maxx, maxy = basic.total_bounds
    # no tile layer: the map must open offline (roads are drawn from the OSM extract itself)
    m = folium.Map(tiles=None, control_scale=True)
    palette = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf"]
    basic = basic.assign(colour=[palette[i % len(palette)] for i in range(len(basic))])
    folium.GeoJson(
        basic[["code", "households", "buildings", "colour", "geometry"]],
        name="basic grids",
        style_function=lambda f: {
            "color": "#222",
            "weight": 2,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.25,
        },
        tooltip=folium.GeoJsonTooltip(["code", "households", "buildings"]),
    ).add_to(m)
    folium.GeoJson(
        micro[["code", "households", "geometry"]],
        name="micro grids",
        style_function=lambda f: {"color": "#555", "weight": 0.6, "fillOpacity": 0},
        tooltip=folium.GeoJsonTooltip(["code", "households"]),
        show=False,
    ).add_to(m)
    folium.GeoJson(
        roads.to_crs(4326)[["geometry"]],
        name="roads",
        style_function=lambda f: {"color": "#d95f02", "weight": 1.2},
    ).add_to(m)
    folium.LayerControl().add_to(m)
    legend = (
        '<div style="position:fixed;bottom:24px;left:24px;z-index:9999;background:white;'
        'padding:8px 10px;border:1px solid #999;font:12px sans-serif">'
        "<b>geogrid plan, Liechtenstein</b> (municipalities as parents)<br>"
        '<span style="border:2px solid #222;background:#377eb866;padding:0 8px"></span> basic grid'
        " (band 300-500 households)<br>"
        '<span style="border-top:1px solid #555;padding:0 8px"></span> micro grid (10-30)<br>'
        '<span style="border-top:2px solid #d95f02;padding:0 8px"></span> road<br>'
        "<small>Data: OpenStreetMap, snapshot 2013-08-03, &copy; OpenStreetMap contributors,"
        " ODbL.<br>Households are <b>estimated</b> from building footprints (2 levels assumed"
        " where OSM has none), not counted.</small></div>"
    )
    m.get_root().html.add_child(folium.Element(legend))  # type: ignore[attr-defined]
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Leaflet inlined from the local vendor copies (make web), no CDN: see geogrid.maps
    from geogrid.maps.folium_maps import offline_html
    from geogrid.web import DIST_DIR

    path.write_text(offline_html(m, DIST_DIR / "vendor"), encoding="utf-8")
    return path
