"""JSON written as UTF-8 text: Vietnamese names stay readable ("Tây Ninh"), never "\\u00e2y"."""

import json
from typing import Any

from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


def dumps(data: Any) -> str:
    return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


class UTF8JSONRenderer(JSONRenderer):
    media_type = "application/json"
    charset = "utf-8"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> str:
        return dumps(data)
