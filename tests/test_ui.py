"""Template helpers: labels and ``_`` translated once per request, yet always in its language."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from carehub.ui import label


def test_labels_and_gettext_follow_the_locale_within_one_request(app):
    page = "{{ label('sex', 'M') }}|{{ _('Male') }}"
    with app.test_request_context("/?lang=zh"):
        assert (label("sex", "M"), render_template_string(page)) == ("男", "男|男")
        with force_locale("en"):
            assert (label("sex", "M"), render_template_string(page)) == ("Male", "Male|Male")
        assert (label("sex", "M"), render_template_string(page)) == ("男", "男|男")
        assert label("sex", None) == "—" and label("sex", ["x"]) == "['x']"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(page) == "Male|Male"
