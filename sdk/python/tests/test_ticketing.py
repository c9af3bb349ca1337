"""The ticketing helper: a ticket system is checked when the plugin is
built, and a ticket a mapping table got wrong fails as `internal`."""

import unittest

from berth_sdk import Manifest, Plugin, ToolError
from berth_sdk.ticketing import Ticket, checked


def ticket(**changes):
    fields = dict(
        key="INC1",
        title="Printer jam",
        description="",
        status="open",
        status_name="Open",
        created="2026-01-01T00:00:00Z",
        updated="2026-01-01T00:00:00Z",
        priority="high",
    )
    fields.update(changes)
    return Ticket(**fields)


class Desk:
    def search(self, query): ...
    def get(self, key): ...
    def create(self, new): ...
    def add_comment(self, key, comment): ...
    def update(self, key, change): ...


class TicketSystems(unittest.TestCase):
    def test_a_system_lacking_a_function_is_refused_when_the_plugin_is_built(self):
        class Partial:
            def search(self, query): ...

        with self.assertRaises(TypeError) as refused:
            Plugin(Manifest(name="desk", version="1", description="d"), ticketing=Partial())
        self.assertIn("get, create, add_comment, update", str(refused.exception))
        Plugin(Manifest(name="desk", version="1", description="d"), ticketing=Desk())

    def test_a_ticket_outside_the_normalised_values_is_an_internal_error(self):
        self.assertEqual(checked(ticket()).key, "INC1")
        self.assertIsNone(checked(ticket(priority=None)).priority)
        with self.assertRaises(ToolError) as status:
            checked(ticket(status="On Hold"))
        self.assertEqual(status.exception.kind, "internal")
        self.assertIn("`On Hold`, which is not a status category", status.exception.message)
        with self.assertRaises(ToolError) as priority:
            checked(ticket(priority="Urgent"))
        self.assertIn("`Urgent`, which is not a priority", priority.exception.message)


if __name__ == "__main__":
    unittest.main()
