"""The tenant's settings for this plugin, as the operator set them with
`berth config set` (or the manifest's defaults)."""

from typing import Optional

from .errors import ToolError
from .host import current


def get(key: str) -> Optional[str]:
    """Setting `key`: the tenant's value, the manifest's default, or `None`."""
    return current().config(key)


def require(key: str, hint: str = "") -> str:
    """Setting `key`, which must be set: a missing or blank one is an
    `invalid-arguments` tool error telling the operator how to set it
    (`hint` says what a good value looks like)."""
    value = get(key)
    if value is None or not value.strip():
        example = f" (for example {hint})" if hint else ""
        raise ToolError.invalid_arguments(
            f"the setting `{key}` is not set; set it with `berth config set --tenant <tenant> <plugin> {key} "
            f"<value>`{example}"
        )
    return value.strip()
