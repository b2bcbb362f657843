"""Form pieces shared by several features: the one-button form and the region fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from . import regions


def region_fields(form, province_code: str | None) -> None:
    """Fill the province and kabupaten/kota choices; the latter for the chosen province."""
    form.province.choices = [SelectChoice("", _l("— choose a province —"))] + [
        SelectChoice(r.code, r.name) for r in regions.provinces()
    ]
    if regions.get(province_code):
        form.regency.choices = [SelectChoice("", _l("— choose a kabupaten/kota —"))] + [
            SelectChoice(r.code, r.name) for r in regions.regencies(province_code)
        ]
    else:
        form.regency.choices = [SelectChoice("", _l("— choose the province first —"))]


class RegionMixin:
    province = SelectField(_l("Province"), validate_choice=False)
    pick_province = SubmitField(_l("Show kabupaten/kota"))
    regency = SelectField(_l("Kabupaten/kota"), validate_choice=False)


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-button actions."""
