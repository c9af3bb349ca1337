"""berth_sdk: write Berth plugins in Python, as the Rust SDK (`sdk/`) and
the JavaScript SDK (`sdk/js/berth.js`) let their authors write them.

A plugin is a `Manifest` and typed tools, each a function from its
(schema-checked) arguments to a result; `Plugin.export` turns them into the
exports of wit/berth.wit's `adapter` world (or `ticket-adapter`, with a
ticket system), and componentize-py builds the component:

    from typing import Annotated
    from berth_sdk import Hints, Manifest, Plugin, ToolError, cache, config, http, log

    plugin = Plugin(Manifest(name="acme", version="0.1.0", description="Acme items",
                             egress=["https://{host}/api/"]))

    @plugin.tool(hints=Hints(read_only=True, destructive=False, idempotent=True, open_world=True))
    def get_item(id: Annotated[str, "The item's id."]) -> dict:
        '''Reads one item.'''
        return http.get_json(f"https://{config.require('host')}/api/items/{id}", credential="acme")

    plugin.export(globals())

    componentize-py -d wit -w adapter componentize app -p . -p <dir holding berth_sdk> -o acme.wasm

Tests run natively against `berth_sdk.testing.FakeHost`.
"""

from . import cache, config, http, log
from .content import (
    Completion,
    CompletionRequest,
    Json,
    Prompt,
    PromptArgument,
    PromptMessage,
    PromptResult,
    Resource,
    ResourceContents,
    ResourceTemplate,
    Text,
    ToolResult,
)
from .errors import CacheTooLarge, HttpError, ToolError, tool_error_from_http
from .manifest import ConfigKey, Credential, Manifest
from .plugin import Plugin
from .tools import Hints, Tool, fields, object_schema, tool

__all__ = [
    "cache",
    "config",
    "http",
    "log",
    "CacheTooLarge",
    "Completion",
    "CompletionRequest",
    "ConfigKey",
    "Credential",
    "Hints",
    "HttpError",
    "Json",
    "Manifest",
    "Plugin",
    "Prompt",
    "PromptArgument",
    "PromptMessage",
    "PromptResult",
    "Resource",
    "ResourceContents",
    "ResourceTemplate",
    "Text",
    "Tool",
    "ToolError",
    "ToolResult",
    "fields",
    "object_schema",
    "tool",
    "tool_error_from_http",
]
