"""`hellopy`: the `hello` plugin written in Python, and the template for
Python plugins.

- `greet {name}` answers `Hello, {name}!`; the word comes from the tenant's
  `greeting` setting, `Hello` unless the operator changes it.
- `remember {key, value}` stores a value in the tenant's cache.
- `recall {key}` reads it back; another tenant never sees it.
- `fetch {url}` asks the host to GET a URL. `hellopy` declares no egress, so
  the host always denies it: the tool shows what a denial looks like.
- The resource `hellopy://greeting` is the greeting itself, `Hello, world!`.
- The prompt `greet_someone {name}` asks the model to greet someone warmly.

It behaves exactly like the Rust `hello` example that ships with Berth, and
Berth's end-to-end tests run the same checks against every language.

Build it with componentize-py (pinned in requirements.txt) against the
contract in wit/:

    componentize-py -d ../../wit -w adapter componentize app -o hellopy.wasm

`cargo build` does this for you (host/build.rs). The generated `wit_world`
package exists only inside that build; run `componentize-py -d ../../wit -w
adapter bindings <dir>` to get a copy for your editor.
"""

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import wit_world
from componentize_py_types import Err
from wit_world.imports import cache, config, http, log
from wit_world.imports.types import (
    Completion,
    CompletionRequest,
    ConfigKey,
    Content_Text,
    Manifest,
    Prompt,
    PromptArgument,
    PromptMessage,
    PromptResult,
    ResourceBody_Text,
    ResourceContents,
    ResourceInfo,
    ResourceTemplate,
    Role,
    Tool,
    ToolAnnotations,
    ToolError,
    ToolError_Denied,
    ToolError_InvalidArguments,
    ToolError_NotFound,
    ToolError_Upstream,
    ToolResult,
    UpstreamError,
)

# How long `remember` keeps a value.
REMEMBER_TTL_SECONDS = 3600

# `greet` says this unless the tenant's `greeting` setting says otherwise.
DEFAULT_GREETING = "Hello"

Arguments = Dict[str, Any]


def string_field(args: Arguments, name: str) -> str:
    """The string argument `name`. The host has already validated the
    arguments against the tool's schema, so this failing means the schema and
    the code disagree."""
    value = args.get(name)
    if not isinstance(value, str):
        raise Err(ToolError_InvalidArguments(f"`{name}` must be a string"))
    return value


# The plugin's one resource: its greeting, `Hello, world!`.
GREETING_URI = "hellopy://greeting"


def greeting_for(name: str) -> str:
    """`Hello, {name}!`, in the tenant's word for hello."""
    greeting = config.get("greeting") or DEFAULT_GREETING
    return f"{greeting}, {name}!"


def greet(args: Arguments) -> str:
    return greeting_for(string_field(args, "name"))


def remember(args: Arguments) -> str:
    key = string_field(args, "key")
    value = string_field(args, "value")
    try:
        cache.set(key, value.encode(), REMEMBER_TTL_SECONDS)
    except Err as error:
        # The only cache error is `too-large`, carrying the host's limit.
        # Worded exactly as the Rust `hello` words it.
        limit = error.value.value
        raise Err(ToolError_InvalidArguments(f"cannot remember `{key}`: CacheError::TooLarge({limit})"))
    log.log(log.Level.INFO, f"remembered `{key}`")
    return f"Remembered `{key}`."


def recall(args: Arguments) -> str:
    key = string_field(args, "key")
    value = cache.get(key)
    if value is None:
        raise Err(ToolError_NotFound(f"nothing remembered under `{key}`"))
    return value.decode(errors="replace")


def fetch(args: Arguments) -> str:
    request = http.Request(
        method=http.Method.GET,
        url=string_field(args, "url"),
        headers=[("accept", "application/json")],
        body=None,
        credential=None,
        timeout_ms=None,
    )
    try:
        response = http.send(request)
    except Err as error:
        raise Err(tool_error_from_http(error.value))
    return f"HTTP {response.status}: {response.body.decode(errors='replace')}"


def tool_error_from_http(error: http.HttpError) -> ToolError:
    """A policy denial stays a denial; anything else is an upstream failure
    (the same mapping as the Rust SDK's `?` on a request)."""
    if isinstance(error, http.HttpError_Denied):
        return ToolError_Denied(error.value)
    return ToolError_Upstream(UpstreamError(status=None, message=http_error_message(error)))


def http_error_message(error: http.HttpError) -> str:
    """A sentence describing a failed request, worded like the Rust SDK's."""
    if isinstance(error, http.HttpError_InvalidRequest):
        return f"invalid request: {error.value}"
    if isinstance(error, http.HttpError_CredentialFailed):
        return f"credential failed: {error.value}"
    if isinstance(error, http.HttpError_Timeout):
        return "the upstream did not answer in time"
    if isinstance(error, http.HttpError_TooLarge):
        return f"the response exceeded the {error.value}-byte limit"
    if isinstance(error, http.HttpError_RateLimited):
        return "rate limited" if error.value is None else f"rate limited; retry after {error.value} ms"
    if isinstance(error, http.HttpError_CircuitOpen):
        return f"upstream unavailable (circuit open): {error.value}"
    return f"could not reach the upstream: {error.value}"


