"""What a plugin serves besides tools: tool output (`Text`, `Json`,
`ToolResult`), resources, prompts and completions, as plain Python values
that `Plugin` turns into wit/berth.wit's records."""

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Union


@dataclass(frozen=True)
class Text:
    """Plain text output."""

    text: str


@dataclass(frozen=True)
class Json:
    """A JSON document, as text."""

    text: str


Content = Union[Text, Json]


@dataclass(frozen=True)
class ToolResult:
    """A tool's output. Return a string or a value from a tool and the SDK
    builds one; return one yourself to set `is_error`, a failure the model
    should see and react to ("no alert matches") rather than a tool error."""

    content: List[Content]
    # JSON text matching the tool's output schema, if it has one.
    structured: Optional[str] = None
    is_error: bool = False


@dataclass(frozen=True)
class Resource:
    """A resource the plugin offers now (`resource-info`); its URI's scheme
    is the plugin's name."""

    uri: str
    name: str
    title: Optional[str] = None
    description: Optional[str] = None
    mime_type: Optional[str] = None
    size: Optional[int] = None


@dataclass(frozen=True)
class ResourceTemplate:
    """A family of resources by RFC 6570 template, `{plugin}://thing/{id}`."""

    uri_template: str
    name: str
    title: Optional[str] = None
    description: Optional[str] = None
    mime_type: Optional[str] = None


@dataclass(frozen=True)
class ResourceContents:
    """What a resource holds: `text`, or else `blob`."""

    uri: str
    text: Optional[str] = None
    blob: Optional[bytes] = None
    mime_type: Optional[str] = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.blob is None):
            raise ValueError("resource contents hold either text or a blob")


@dataclass(frozen=True)
class PromptArgument:
    """One argument of a prompt."""

    name: str
    description: Optional[str] = None
    required: bool = False


@dataclass(frozen=True)
class PromptMessage:
    """One message of a built prompt: `role` is `user` or `assistant`."""

    role: str
    text: str


@dataclass(frozen=True)
class PromptResult:
    """A prompt built from its arguments."""

    description: Optional[str]
    messages: List[PromptMessage]


@dataclass(frozen=True)
class Prompt:
    """A prompt template; `build(arguments)` gets the arguments as a dict
    (the host has checked the required ones are there)."""

    name: str
    description: Optional[str]
    build: Callable[[Dict[str, str]], PromptResult]
    arguments: List[PromptArgument] = field(default_factory=list)
    title: Optional[str] = None


@dataclass(frozen=True)
class CompletionRequest:
    """A client completing a partly typed value: of argument `argument` of
    the prompt `prompt`, or of variable `argument` of the resource template
    `resource_template` (one of the two is set)."""

    prompt: Optional[str]
    resource_template: Optional[str]
    argument: str
    value: str
    context: Dict[str, str]


@dataclass(frozen=True)
class Completion:
    """Suggested values, best first."""

    values: List[str]
    total: Optional[int] = None
    has_more: bool = False
