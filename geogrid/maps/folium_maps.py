"""The one module that imports folium (lazily, inside the functions): the offline HTML maps.

Each map is a folium map without a tile layer (nothing is fetched from outside), whose Leaflet,
Leaflet CSS and leaflet.heat come from the copies ``make web`` puts in
``geogrid/web/static/dist/vendor`` and are written *into* the HTML file; folium's other CDN
assets (jQuery, Bootstrap, Font Awesome, awesome-markers) are dropped: these maps use none of
them. A rendered map that still names an ``http(s)`` script or stylesheet is refused.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd

from geogrid.errors import InvariantBroken, Unavailable
from geogrid.maps.data import MapData
from geogrid.maps.style import (
    COVERAGE_COLOURS,
    HOTSPOT_COLOURS,
    HOUSEHOLD_CLASSES,
    coverage_class,
    household_colour,
    legend_html,
    synthetic_notes,
)
from geogrid.web import DIST_DIR

MAP_FILES: Final = {
    "plan": "plan.html",
    "incidents": "incidents.html",
    "hotspots": "hotspots.html",
    "coverage": "coverage.html",
}
# folium's asset names -> the local copy that replaces it (None: not needed, dropped)
_VENDOR: Final[dict[str, str | None]] = {
    "leaflet": "leaflet.js",
    "leaflet_css": "leaflet.css",
    "leaflet-heat.js": "leaflet-heat.js",
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
LABELS_ALWAYS: Final = 60  # up to this many grids the codes show at every zoom
_SCHEME: Final = "geogrid-vendor:"
_IMAGE_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")
_OUTSIDE = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["']?(?:https?:)?//""", re.I)


def write_maps(data: MapData, out_dir: Path, *, vendor_dir: Path | None = None) -> dict[str, Path]:
    """Write the plan, incident heat, hot-spot and coverage maps and an index into ``out_dir``.

    Returns the path of each map by name. Unavailable when the vendor copies are not built.
    """
    vendor = vendor_dir or DIST_DIR / "vendor"
    if not (vendor / "leaflet.js").is_file():
        raise Unavailable(f"Leaflet is not built into {vendor}: run `make web`")
    out_dir.mkdir(parents=True, exist_ok=True)
    builders: dict[str, Callable[[MapData], Any]] = {
        "plan": plan_map,
        "incidents": incident_map,
        "hotspots": hotspot_map,
        "coverage": coverage_map,
    }
    written = {}
    for name, build in builders.items():
        path = out_dir / MAP_FILES[name]
        _write_atomic(path, offline_html(build(data), vendor))
        written[name] = path
    _write_atomic(out_dir / "index.html", index_html(data, written))
    return written


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _base_map(data: MapData, title: str) -> Any:
    import folium

    minx, miny, maxx, maxy = data.grids.total_bounds
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    root: Any = m.get_root()
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    return m


def _grid_layer(grids: gpd.GeoDataFrame, name: str, colour_of: dict[str, str]) -> Any:
    import folium

    frame = grids.assign(fill=[colour_of.get(c, "#ffffff") for c in grids["code"]])
    fields = ["code", "name", "households", "buildings"]
    return folium.GeoJson(
        json.loads(frame[[*fields, "fill", "geometry"]].to_json()),
        name=name,
        style_function=lambda f: {
            "color": "#333",
            "weight": 1,
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.7,
        },
        tooltip=folium.GeoJsonTooltip(fields, aliases=["grid", "name", "households", "buildings"]),
    )


def _legend(
    m: Any,
    title: str,
    rows: Sequence[tuple[str, str, int | None]],
    data: MapData,
    method: str = "",
) -> None:
    import folium

    notes = [method] if method else []
    notes.append(f"plan {data.plan_id} ({data.plan_status}), {len(data.grids):,} basic grids")
    notes += synthetic_notes(data.synthetic)
    notes.append("no background map: grids only (offline)")
    m.get_root().html.add_child(folium.Element(legend_html(title, rows, notes)))


