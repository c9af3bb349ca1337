"""`Plugin`: a manifest, tools and optionally resources, prompts,
completions and a ticket system, dispatched as the host's calls ask. It is
plain Python, so unit tests drive it directly; `export` turns it into the
classes componentize-py looks for in the app module.

    plugin = Plugin(Manifest(name="acme", version="0.1.0", description="Acme items"))

    @plugin.tool(hints=READS)
    def get_item(id: Annotated[str, "The item's id."]) -> dict:
        '''Reads one item.'''
        return http.get_json(f"https://{config.require('host')}/api/items/{id}", credential="acme")

    plugin.export(globals())   # defines WitWorld (and Ticketing) in app.py
"""

from typing import Any, Callable, Dict, Iterable, List, Optional

from .content import Completion, CompletionRequest, Prompt, PromptResult, Resource, ResourceContents, ToolResult
from .content import ResourceTemplate
from .errors import ToolError
from .manifest import Manifest
from .ticketing import TicketSystem, check_system
from .tools import Hints, Schema, Tool, tool


class Plugin:
    """Everything a plugin serves. Each call runs in a fresh instance, so
    nothing set during one call outlives it; `describe` and `list_tools` run
    without grants, so building the plugin must not use any capability."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        tools: Iterable[Tool] = (),
        resources: Optional[Callable[[], List[Resource]]] = None,
        resource_templates: Iterable[ResourceTemplate] = (),
        read_resource: Optional[Callable[[str], List[ResourceContents]]] = None,
        prompts: Iterable[Prompt] = (),
        complete: Optional[Callable[[CompletionRequest], Completion]] = None,
        ticketing: Optional[TicketSystem] = None,
    ):
        if ticketing is not None:
            check_system(ticketing)
        self.manifest = manifest
        self.tools: List[Tool] = []
        for each in tools:
            self.add_tool(each)
        self.resource_templates = list(resource_templates)
        self.prompts = list(prompts)
        self.ticketing = ticketing
        self._resources = resources
        self._read_resource = read_resource
        self._complete = complete

    def add_tool(self, new: Tool) -> Tool:
        """Adds `new`; a second tool of the same name is a bug."""
        if any(known.name == new.name for known in self.tools):
            raise ValueError(f"two tools are named `{new.name}`")
        self.tools.append(new)
        return new

    def tool(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        *,
        hints: Hints,
        schema: Optional[Schema] = None,
        output: Optional[Schema] = None,
        title: Optional[str] = None,
    ) -> Callable[[Callable[..., Any]], Tool]:
        """`berth_sdk.tool`, adding the tool to this plugin."""
        make = tool(name, description, hints=hints, schema=schema, output=output, title=title)
        return lambda function: self.add_tool(make(function))

    def call_tool(self, name: str, arguments_json: str) -> ToolResult:
        """Runs tool `name` on its JSON arguments."""
        found = next((each for each in self.tools if each.name == name), None)
        if found is None:
            raise ToolError.not_found(f"this plugin has no tool named `{name}`")
        return found.call(arguments_json)

    def list_resources(self) -> List[Resource]:
        """The resources on offer to the calling tenant now."""
        return [] if self._resources is None else list(self._resources())

    def read_resource(self, uri: str) -> List[ResourceContents]:
        """Reads `uri`; an unknown one is `not-found`."""
        if self._read_resource is None:
            raise ToolError.not_found(f"no resource `{uri}`")
        return list(self._read_resource(uri))

    def get_prompt(self, name: str, arguments: Dict[str, str]) -> PromptResult:
        """Builds prompt `name` from `arguments`."""
        found = next((each for each in self.prompts if each.name == name), None)
        if found is None:
            raise ToolError.not_found(f"this plugin has no prompt named `{name}`")
        return found.build(arguments)

    def complete(self, request: CompletionRequest) -> Completion:
        """Suggestions for a partly typed value; none unless the plugin
        completes."""
        return Completion([]) if self._complete is None else self._complete(request)

    def export(self, namespace: Dict[str, Any]) -> None:
        """Defines in `namespace` (the app module's `globals()`) the classes
        componentize-py calls: `WitWorld`, and `Ticketing` for a plugin with
        a ticket system (build it for the `ticket-adapter` world), and
        makes the component's imports the host the SDK uses. It runs while
        componentize-py builds the component, which keeps only the modules
        imported by then: so the imports happen here, not on first use."""
        from . import host
        from .wit_exports import world_classes
        from .wit_host import WitHost

        namespace.update(world_classes(self))
        host.install(WitHost())
