"""The seller's notification switch (templates/seller/_notify.html)."""
from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import AnyOf

from .base import PortalForm


class NotifySwitchForm(PortalForm):
    enabled = HiddenField(validators=[AnyOf(("0", "1"))])  # "1": on, "0": off
