"""The API's JSON parser: DRF's, with numbers beyond the float range refused like NaN and Infinity.

DRF already refuses the literals `NaN` and `Infinity` (STRICT_JSON) as a 400 parse error. A number such as `1e999`
is valid JSON text but overflows to infinity when read: a float field then refuses it, while a related field
(`"team": 1e999`) raised OverflowError deep in the ORM, a 500. It is refused here instead, for every field and
endpoint alike, with the same 400 as the literals.
"""

from __future__ import annotations

import codecs
import json
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant


def finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {text}")
    return value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant if self.strict else None,
                parse_float=finite_float if self.strict else float,
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
