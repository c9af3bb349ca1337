"""OpsRamp's search conventions: the `queryString` parameter of every
`/search` endpoint, its dates, and the paged envelope it answers with.

`queryString` is `key:value` pairs joined by `+`, several values of one key
joined by `,`: `states:Critical,Warning+actions:OPEN`. A `+` or `,` inside a
value would split it, so free text loses them (they become spaces). The
whole string is percent-encoded as one parameter, so a literal `+` reaches
OpsRamp as the separator and a space as a space. Dates in queries are
`yyyy-MM-ddTHH:mm:ss 0000` (UTC; the space stands for the `+` of the
offset, as OpsRamp's documentation writes them); in answers they are
`yyyy-MM-ddTHH:mm:ss+0000`.
"""

import re
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from berth_sdk import ToolError

Value = Union[str, Iterable[str], None]

# The `+0000` ending of OpsRamp's dates, to be written `+00:00`.
_OFFSET = re.compile(r"([+-][0-9]{2})([0-9]{2})$")


def clean(text: str) -> str:
    """Free text made safe as a `queryString` value."""
    return " ".join(re.sub(r"[+,]", " ", text).split())


def query_string(pairs: List[Tuple[str, Value]]) -> Optional[str]:
    """`key:value+key:value,value` from `pairs`, leaving out `None` and
    empty lists; `None` when nothing is left."""
    parts = []
    for key, value in pairs:
        values = [value] if isinstance(value, str) else list(value or [])
        values = [clean(each) for each in values if each is not None and clean(each)]
        if values:
            parts.append(f"{key}:{','.join(values)}")
    return "+".join(parts) or None


def parse_instant(text: str, argument: str) -> datetime:
    """An RFC 3339 instant (`2026-11-27T10:15:00Z`, or with an offset) as
    an aware datetime; `argument` names it in the error."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ToolError.invalid_arguments(
            f"`{argument}` must be an RFC 3339 instant with its offset, such as 2026-11-27T10:15:00Z; it is `{text}`"
        )
    return moment


def query_date(text: str, argument: str) -> str:
    """An RFC 3339 instant as a `queryString` date, in UTC."""
    return parse_instant(text, argument).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S 0000")


def rfc3339(opsramp: Optional[str]) -> Optional[str]:
    """OpsRamp's `2016-02-24T01:15:00+0000` as RFC 3339 in UTC,
    `2016-02-24T01:15:00Z`; `None` for an absent or unreadable one."""
    if not opsramp:
        return None
    # `fromisoformat` rather than `strptime`: the component's Python has no
    # `_strptime`, which `strptime` imports on first use.
    text = _OFFSET.sub(r"\1:\2", opsramp.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def search_params(query: Optional[str], page: int, page_size: int, sort: str) -> Dict[str, Any]:
    """The parameters of one page of a search, newest first by `sort`."""
    return {
        "queryString": query,
        "pageNo": page,
        "pageSize": page_size,
        "sortName": sort,
        "isDescendingOrder": True,
    }


def results(envelope: Any, target: str) -> List[Dict[str, Any]]:
    """The `results` of a search envelope (an `upstream` error if the
    answer is not one)."""
    found = envelope.get("results") if isinstance(envelope, dict) else None
    if envelope is None:
        return []
    if not isinstance(found, list):
        raise ToolError.upstream(200, f"OpsRamp's answer to {target} has no `results` list")
    return [each for each in found if isinstance(each, dict)]


def has_next(envelope: Any) -> bool:
    """Whether the envelope says another page follows."""
    return isinstance(envelope, dict) and envelope.get("nextPage") is True