def plan_map(data: MapData) -> Any:
    """Basic grids coloured by households, their codes as labels."""
    import folium

    m = _base_map(data, f"geogrid plan {data.plan_id}")
    colours = {c: household_colour(h) for c, h in zip(data.grids["code"], data.grids["households"], strict=True)}  # fmt: skip
    _grid_layer(data.grids, "basic grids", colours).add_to(m)
    labels = folium.FeatureGroup(name="grid codes")
    points = data.grids.representative_point()
    for code, point in zip(data.grids["code"], points, strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f'<span class="geogrid-label">{html.escape(str(code))}</span>',
                icon_size=(0, 0),
                class_name="geogrid-label-icon",
            ),
        ).add_to(labels)
    labels.add_to(m)
    # a district's hundreds of codes overlap at its zoom: show them from zoom 14 on
    min_zoom = 0 if len(data.grids) <= LABELS_ALWAYS else 14
    _label_zoom(min_zoom).add_to(m)
    counts = [int(household_colour(h) == colour) for h in data.grids["households"] for _, colour, _ in HOUSEHOLD_CLASSES]  # fmt: skip
    per_class = [sum(counts[i :: len(HOUSEHOLD_CLASSES)]) for i in range(len(HOUSEHOLD_CLASSES))]
    rows = [(c, label, n) for (_, c, label), n in zip(HOUSEHOLD_CLASSES, per_class, strict=True)]
    _legend(m, "households per basic grid", rows, data)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _label_zoom(min_zoom: int) -> Any:
    """A script hiding the code labels below ``min_zoom`` (class on the map's container)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class LabelZoom(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}(function (map) {"
            " function show() { map.getContainer().classList.toggle('geogrid-hide-labels',"
            " map.getZoom() < {{ this.min_zoom }}); }"
            " map.on('zoomend', show); show(); })({{ this._parent.get_name() }});{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self.min_zoom = min_zoom

    return LabelZoom()


def incident_map(data: MapData) -> Any:
    """Incidents inside the grids as a heat map over the grid outlines."""
    import folium
    from folium.plugins import HeatMap

    m = _base_map(data, f"geogrid incidents, plan {data.plan_id}")
    _grid_layer(data.grids, "basic grids", {c: "#ffffff" for c in data.grids["code"]}).add_to(m)
    points = [[p.y, p.x] for p in data.incidents]
    HeatMap(points, name="incidents (heat)", radius=12, blur=15, min_opacity=0.3).add_to(m)
    rows: list[tuple[str, str, int | None]] = [
        ("#0000ff", "few incidents", None),
        ("#ffff00", "more", None),
        ("#ff0000", "most incidents", None),
    ]
    _legend(m, f"incidents (heat), {len(points):,} inside the grids", rows, data)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def hotspot_map(data: MapData) -> Any:
    """Basic grids coloured by their Gi* hot / cold spot class."""
    label_of = dict(zip(data.hotspots["code"], data.hotspots["label"], strict=True))
    names = ("hot spots", "hot spots (Gi*)", "incident hot spots (Gi*)")
    return _class_map(
        data,
        names,
        label_of,
        HOTSPOT_COLOURS,
        missing="not_significant",
        method=data.hotspot_method,
    )


def coverage_map(data: MapData) -> Any:
    """Basic grids coloured by their first coverage gap."""
    class_of = {
        str(row.code): coverage_class(
            unmanned=bool(row.unmanned),
            missing_community=bool(row.missing_community_police),
            missing_traffic=bool(row.missing_traffic_police),
            overloaded=bool(row.overloaded),
        )
        for row in data.coverage.itertuples()
    }
    names = ("coverage gaps", "coverage", "staff coverage gaps")
    return _class_map(data, names, class_of, COVERAGE_COLOURS, missing="unmanned")


def _class_map(
    data: MapData,
    names: tuple[str, str, str],
    class_of: dict[str, str],
    palette: dict[str, tuple[str, str]],
    *,
    missing: str,
    method: str = "",
) -> Any:
    """Basic grids coloured by a class per grid code (``missing`` for grids without one);
    ``names``: the page title's subject, the layer's name and the legend's title; ``method``:
    a first legend note on how the classes were made."""
    import folium

    subject, layer, legend = names
    m = _base_map(data, f"geogrid {subject}, plan {data.plan_id}")
    colours = {c: palette[class_of.get(c, missing)][0] for c in data.grids["code"]}
    _grid_layer(data.grids, layer, colours).add_to(m)
    found = list(class_of.values())
    rows = [(colour, text, found.count(key)) for key, (colour, text) in palette.items()]
    _legend(m, legend, rows, data, method)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def offline_html(m: Any, vendor: Path) -> str:
    """Render a folium map with its scripts and stylesheets inlined from ``vendor``."""
    _use_local_assets(m)
    text: str = m.get_root().render()

    def script(match: re.Match[str]) -> str:
        body = (
            (vendor / match.group(1)).read_text(encoding="utf-8").replace("</script", "<\\/script")
        )
        return f"<script>{body}</script>"

    def style(match: re.Match[str]) -> str:
        css = (vendor / match.group(1)).read_text(encoding="utf-8")
        return f"<style>{_IMAGE_URL.sub(lambda m: _data_uri(vendor / m.group(1)), css)}</style>"

    text = re.sub(rf'<script src="{_SCHEME}([\w.-]+)"></script>', script, text)
    text = re.sub(rf'<link rel="stylesheet" href="{_SCHEME}([\w.-]+)"/>', style, text)
    if _SCHEME in text or _OUTSIDE.search(text):
        raise InvariantBroken("a folium map still links an asset from outside after inlining")
    return text


def _data_uri(path: Path) -> str:
    """``url(data:...)`` of a stylesheet's image (Leaflet's layer and marker icons)."""
    return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()})"


def _use_local_assets(element: Any) -> None:
    """Point every element's folium assets at the local copies, dropping the unneeded ones."""
    for attribute in ("default_js", "default_css"):
        assets = getattr(element, attribute, None)
        if assets:
            kept = []
            for name, _url in assets:
                if name not in _VENDOR:
                    raise InvariantBroken(f"folium asset {name!r} has no local copy")
                local = _VENDOR[name]
                if local is not None:
                    kept.append((name, f"{_SCHEME}{local}"))
            setattr(element, attribute, kept)
    for child in getattr(element, "_children", {}).values():
        _use_local_assets(child)


def index_html(data: MapData, written: dict[str, Path]) -> str:
    """A page listing the maps of one plan (what ``/maps/files/`` serves first)."""
    titles = {
        "plan": "规划 · Plan: basic grids by households",
        "incidents": "事件热力 · Incidents (heat map)",
        "hotspots": "热点 · Hot spots (Gi*)",
        "coverage": "覆盖缺口 · Coverage gaps",
    }
    items = "".join(
        f'<li><a href="{html.escape(path.name)}">{html.escape(titles[name])}</a></li>'
        for name, path in written.items()
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in synthetic_notes(data.synthetic))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>geogrid maps, plan {data.plan_id}</title></head>"
        '<body style="font:16px/1.5 sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem">'
        f"<h1>geogrid maps · plan {data.plan_id}</h1><ul>{items}</ul>"
        f"<p>Data:</p><ul>{notes}</ul></body></html>"
    )
