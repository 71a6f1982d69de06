"""Template helpers: labels for codes, dates in local time, the language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request
from flask_babel import format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l

from carehub.common.clock import local_today
from carehub.registry.idnumbers import age_on

LABELS = {
    "sex": {"M": _l("Male"), "F": _l("Female")},
    "category": {
        "sanwu": _l("Three-no elder (sanwu)"),
        "wubao": _l("Five-guarantee (wubao)"),
        "youfu": _l("Entitled veteran family (youfu)"),
        "dibao": _l("Minimum living allowance (dibao)"),
        "low_income": _l("Low income"),
        "none": _l("No category"),
    },
    "household": {
        "alone": _l("Lives alone"),
        "empty_nest": _l("Empty nest"),
        "with_family": _l("With family"),
        "with_carer": _l("With a live-in carer"),
    },
    "status": {
        "active": _l("Active"),
        "suspended": _l("Suspended"),
        "hospitalised": _l("In hospital"),
        "deceased": _l("Deceased"),
        "inactive": _l("Inactive"),
    },
    "level": {
        0: _l("0 · Intact"),
        1: _l("1 · Mildly impaired"),
        2: _l("2 · Moderately impaired"),
        3: _l("3 · Severely impaired"),
        4: _l("4 · Completely impaired"),
    },
    "role": {
        "admin": _l("Administrator"),
        "auditor": _l("Bureau auditor"),
        "coordinator": _l("Station coordinator"),
        "provider_manager": _l("Provider manager"),
        "caregiver": _l("Caregiver"),
        "volunteer": _l("Volunteer"),
    },
    "travel_mode": {"walk": _l("On foot"), "ebike": _l("E-bike")},
    "skill": {
        "meal": _l("Meals"),
        "cleaning": _l("Cleaning"),
        "bathing": _l("Bathing"),
        "nursing": _l("Nursing"),
        "medical": _l("Medical help"),
        "escort": _l("Escort"),
        "rehab": _l("Rehabilitation"),
        "companion": _l("Companionship"),
    },
    "weekday": dict(
        enumerate([_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")])
    ),
    "field": {
        "station_id": _l("Station"),
        "name": _l("Name"),
        "id_number": _l("ID number"),
        "sex": _l("Sex"),
        "birth_date": _l("Birth date"),
        "phone": _l("Phone"),
        "address": _l("Address"),
        "latitude": _l("Latitude"),
        "longitude": _l("Longitude"),
        "household": _l("Household"),
        "categories": _l("Categories"),
        "health_notes": _l("Health notes"),
        "caregiver_sex_preference": _l("Preferred caregiver sex"),
        "status": _l("Status"),
        "status_since": _l("Status since"),
        "deceased_on": _l("Date of death"),
        "consent_signed_on": _l("Consent signed on"),
        "consent_note": _l("Consent note"),
        "family_members": _l("Family members"),
        "relationship": _l("Relationship"),
        "lives_away": _l("Lives away"),
        "emergency_contact": _l("Emergency contact"),
        "agreement_signed_on": _l("Home-care agreement signed on"),
        "assessed_on": _l("Assessed on"),
        "level": _l("Ability level"),
        "ability_level": _l("Ability level"),
        "self_care": _l("Self-care"),
        "mobility": _l("Mobility"),
        "mental": _l("Mental state"),
        "perception": _l("Perception and social"),
        "assessor": _l("Assessor"),
        "notes": _l("Notes"),
        "provider_id": _l("Provider"),
        "home_latitude": _l("Home latitude"),
        "home_longitude": _l("Home longitude"),
        "travel_mode": _l("Travel mode"),
        "max_minutes_per_day": _l("Most minutes a day"),
        "skills": _l("Skills"),
        "certificates": _l("Certificates"),
        "kind": _l("Certificate"),
        "number": _l("Number"),
        "issued_on": _l("Issued on"),
        "expires_on": _l("Expires on"),
        "working_hours": _l("Working hours"),
        "weekday": _l("Day"),
        "start": _l("From"),
        "end": _l("To"),
        "resident_id": _l("Registered resident"),
        "joined_on": _l("Joined on"),
        "skills_note": _l("Skills and interests"),
        "q": _l("Search"),
        "page": _l("Page"),
        "category": _l("Category"),
        "per_page": _l("Per page"),
    },
    "action": {
        "create": _l("Registered"),
        "update": _l("Changed"),
        "assess": _l("Assessed"),
        "import": _l("Imported"),
        "status": _l("Status changed"),
    },
    "certificate_state": {
        "valid": _l("Valid"),
        "expiring": _l("Expires soon"),
        "expired": _l("Expired"),
        "permanent": _l("No expiry"),
    },
    "contract_state": {
        "current": _l("In force"),
        "future": _l("Not yet in force"),
        "expired": _l("Ended"),
    },
}


def label(kind: str, code) -> str:
    """A code's label in the reader's language, translated once per request (a list shows the
    same few labels on every row)."""
    cache = _request_cache("labels")
    try:
        return cache[kind, code]
    except KeyError:
        shown = cache[kind, code] = str(
            LABELS.get(kind, {}).get(code, code if code is not None else "—")
        )
        return shown
    except TypeError:  # an unhashable code: shown as it is
        return str(code)


def translations():
    """The request's catalogue, looked up once per request and locale (not once per string:
    Flask-Babel's lookup costs some 25 times the translation itself)."""
    cache = _request_cache("translations")
    found = cache.get("catalogue")
    if found is None:
        found = cache["catalogue"] = get_translations()
    return found


def _request_cache(name: str) -> dict:
    """A dict kept on ``g`` for the current locale; a new one when the locale changes
    (``force_locale`` or ``refresh``), so nothing is ever shown in the wrong language.
    Outside an application context a fresh dict (nothing is kept)."""
    try:
        here = g._get_current_object()  # one proxy lookup, then plain attributes (per string)
    except RuntimeError:
        return {}
    locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None)
    caches = getattr(here, "_carehub_i18n", None)
    if caches is None or caches[0] is not locale or locale is None:
        locale = get_locale()  # sets it on the context when not yet chosen
        caches = here._carehub_i18n = (locale, {})
    return caches[1].setdefault(name, {})


def _install_gettext(app: Flask) -> None:
    """Templates' ``_``/``ngettext`` through the request's catalogue (same strings, same
    output as Flask-Babel's callables; the catalogue is found once per request)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def register_template_helpers(app: Flask) -> None:
    _install_gettext(app)

    @app.context_processor
    def helpers():
        today = local_today()  # once per page, not once per row of a list
        return {
            "label": label,
            "labels": LABELS,
            "current_locale": str(get_locale()),
            "age": lambda born: age_on(born, today) if born else None,
            "lang_url": _lang_url,
        }

    app.jinja_env.filters["localtime"] = lambda value: format_datetime(value, "yyyy-MM-dd HH:mm")


def _lang_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = lang
    return request.path + "?" + urlencode(args)
