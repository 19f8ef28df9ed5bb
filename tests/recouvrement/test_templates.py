"""Ids written into forms must survive French number formatting: with the thousand separator on,
``{{ obj.pk }}`` renders 2 125 (with a non-breaking space) and a selection past id 999 would
post nothing usable. Every id in an attribute goes through ``|unlocalize``."""

import re
from pathlib import Path

from django.conf import settings

ID_IN_ATTRIBUTE = re.compile(r'="[^"]*\{\{ *[\w.]+\.(?:pk|id) *\}\}')


def test_ids_in_form_attributes_are_never_localized():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ID_IN_ATTRIBUTE.search(line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert offenders == []
