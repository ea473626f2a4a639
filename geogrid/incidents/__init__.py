"""Grid incidents, pure: the responsibility list, the workflow state machine, deadlines, intake
normalisation, grid attribution and a synthetic year. The store lives in ``geogrid.store``."""

from geogrid.incidents.attribution import Attribution, attribute
from geogrid.incidents.deadlines import CHINESE_WEEK, WorkCalendar, due_dates, load_calendar
from geogrid.incidents.formats import read_incident_file
from geogrid.incidents.intake import IntakeBatch, Problem, normalise
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.incidents.taxonomy import (
    Classification,
    Taxonomy,
    Tier,
    default_taxonomy,
    load_taxonomy,
)
from geogrid.incidents.workflow import ACTIONS, State, Status, allowed_actions, apply

__all__ = [
    "ACTIONS",
    "CHINESE_WEEK",
    "Attribution",
    "Classification",
    "IntakeBatch",
    "Problem",
    "State",
    "Status",
    "Taxonomy",
    "Tier",
    "WorkCalendar",
    "allowed_actions",
    "apply",
    "attribute",
    "default_taxonomy",
    "due_dates",
    "load_calendar",
    "load_taxonomy",
    "normalise",
    "read_incident_file",
    "synthesize_incidents",
]
