"""The routing rules editor: the rules as JSON, a comment, and how many days to back-test over."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

RULES_MAX_CHARS = 500_000
COMMENT_MAX_CHARS = 500
MAX_DAYS = 365


class RoutingRulesForm(FlaskForm):
    """The service validates the rules themselves; the form only carries them, with sane sizes."""

    rules_json = TextAreaField("Rules (JSON)", validators=[
        InputRequired("Paste or edit the rules JSON; it is empty."),
        Length(max=RULES_MAX_CHARS, message=f"The rules may be at most {RULES_MAX_CHARS:,} characters.")])
    comment = StringField("Comment", validators=[
        Optional(), Length(max=COMMENT_MAX_CHARS, message=f"At most {COMMENT_MAX_CHARS} characters.")])
    days = IntegerField("Back-test over the last … days", default=30, validators=[
        InputRequired("Say how many days of tickets to back-test over."),
        NumberRange(1, MAX_DAYS, message=f"Choose between 1 and {MAX_DAYS} days.")])
    # the version the editor started from (0: the file's rules), so a save cannot silently undo another
    base_version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0)])