def object_schema(**fields: str) -> str:
    """JSON Schema of an arguments object whose fields are all required
    strings; each keyword names a field and gives its description."""
    return json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {name: {"type": "string", "description": text} for name, text in fields.items()},
            "required": list(fields),
            "additionalProperties": False,
        }
    )


def annotations(*, read_only: bool, destructive: bool, idempotent: bool, open_world: bool) -> ToolAnnotations:
    """Hints for MCP clients; spelled out so every tool states all four."""
    return ToolAnnotations(read_only=read_only, destructive=destructive, idempotent=idempotent, open_world=open_world)


@dataclass(frozen=True)
class Handler:
    """A tool as the agent sees it, and the function that runs it."""

    tool: Tool
    run: Callable[[Arguments], str]


def handler(
    name: str,
    description: str,
    run: Callable[[Arguments], str],
    schema: str,
    hints: ToolAnnotations,
    title: Optional[str] = None,
) -> Handler:
    """Tool `name` (`[a-z][a-z0-9_]*`), described for the model that calls it."""
    tool = Tool(
        name=name, title=title, description=description, input_schema=schema, output_schema=None, annotations=hints
    )
    return Handler(tool, run)


HANDLERS: List[Handler] = [
    handler(
        "greet",
        "Greets someone by name.",
        greet,
        object_schema(name="Who to greet."),
        annotations(read_only=True, destructive=False, idempotent=True, open_world=False),
        title="Greet",
    ),
    handler(
        "remember",
        "Remembers a value under a key for this tenant.",
        remember,
        object_schema(key="Name to store the value under.", value="Text to remember."),
        annotations(read_only=False, destructive=False, idempotent=True, open_world=False),
    ),
    handler(
        "recall",
        "Recalls a value remembered under a key.",
        recall,
        object_schema(key="Name the value was stored under."),
        annotations(read_only=True, destructive=False, idempotent=True, open_world=False),
    ),
    handler(
        "fetch",
        "Fetches a URL through the host (hello has no egress, so this is always denied).",
        fetch,
        object_schema(url="Absolute URL to GET."),
        annotations(read_only=True, destructive=False, idempotent=True, open_world=True),
    ),
]


class WitWorld(wit_world.WitWorld):
    """The world's exports. Each call runs in a fresh instance, so nothing
    here outlives a call; `describe` and `list_tools` run without grants and
    must not use any capability."""

    def describe(self) -> Manifest:
        return Manifest(
            name="hellopy",
            version="0.1.0",
            description="Greets people and remembers things",
            egress=[],
            credentials=[],
            config=[
                ConfigKey(
                    name="greeting",
                    description="The word `greet` uses, for example `Kia ora`",
                    required=False,
                    default=DEFAULT_GREETING,
                )
            ],
        )

    def list_tools(self) -> List[Tool]:
        return [entry.tool for entry in HANDLERS]

    def call_tool(self, name: str, arguments: str) -> ToolResult:
        """Runs tool `name`. A returned string is the tool's text; a raised
        `Err(ToolError_...)` is the typed error the agent sees."""
        found = next((entry for entry in HANDLERS if entry.tool.name == name), None)
        if found is None:
            raise Err(ToolError_NotFound(f"this plugin has no tool named `{name}`"))
        try:
            args = json.loads(arguments)
        except ValueError as error:
            raise Err(ToolError_InvalidArguments(str(error)))
        if not isinstance(args, dict):
            raise Err(ToolError_InvalidArguments("the arguments must be a JSON object"))
        text = found.run(args)
        return ToolResult(content=[Content_Text(text)], structured=None, is_error=False)

    def list_resources(self) -> List[ResourceInfo]:
        return [
            ResourceInfo(
                uri=GREETING_URI,
                name="greeting",
                title=None,
                description="The greeting this tenant uses",
                mime_type="text/plain",
                size=None,
            )
        ]

    def list_resource_templates(self) -> List[ResourceTemplate]:
        return []

    def read_resource(self, uri: str) -> List[ResourceContents]:
        if uri != GREETING_URI:
            raise Err(ToolError_NotFound(f"no resource `{uri}`"))
        return [ResourceContents(uri=uri, mime_type="text/plain", body=ResourceBody_Text(greeting_for("world")))]

    def list_prompts(self) -> List[Prompt]:
        return [
            Prompt(
                name="greet_someone",
                title=None,
                description="Asks the model to greet someone warmly",
                arguments=[PromptArgument(name="name", description="Who to greet", required=True)],
            )
        ]

    def get_prompt(self, name: str, arguments: List[Tuple[str, str]]) -> PromptResult:
        if name != "greet_someone":
            raise Err(ToolError_NotFound(f"this plugin has no prompt named `{name}`"))
        who = dict(arguments).get("name", "")
        message = PromptMessage(role=Role.USER, content=Content_Text(f"Please greet {who} warmly."))
        return PromptResult(description="Greets someone warmly", messages=[message])

    def complete(self, request: CompletionRequest) -> Completion:
        return Completion(values=[], total=None, has_more=False)
