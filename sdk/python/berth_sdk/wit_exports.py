"""A `Plugin` as the exports componentize-py calls: SDK values converted
to and from the generated `wit_world` types, and `ToolError` raised as the
`Err(tool-error)` the host expects. Imported only inside a component build
(by `Plugin.export`), where `wit_world` exists."""

import json
from typing import Any, Callable, Dict, List, Tuple, TypeVar

import wit_world
from componentize_py_types import Err
from wit_world.imports import types

from . import content
from .errors import ToolError
from .tools import Tool

T = TypeVar("T")

_TOOL_ERRORS = {
    "invalid-arguments": types.ToolError_InvalidArguments,
    "not-found": types.ToolError_NotFound,
    "denied": types.ToolError_Denied,
    "internal": types.ToolError_Internal,
    "missing-capability": types.ToolError_MissingCapability,
}


def wit_tool_error(error: ToolError) -> Any:
    """`error` as the generated `tool-error` case."""
    if error.kind == "upstream":
        return types.ToolError_Upstream(types.UpstreamError(status=error.status, message=error.message))
    return _TOOL_ERRORS[error.kind](error.message)


def guarded(call: Callable[[], T]) -> T:
    """Runs `call`, turning a raised `ToolError` into the export's `err`."""
    try:
        return call()
    except ToolError as error:
        raise Err(wit_tool_error(error)) from None


def wit_manifest(manifest: Any) -> types.Manifest:
    return types.Manifest(
        name=manifest.name,
        version=manifest.version,
        description=manifest.description,
        egress=list(manifest.egress),
        credentials=[types.CredentialNeed(name=c.name, description=c.description) for c in manifest.credentials],
        config=[
            types.ConfigKey(name=k.name, description=k.description, required=k.required, default=k.default)
            for k in manifest.config
        ],
    )


def wit_tool(spec: Tool) -> types.Tool:
    hints = spec.hints
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=json.dumps(spec.input_schema),
        output_schema=None if spec.output_schema is None else json.dumps(spec.output_schema),
        annotations=types.ToolAnnotations(
            read_only=hints.read_only,
            destructive=hints.destructive,
            idempotent=hints.idempotent,
            open_world=hints.open_world,
        ),
    )


def wit_content(part: content.Content) -> Any:
    if isinstance(part, content.Json):
        return types.Content_Json(part.text)
    return types.Content_Text(part.text)


def wit_tool_result(result: content.ToolResult) -> types.ToolResult:
    return types.ToolResult(
        content=[wit_content(part) for part in result.content], structured=result.structured, is_error=result.is_error
    )


def wit_resource_contents(contents: content.ResourceContents) -> types.ResourceContents:
    body = (
        types.ResourceBody_Text(contents.text)
        if contents.text is not None
        else types.ResourceBody_Blob(contents.blob)
    )
    return types.ResourceContents(uri=contents.uri, mime_type=contents.mime_type, body=body)


def wit_prompt(prompt: content.Prompt) -> types.Prompt:
    arguments = [types.PromptArgument(name=a.name, description=a.description, required=a.required) for a in prompt.arguments]
    return types.Prompt(name=prompt.name, title=prompt.title, description=prompt.description, arguments=arguments)


_ROLES = {"user": types.Role.USER, "assistant": types.Role.ASSISTANT}


def wit_prompt_result(result: content.PromptResult) -> types.PromptResult:
    messages = [
        types.PromptMessage(role=_ROLES[message.role], content=types.Content_Text(message.text))
        for message in result.messages
    ]
    return types.PromptResult(description=result.description, messages=messages)


def sdk_completion_request(request: types.CompletionRequest) -> content.CompletionRequest:
    reference = request.reference
    is_prompt = isinstance(reference, types.CompletionRef_Prompt)
    return content.CompletionRequest(
        prompt=reference.value if is_prompt else None,
        resource_template=None if is_prompt else reference.value,
        argument=request.argument,
        value=request.value,
        context=dict(request.context),
    )


def world_classes(plugin: Any) -> Dict[str, type]:
    """`WitWorld`, and `Ticketing` when `plugin` has a ticket system."""

    class WitWorld(wit_world.WitWorld):
        def describe(self) -> types.Manifest:
            return wit_manifest(plugin.manifest)

        def list_tools(self) -> List[types.Tool]:
            return [wit_tool(spec) for spec in plugin.tools]

        def call_tool(self, name: str, arguments: str) -> types.ToolResult:
            return wit_tool_result(guarded(lambda: plugin.call_tool(name, arguments)))

        def list_resources(self) -> List[types.ResourceInfo]:
            return [
                types.ResourceInfo(
                    uri=r.uri, name=r.name, title=r.title, description=r.description, mime_type=r.mime_type, size=r.size
                )
                for r in guarded(plugin.list_resources)
            ]

        def list_resource_templates(self) -> List[types.ResourceTemplate]:
            return [
                types.ResourceTemplate(
                    uri_template=t.uri_template,
                    name=t.name,
                    title=t.title,
                    description=t.description,
                    mime_type=t.mime_type,
                )
                for t in plugin.resource_templates
            ]

        def read_resource(self, uri: str) -> List[types.ResourceContents]:
            return [wit_resource_contents(each) for each in guarded(lambda: plugin.read_resource(uri))]

        def list_prompts(self) -> List[types.Prompt]:
            return [wit_prompt(prompt) for prompt in plugin.prompts]

        def get_prompt(self, name: str, arguments: List[Tuple[str, str]]) -> types.PromptResult:
            return wit_prompt_result(guarded(lambda: plugin.get_prompt(name, dict(arguments))))

        def complete(self, request: types.CompletionRequest) -> types.Completion:
            found = guarded(lambda: plugin.complete(sdk_completion_request(request)))
            return types.Completion(values=list(found.values), total=found.total, has_more=found.has_more)

    classes: Dict[str, type] = {"WitWorld": WitWorld}
    if plugin.ticketing is not None:
        from .wit_ticketing import ticketing_class

        classes["Ticketing"] = ticketing_class(plugin.ticketing)
    return classes


