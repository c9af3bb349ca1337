"""The normalised desk over incidents, against the SDK's fake host: the
search it builds, tickets and comments as it reads them, and the updates
it sends."""

import unittest
from urllib.parse import parse_qs, urlsplit

import desk
from berth_sdk import ToolError
from berth_sdk.testing import FakeHost, Reply
from berth_sdk.ticketing import Assignment, NewComment, SearchQuery, TicketUpdate

ROOT = "https://acme.api.opsramp.com/api/v2/tenants/client_593972"
ANA = {"id": "USR0000000001", "loginName": "ana", "firstName": "Ana", "lastName": "Silva", "email": "ana.silva@example.com"}


def incident(**changes):
    found = {
        "id": "INC0000001114",
        "subject": "VPN gateway unreachable from branch office",
        "description": "Since 07:00",
        "status": "Open",
        "priority": "High",
        "assignedUser": ANA,
        "createdDate": "2026-01-02T08:00:00+0000",
        "updatedDate": "2026-01-03T09:30:00+0000",
        "allowedStatus": [{"id": "3", "name": "Pending"}, {"id": "4", "name": "Resolved"}],
    }
    found.update(changes)
    return found


def envelope(results, next_page=False):
    return {"results": results, "totalResults": len(results), "pageNo": 1, "nextPage": next_page}


def params(request):
    return {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}


class Search(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost.installed(self, config={"api_host": "acme.api.opsramp.com", "tenant_id": "client_593972"})

    def test_normalised_filters_become_one_query_string_and_open_splits_by_assignee(self):
        unassigned = incident(id="INC2", assignedUser=None)

        def answer(request):
            if "/users/search" in request.url:
                return Reply(200, json=envelope([ANA]))
            return Reply(200, json=envelope([incident(), unassigned], next_page=True))

        self.host.answer(answer)
        query = SearchQuery(
            text="VPN gateway",
            statuses=["in-progress"],
            priorities=["critical", "high"],
            assignee="ana.silva@example.com",
            updated_since="2026-01-01T00:00:00Z",
            limit=10,
        )
        page = desk.search(query)
        sent = params(self.host.requests[-1])
        self.assertTrue(self.host.requests[-1].url.startswith(f"{ROOT}/incidents/search?"))
        self.assertEqual(
            sent["queryString"],
            "status:Open+priority:Urgent,High+subject:VPN gateway+assignedTo:USR0000000001"
            "+startUpdationDate:2026-01-01T00:00:00 0000",
        )
        self.assertEqual((sent["pageNo"], sent["pageSize"], sent["sortName"]), ("1", "10", "updatedDate"))
        self.assertEqual([ticket.key for ticket in page.tickets], ["INC0000001114"], "the unassigned one is `open`")
        self.assertEqual(self.host.requests[-1].credential, "opsramp")

        following = desk.search(SearchQuery(**{**query.__dict__, "cursor": page.cursor}))
        self.assertEqual(params(self.host.requests[-1])["pageNo"], "2")
        self.assertIsNotNone(following.cursor)
        with self.assertRaises(ToolError) as other:
            desk.search(SearchQuery(text="printer", cursor=page.cursor, limit=10))
        self.assertIn("other filters", other.exception.message)

    def test_a_ticket_reads_opsramp_fields_in_the_normalised_model(self):
        ticket = desk.ticket(incident(requester={"id": "USR2", "loginName": "raj"}, assigneeGroup={"name": "Network"}))
        self.assertEqual((ticket.status, ticket.status_name), ("in-progress", "Open"))
        self.assertEqual((ticket.priority, ticket.priority_name), ("high", "High"))
        self.assertEqual(ticket.assignee.email, "ana.silva@example.com")
        self.assertEqual(ticket.assignee.name, "Ana Silva")
        self.assertEqual(ticket.requester.name, "raj")
        self.assertEqual((ticket.group, ticket.created, ticket.updated), ("Network", "2026-01-02T08:00:00Z", "2026-01-03T09:30:00Z"))


class Changes(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost.installed(self, config={"api_host": "acme.api.opsramp.com", "tenant_id": "client_593972"})
        self.posted = []

        def answer(request):
            if request.method == "post":
                self.posted.append((request.url.removeprefix(ROOT), request.json()))
                if request.url.endswith("/responses"):
                    return Reply(200, json={**request.json(), "createdDate": "2026-01-03T10:00:00+0000"})
                return Reply(200, json=incident(status="Resolved"))
            if "/responses/search" in request.url:
                return Reply(200, json=envelope([{"description": "On it", "internal": True}]))
            if "/users/search" in request.url:
                return Reply(200, json=envelope([ANA]))
            return Reply(200, json=incident())

        self.host.answer(answer)

    def test_resolving_sends_the_status_and_the_note_as_its_summary(self):
        resolved = desk.update("INC0000001114", TicketUpdate(status="resolved", note="Replaced the router."))
        self.assertEqual(self.posted, [("/incidents/INC0000001114", {"status": "Resolved", "notes": "Replaced the router."})])
        self.assertEqual(resolved.status, "resolved")

    def test_a_status_the_flow_does_not_allow_is_refused_before_anything_is_sent(self):
        with self.assertRaises(ToolError) as refused:
            desk.update("INC0000001114", TicketUpdate(status="new"))
        self.assertIn("cannot move from Open to New; OpsRamp allows Pending, Resolved", refused.exception.message)
        self.assertEqual(self.posted, [])

    def test_assignment_by_email_and_a_note_without_a_status_is_an_internal_response(self):
        desk.update("INC0000001114", TicketUpdate(assignee=Assignment("ana.silva@example.com"), note="Taking it."))
        self.assertEqual(
            self.posted,
            [
                ("/incidents/INC0000001114/responses", {"description": "Taking it.", "internal": True}),
                ("/incidents/INC0000001114", {"assignedUser": {"id": "USR0000000001"}}),
            ],
        )
        with self.assertRaises(ToolError) as nothing:
            desk.update("INC0000001114", TicketUpdate())
        self.assertIn("nothing to update", nothing.exception.message)

    def test_a_public_comment_is_a_response_that_is_not_internal(self):
        said = desk.add_comment("INC0000001114", NewComment(body="We are on it.", public=True))
        self.assertEqual(self.posted, [("/incidents/INC0000001114/responses", {"description": "We are on it.", "internal": False})])
        self.assertTrue(said.public)
        self.assertEqual(said.created, "2026-01-03T10:00:00Z")

    def test_a_malformed_key_is_refused(self):
        with self.assertRaises(ToolError) as refused:
            desk.get("12345")
        self.assertEqual(refused.exception.kind, "invalid-arguments")


if __name__ == "__main__":
    unittest.main()
