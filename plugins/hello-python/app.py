"""`hellopy`: the `hello` plugin written in Python on Berth's Python SDK
(sdk/python/berth_sdk), and the template for Python plugins.

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

Build it with componentize-py (pinned in sdk/python/requirements.txt)
against the contract in wit/, with the SDK on the Python path:

    componentize-py -d ../../wit -w adapter componentize app -p . -p ../../sdk/python -o hellopy.wasm

`cargo build` does this for you (host/build.rs).
"""

from typing import Annotated

from berth_sdk import (
    CacheTooLarge,
    ConfigKey,
    Hints,
    Manifest,
    Plugin,
    Prompt,
    PromptArgument,
    PromptMessage,
    PromptResult,
    Resource,
    ResourceContents,
    ToolError,
    cache,
    config,
    http,
    log,
)

# How long `remember` keeps a value.
REMEMBER_TTL_SECONDS = 3600

# `greet` says this unless the tenant's `greeting` setting says otherwise.
DEFAULT_GREETING = "Hello"

# The plugin's one resource: its greeting, `Hello, world!`.
GREETING_URI = "hellopy://greeting"

# What the tools may claim: hello's tools touch only the host, except `fetch`.
LOCAL_READ = Hints(read_only=True, destructive=False, idempotent=True, open_world=False)
LOCAL_WRITE = Hints(read_only=False, destructive=False, idempotent=True, open_world=False)
REMOTE_READ = Hints(read_only=True, destructive=False, idempotent=True, open_world=True)


def greeting_for(name: str) -> str:
    """`Hello, {name}!`, in the tenant's word for hello."""
    greeting = config.get("greeting") or DEFAULT_GREETING
    return f"{greeting}, {name}!"


def read_greeting(uri: str) -> list:
    if uri != GREETING_URI:
        raise ToolError.not_found(f"no resource `{uri}`")
    return [ResourceContents(uri=uri, text=greeting_for("world"), mime_type="text/plain")]


def greet_warmly(arguments: dict) -> PromptResult:
    who = arguments.get("name", "")
    return PromptResult("Greets someone warmly", [PromptMessage("user", f"Please greet {who} warmly.")])


plugin = Plugin(
    Manifest(
        name="hellopy",
        version="0.1.0",
        description="Greets people and remembers things",
        config=[
            ConfigKey(
                name="greeting",
                description="The word `greet` uses, for example `Kia ora`",
                default=DEFAULT_GREETING,
            )
        ],
    ),
    resources=lambda: [
        Resource(
            uri=GREETING_URI, name="greeting", description="The greeting this tenant uses", mime_type="text/plain"
        )
    ],
    read_resource=read_greeting,
    prompts=[
        Prompt(
            name="greet_someone",
            description="Asks the model to greet someone warmly",
            arguments=[PromptArgument(name="name", description="Who to greet", required=True)],
            build=greet_warmly,
        )
    ],
)


@plugin.tool(hints=LOCAL_READ, title="Greet")
def greet(name: Annotated[str, "Who to greet."]) -> str:
    """Greets someone by name."""
    return greeting_for(name)


@plugin.tool(hints=LOCAL_WRITE)
def remember(key: Annotated[str, "Name to store the value under."], value: Annotated[str, "Text to remember."]) -> str:
    """Remembers a value under a key for this tenant."""
    try:
        cache.set(key, value, REMEMBER_TTL_SECONDS)
    except CacheTooLarge as error:
        # Worded exactly as the Rust `hello` words it.
        raise ToolError.invalid_arguments(f"cannot remember `{key}`: {error}") from None
    log.info(f"remembered `{key}`")
    return f"Remembered `{key}`."


@plugin.tool(hints=LOCAL_READ)
def recall(key: Annotated[str, "Name the value was stored under."]) -> str:
    """Recalls a value remembered under a key."""
    value = cache.get(key)
    if value is None:
        raise ToolError.not_found(f"nothing remembered under `{key}`")
    return value


@plugin.tool(hints=REMOTE_READ)
def fetch(url: Annotated[str, "Absolute URL to GET."]) -> str:
    """Fetches a URL through the host (hello has no egress, so this is always denied)."""
    response = http.send("get", url, headers=[("accept", "application/json")])
    return f"HTTP {response.status}: {response.text()}"


# The `adapter` world's exports, for componentize-py.
plugin.export(globals())
