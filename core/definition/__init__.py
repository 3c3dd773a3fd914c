"""The consultation definition: what an organiser writes (model.py), and its checker, which says every problem with
its path and line in the file (reading.py reads the text, check.py maps the model's verdict onto it)."""

from core.definition.check import Report, check_file, check_text, json_schema, json_schema_text
from core.definition.model import ITEM_KINDS, PROPOSAL_MAX, PROPOSAL_MIN, ConsultationDef
from core.definition.reading import MAX_BYTES, MAX_DEPTH, MAX_VALUES, Problem

__all__ = [
    "ITEM_KINDS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "PROPOSAL_MAX",
    "PROPOSAL_MIN",
    "ConsultationDef",
    "Problem",
    "Report",
    "check_file",
    "check_text",
    "json_schema",
    "json_schema_text",
]
