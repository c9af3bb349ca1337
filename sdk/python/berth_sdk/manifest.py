"""What a plugin declares once (`manifest` in wit/berth.wit): its name,
where it may connect, the credentials it names and the settings it reads.
The host validates it at load; the operator grants it per tenant."""

from dataclasses import dataclass, field
from typing import List, Optional


@dataclass(frozen=True)
class Credential:
    """A credential the operator stores for the plugin (`credential-need`);
    the plugin names it in requests and never sees its value."""

    name: str
    # What to store under the name, for the operator.
    description: str


@dataclass(frozen=True)
class ConfigKey:
    """A non-secret setting (`config-key`). Egress rules may use it as
    `{name}`."""

    name: str
    description: str
    required: bool = False
    default: Optional[str] = None


@dataclass(frozen=True)
class Manifest:
    """Everything a plugin needs, declared once."""

    # `[a-z][a-z0-9-]*`; prefixes every tool name.
    name: str
    version: str
    # One line about what the plugin integrates with.
    description: str
    # URL prefixes the plugin may reach, `{key}` filled from the tenant's settings.
    egress: List[str] = field(default_factory=list)
    credentials: List[Credential] = field(default_factory=list)
    config: List[ConfigKey] = field(default_factory=list)
