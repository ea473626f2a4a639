"""Buildings declared in the wrong Gauss-Krüger zone land a thousand kilometres from their
communities: one refusal naming the distance and the zone that fits, not one warning per
building and a store of buildings in no community."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import ValidationFailed
from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store
from geogrid.store.layers import read_layer

GK = "EPSG:4549"  # CGCS2000 3-degree Gauss-Krüger CM 120E: Qingdao
X0, Y0 = 541_400.0, 3_996_700.0


def _files(tmp_path: Path) -> tuple[Path, Path]:
    communities = gpd.GeoDataFrame(
        {"code": ["370212001001"], "name": ["东关社区"], "area_type": ["urban_community"]},
        geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 400)],
        crs=GK,
    )
    buildings = gpd.GeoDataFrame(
        {"bldg_id": ["B1", "B2", "B3"], "households": [30, 40, 50]},  # shapefile names
        geometry=[
            shapely.box(X0 + 50 + 100 * i, Y0 + 50, X0 + 80 + 100 * i, Y0 + 80) for i in range(3)
        ],
        crs=GK,
    )
    c, b = tmp_path / "communities.gpkg", tmp_path / "buildings.shp"
    communities.to_file(c, engine="pyogrio")
    buildings.to_file(b, engine="pyogrio")
    b.with_suffix(".prj").unlink()  # a delivery without its .prj: the user declares the CRS
    return c, b


def test_buildings_in_the_wrong_zone_are_refused_once_naming_the_zone_that_fits(
    store: Store, tmp_path: Path
) -> None:
    communities, buildings = _files(tmp_path)
    import_file(store, communities)
    with pytest.raises(ValidationFailed) as err:
        import_file(store, buildings, ImportOptions(source_crs="EPSG:4545"))  # CM 108E
    [message] = [f.message for f in err.value.report.errors]
    assert message.startswith("all 3 buildings lie about 1,08")
    assert message.endswith(
        "the layer's CRS (declared EPSG:4545) is probably wrong; import it again with "
        "--source-crs EPSG:4549, which puts it among them"
    )
    assert not [f for f in err.value.report.findings if f.check == "outside_parent"]
    assert len(read_layer(store.engine, "buildings")) == 0
    result = import_file(store, buildings, ImportOptions(source_crs=GK))
    assert result.report.errors == [] and len(read_layer(store.engine, "buildings")) == 3
