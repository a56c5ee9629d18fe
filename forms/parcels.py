"""The seller's "This answers my question" under the parcel statuses shown before a ticket."""
from __future__ import annotations

from wtforms import HiddenField

from .base import PortalForm


class ParcelAnswerForm(PortalForm):
    """What the seller asked about, carried from the status shown; the service reads the statuses
    again and decides whether there was an answer to accept. Hidden, so never labelled."""

    category = HiddenField(label="")
    tracking_numbers = HiddenField(label="")
