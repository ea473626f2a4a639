"""Pure analytics over incidents and grids (no database, web or folium imports)."""
