"""Task forms: one marshmallow schema per user-task form, found by its form key.

Each module in this package registers its forms with `register`; the diagrams
name them with a formKey property. `load` validates a submission and returns
plain JSON values for the workflow; `json_schema` describes the form to clients.
Each form also declares the earlier data its task shows and the fields it pre-fills
(app/forms/shows.py).
"""

from app.forms.registry import (
    FormSpec,
    fields_choosing_from,
    form_fields,
    form_keys,
    get_form,
    has_form,
    json_schema,
    keys_of_schema,
    load,
    prefill_sources,
    register,
    with_empty_fields,
)

__all__ = ["FormSpec", "fields_choosing_from", "form_fields", "form_keys", "get_form", "has_form", "json_schema",
           "keys_of_schema", "load", "prefill_sources", "register", "with_empty_fields"]

from app.forms import (  # noqa: E402,F401  (each module registers its forms)
    conflict,
    lifecycle,
    lost_property,
    messages,
    quality,
    regulator_referral,
    security_gate,
    vehicle,
)
