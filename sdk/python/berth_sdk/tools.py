"""Typed tools: a function, its JSON-Schema'd arguments and the hints MCP
clients see. The schema is either written out (`schema=`, with `fields` and
`object_schema` to help) or read from the function's signature:

    @tool(hints=Hints(read_only=True, destructive=False, idempotent=True, open_world=False))
    def greet(name: Annotated[str, "Who to greet."]) -> str:
        '''Greets someone by name.'''
        return f"Hello, {name}!"

Each parameter is a property: `str`, `int`, `float`, `bool`, `List[...]`,
`Literal[...]` (an enum) and `Optional[...]`; one without a default is
required; `Annotated[T, "description", {"minimum": 1}]` adds its
description and further schema keywords. The tool is called with the
arguments as keyword arguments, after the host has validated them against
the schema.
"""

import inspect
import json
import typing
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from .content import Json, Text, ToolResult
from .errors import ToolError

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Schema = Dict[str, Any]


@dataclass(frozen=True)
class Hints:
    """Behavioural hints for MCP clients (`tool-annotations`). All four are
    required: the host passes them on as stated, and a client asks a human
    before running a tool that writes."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool


def object_schema(properties: Dict[str, Schema], required: Sequence[str] = (), *, closed: bool = True) -> Schema:
    """JSON Schema of an arguments object with `properties`, of which
    `required` must be given; `closed` refuses other properties."""
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": not closed,
    }


def fields(**descriptions: str) -> Schema:
    """JSON Schema of an arguments object whose fields are all required
    strings; each keyword names a field and describes it for the model."""
    properties = {name: {"type": "string", "description": text} for name, text in descriptions.items()}
    return object_schema(properties, list(descriptions))


_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number"}


def type_schema(hint: Any) -> Schema:
    """The JSON Schema of a parameter annotated `hint`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        schema = type_schema(args[0])
        for extra in args[1:]:
            if isinstance(extra, str):
                schema["description"] = extra
            elif isinstance(extra, dict):
                schema.update(extra)
        return schema
    if origin is typing.Union:
        present = [arg for arg in args if arg is not type(None)]
        if len(present) == 1:
            return type_schema(present[0])
        return {"anyOf": [type_schema(arg) for arg in present]}
    if origin is typing.Literal:
        kinds = {type(value) for value in args}
        if len(kinds) != 1 or next(iter(kinds)) not in _SCALARS:
            raise TypeError(f"a Literal's values must share one scalar type: {hint}")
        return {"type": _SCALARS[next(iter(kinds))], "enum": list(args)}
    if origin in (list, List):
        return {"type": "array", "items": type_schema(args[0])} if args else {"type": "array"}
    if origin in (dict, Dict) or hint is dict:
        return {"type": "object"}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    raise TypeError(f"no JSON Schema for the annotation {hint!r}; pass the tool a `schema=`")


def signature_schema(function: Callable[..., Any]) -> Schema:
    """The arguments schema of `function`, from its signature (see the
    module's doc): a closed object of its keyword parameters."""
    hints = typing.get_type_hints(function, include_extras=True)
    properties: Dict[str, Schema] = {}
    required = []
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD, parameter.POSITIONAL_ONLY):
            raise TypeError(f"{function.__name__}: tool parameters are named (`{name}` is not)")
        if name not in hints:
            raise TypeError(f"{function.__name__}: parameter `{name}` needs a type annotation")
        properties[name] = type_schema(hints[name])
        if parameter.default is parameter.empty:
            required.append(name)
    return object_schema(properties, required)


@dataclass(frozen=True)
class Tool:
    """One tool: `name` (`[a-z][a-z0-9_]*`; clients see `{plugin}_{name}`),
    a `description` written for the model, the function that runs it, its
    arguments' schema and, when it answers structured content, the schema
    of its answer. Calling a `Tool` calls its function."""

    name: str
    description: str
    run: Callable[..., Any]
    input_schema: Schema
    hints: Hints
    title: Optional[str] = None
    output_schema: Optional[Schema] = None

    def __call__(self, **arguments: Any) -> Any:
        return self.run(**arguments)

    def call(self, arguments_json: str) -> ToolResult:
        """Runs the tool on its arguments as the host passes them (a JSON
        object as text): a returned string is the tool's text; anything
        else is JSON, and the structured content when the tool has an
        output schema. A raised `ToolError` fails the call."""
        try:
            arguments = json.loads(arguments_json)
        except ValueError as error:
            raise ToolError.invalid_arguments(str(error)) from None
        if not isinstance(arguments, dict):
            raise ToolError.invalid_arguments("the arguments must be a JSON object")
        try:
            inspect.signature(self.run).bind(**arguments)
        except TypeError as error:
            raise ToolError.invalid_arguments(f"{self.name}: {error}") from None
        return tool_result(self.run(**arguments), structured=self.output_schema is not None)


def tool_result(value: Any, *, structured: bool) -> ToolResult:
    """What a tool's return value becomes (see `Tool.call`)."""
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, str) and not structured:
        return ToolResult([Text(value)])
    text = json.dumps(value, ensure_ascii=False)
    return ToolResult([Json(text)], structured=text if structured else None)


def tool(
    name: Optional[str] = None,
    description: Optional[str] = None,
    *,
    hints: Hints,
    schema: Optional[Schema] = None,
    output: Optional[Schema] = None,
    title: Optional[str] = None,
) -> Callable[[Callable[..., Any]], Tool]:
    """Decorates a function into a `Tool`: named after the function and
    described by its docstring unless `name`/`description` say otherwise;
    its schema is `schema` or else read from the signature."""

    def make(function: Callable[..., Any]) -> Tool:
        text = description if description is not None else inspect.getdoc(function)
        if not text:
            raise TypeError(f"tool {function.__name__} needs a description or a docstring")
        return Tool(
            name=name or function.__name__,
            description=text,
            run=function,
            input_schema=schema if schema is not None else signature_schema(function),
            hints=hints,
            title=title,
            output_schema=output,
        )

    return make
