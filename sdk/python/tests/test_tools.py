"""Typed tools: schemas read from signatures, calls with keyword
arguments, results, and the errors a bad call gets."""

import json
import unittest
from typing import Annotated, List, Literal, Optional

from berth_sdk import Hints, Manifest, Plugin, ToolError, ToolResult, fields, tool
from berth_sdk.content import Json, Text

READS = Hints(read_only=True, destructive=False, idempotent=True, open_world=False)


class SignatureSchemas(unittest.TestCase):
    def test_a_signature_becomes_a_closed_object_schema(self):
        @tool(hints=READS)
        def search(
            text: Annotated[str, "Words to find."],
            states: Annotated[List[Literal["Critical", "Warning"]], "States to match."] = (),
            limit: Annotated[int, "At most this many.", {"minimum": 1, "maximum": 100}] = 25,
            open_only: bool = False,
            owner: Optional[str] = None,
        ) -> str:
            """Searches things."""
            return text

        schema = search.input_schema
        self.assertEqual(schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
        self.assertEqual(schema["required"], ["text"])
        self.assertFalse(schema["additionalProperties"])
        self.assertEqual(schema["properties"]["text"], {"type": "string", "description": "Words to find."})
        self.assertEqual(
            schema["properties"]["states"],
            {"type": "array", "items": {"type": "string", "enum": ["Critical", "Warning"]}, "description": "States to match."},
        )
        self.assertEqual(
            schema["properties"]["limit"],
            {"type": "integer", "description": "At most this many.", "minimum": 1, "maximum": 100},
        )
        self.assertEqual(schema["properties"]["open_only"], {"type": "boolean"})
        self.assertEqual(schema["properties"]["owner"], {"type": "string"})
        self.assertEqual((search.name, search.description), ("search", "Searches things."))

    def test_fields_matches_what_a_signature_of_strings_gives(self):
        @tool(hints=READS)
        def greet(name: Annotated[str, "Who to greet."]) -> str:
            """Greets."""
            return name

        self.assertEqual(greet.input_schema, fields(name="Who to greet."))

    def test_a_parameter_without_a_type_or_a_tool_without_a_description_is_refused_at_once(self):
        with self.assertRaises(TypeError):

            @tool(hints=READS)
            def untyped(name) -> str:
                """Has no type."""
                return name

        with self.assertRaises(TypeError):

            @tool(hints=READS)
            def undescribed(name: str) -> str:
                return name


class Calls(unittest.TestCase):
    def setUp(self):
        self.plugin = Plugin(Manifest(name="demo", version="0.1.0", description="Demo"))

        @self.plugin.tool(hints=READS)
        def echo(word: str, times: int = 1) -> str:
            """Repeats a word."""
            return " ".join([word] * times)

        @self.plugin.tool(hints=READS, output={"type": "object"})
        def count(word: str) -> dict:
            """Counts letters."""
            return {"word": word, "letters": len(word)}

        @self.plugin.tool(hints=READS)
        def listing(word: str) -> list:
            """Lists letters."""
            return list(word)

    def test_text_structured_and_json_results(self):
        self.assertEqual(self.plugin.call_tool("echo", '{"word": "hi", "times": 2}'), ToolResult([Text("hi hi")]))
        counted = self.plugin.call_tool("count", '{"word": "Zoë"}')
        self.assertEqual(json.loads(counted.structured), {"word": "Zoë", "letters": 3})
        self.assertEqual(counted.content, [Json(counted.structured)])
        listed = self.plugin.call_tool("listing", '{"word": "ab"}')
        self.assertEqual((listed.content, listed.structured), ([Json('["a", "b"]')], None))

    def test_bad_calls_are_typed_errors(self):
        with self.assertRaises(ToolError) as unknown:
            self.plugin.call_tool("nothing", "{}")
        self.assertEqual(str(unknown.exception), "not-found: this plugin has no tool named `nothing`")
        with self.assertRaises(ToolError) as not_object:
            self.plugin.call_tool("echo", "[1]")
        self.assertEqual(not_object.exception.kind, "invalid-arguments")
        with self.assertRaises(ToolError) as extra:
            self.plugin.call_tool("echo", '{"word": "hi", "shout": true}')
        self.assertIn("shout", extra.exception.message)

    def test_two_tools_of_one_name_are_a_bug(self):
        with self.assertRaises(ValueError):

            @self.plugin.tool(hints=READS)
            def echo(word: str) -> str:
                """Again."""
                return word


if __name__ == "__main__":
    unittest.main()
