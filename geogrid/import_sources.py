"""Which layers of a source file an import reads, and as which layer kinds: chosen by
``--layer`` (a kind, a layer's name, or NAME:KIND) or told by the layers' names; layers
without features and layers of no known kind are left out with a note."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from geogrid.errors import InputError
from geogrid.io import SourceLayer, layer_for, read_layers
from geogrid.io.kind_names import is_surface
from geogrid.io.readers import layer_names
from geogrid.schema import LAYERS

if TYPE_CHECKING:
    from geogrid.importer import ImportOptions


def choose_layer(options: ImportOptions, path: str | Path) -> ImportOptions:
    """``layer`` may name a layer of the source: ``NAME`` (not a layer kind) or ``NAME:KIND``.

    A value that is neither a kind nor a layer of the file is refused as an unknown kind,
    listing the kinds: taken for a layer name, it would be refused as a missing layer
    ("no layer 'natural_village'; the file has: nv"), which hides that the kind was the typo."""
    layer = options.layer
    if layer is None or layer in LAYERS:
        return options
    name, sep, kind = layer.rpartition(":")
    if sep and kind in LAYERS and name:
        return replace(options, source_layer=name, layer=kind)
    kinds = f"--layer takes a layer kind ({', '.join(LAYERS)})"
    if options.source_layer is not None:  # the layer is chosen already: this must be a kind
        raise InputError(f"unknown layer kind {layer!r}; {kinds}", file=str(path))
    names = list(dict.fromkeys(layer_names(path)))
    if not names or layer in names:
        return replace(options, source_layer=layer, layer=None)
    raise InputError(
        f"unknown layer kind {kind if sep and name in names else layer!r}; {kinds}, or the "
        f"name of a layer of the file ({', '.join(names)}), as NAME or NAME:KIND",
        file=str(path),
    )


def sources_of(path: str | Path, options: ImportOptions) -> list[SourceLayer]:
    sources = read_layers(
        path,
        layer=options.source_layer,
        encoding=options.encoding,
        wkt_column=options.wkt_column,
        lonlat_columns=options.lonlat_columns,
    )
    sources = _with_features(sources, path)
    if options.layer is None and len(sources) > 1:
        sources = _known_layers(sources, options, path)
    if options.layer is not None and len(sources) > 1:
        named = [s for s in sources if s.name == options.layer]
        if len(named) != 1:
            raise InputError(
                f"the file has {len(sources)} layers ({', '.join(s.name for s in sources)}); "
                "say which one is meant with --source-layer",
                file=str(path),
            )
        sources = named
    kinds = [kind_of(s, options) for s in sources]
    for kind in dict.fromkeys(kinds):
        same = [s.name for s, k in zip(sources, kinds, strict=True) if k == kind]
        if len(same) > 1:
            raise InputError(
                f"layers {', '.join(same)} would all be read as {kind}; import one of them with "
                f"--layer NAME:{kind} (and the others by name), or rename the others",
                file=str(path),
            )
    return sources


def _with_features(sources: list[SourceLayer], path: str | Path) -> list[SourceLayer]:
    """The layers that hold features. A layer without any would replace the stored layer with
    nothing; a file without any features is refused, naming its layers."""
    kept = [s for s in sources if len(s.frame)]
    if not kept:
        names = ", ".join(s.name for s in sources)
        raise InputError(
            f"no features to import: the file's layers ({names}) are empty",
            file=str(path),
        )
    kept[0].notes.extend(
        f"layer {s.name} of the file has no features; not imported"
        for s in sources
        if not len(s.frame)
    )
    return kept


def _known_layers(
    sources: list[SourceLayer], options: ImportOptions, path: str | Path
) -> list[SourceLayer]:
    """The layers of a multi-layer file whose kind can be told by name. A delivery often
    holds more (land parcels, land use, points of interest): those are listed with their
    feature counts in the notes, not imported; a file with no layer of a known kind is
    refused as before, naming the layer."""
    kinds: dict[str, str] = {}  # layer name -> kind, for the layers whose name tells one
    unknown = []
    for source in sources:
        try:
            kinds[source.name] = kind_of(source, options)
        except InputError:
            unknown.append(source)
    # a layer named as the kind itself wins over others whose names only tell it
    # (roads beside roads_2019): those are listed, not imported
    exact = {s.name.lower() for s in sources if s.name.lower() in LAYERS}
    # and road centre lines over road surfaces (道路中心线 beside 道路面): surfaces alone are
    # read, to be refused with the hint to derive centre lines from them
    lines = {kinds[s.name] for s in sources if s.name in kinds and not is_surface(s.name)}
    second = [
        s
        for s in sources
        if (kinds.get(s.name) in exact and s.name.lower() not in exact)
        or (is_surface(s.name) and kinds.get(s.name) in lines)
    ]
    known = [s for s in sources if s.name in kinds and s not in second]
    if not known:
        names = ", ".join(s.name for s in unknown)
        raise InputError(
            f"none of the file's layers ({names}) is named as a layer kind; import one with "
            f"--layer NAME:KIND (KIND: {', '.join(LAYERS)})",
            file=str(path),
        )
    known[0].notes.extend(
        f"layer {s.name} of the file ({len(s.frame):,} features) is no layer kind geogrid "
        f"imports by its name; not imported (to import it: --layer {s.name}:KIND)"
        for s in unknown
    )
    known[0].notes.extend(
        f"layer {s.name} of the file ({len(s.frame):,} features) is not imported: "
        + (
            "road surfaces beside a layer of centre lines"
            if is_surface(s.name) and kinds[s.name] in lines
            else f"layer {kinds[s.name]} is named as the kind"
        )
        + f" (to import this one instead: --layer {s.name}:{kinds[s.name]})"
        for s in second
    )
    return known


def kind_of(source: SourceLayer, options: ImportOptions) -> str:
    """The layer kind: as requested, else by the layer's name, else by the file's name."""
    try:
        return layer_for(source.name, options.layer, file=source.file)
    except InputError as by_layer:
        if source.alias is None:
            raise
        try:
            return layer_for(source.alias, options.layer, file=source.file)
        except InputError:
            raise by_layer from None  # name the layer (--layer NAME:KIND takes it), not the file
