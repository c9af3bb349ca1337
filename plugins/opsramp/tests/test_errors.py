"""OpsRamp's failures as tool errors that say what to do."""

import unittest

from berth_sdk import HttpError
from berth_sdk.http import Response
from errors import explanation, status_error, transport_error


def answer(status, body, headers=()):
    return Response(status, list(headers), body.encode())


class Statuses(unittest.TestCase):
    def test_opsramp_error_shapes_are_quoted(self):
        self.assertEqual(explanation(401, '{"error":"invalid_token","error_description":"Expired"}'), "invalid_token: Expired")
        self.assertEqual(explanation(400, '[{"code":"4001","message":"Invalid status"}]'), "4001: Invalid status")
        self.assertEqual(explanation(502, "  bad\n gateway "), "bad gateway")
        self.assertEqual(explanation(500, ""), "HTTP 500")

    def test_each_status_is_the_right_kind_and_says_what_to_do(self):
        refused = status_error(answer(401, '{"error":"invalid_token"}'), "incident INC1")
        self.assertEqual(refused.kind, "denied")
        self.assertIn("`opsramp` credential", refused.message)
        self.assertIn("--scheme oauth2-client-credentials", refused.message)
        forbidden = status_error(answer(403, '{"error":"access_denied"}'), "incident INC1")
        self.assertEqual(forbidden.kind, "denied")
        self.assertIn("tenant_id", forbidden.message)
        missing = status_error(answer(404, "{}"), "incident INC9")
        self.assertEqual((missing.kind, missing.message), ("not-found", "incident INC9 was not found in OpsRamp (HTTP 404)"))
        invalid = status_error(answer(400, '{"message":"Status flow not allowed"}'), "incident INC1")
        self.assertEqual(invalid.kind, "invalid-arguments")
        self.assertIn("Status flow not allowed", invalid.message)

    def test_a_429_the_host_could_not_outlast_says_when_to_retry(self):
        throttled = status_error(
            answer(429, '{"error":"throttled","error_description":"Too Many Requests"}', [("retry-after", "90")]),
            "the alert search",
        )
        self.assertEqual((throttled.kind, throttled.status), ("upstream", 429))
        self.assertIn("try again in 90 s", throttled.message)
        by_reset = status_error(answer(429, "{}", [("x-ratelimit-reset", "1491397260")]), "the alert search")
        self.assertIn("epoch second 1491397260", by_reset.message)


class Transport(unittest.TestCase):
    def test_a_refused_token_request_names_the_credential_and_how_to_store_it(self):
        failed = transport_error(HttpError("credential-failed", "401 Unauthorized: Bad API credentials"))
        self.assertEqual(failed.kind, "denied")
        self.assertIn("`opsramp` credential", failed.message)
        self.assertIn("Bad API credentials", failed.message)
        self.assertIn("--token-url https://<api_host>/auth/oauth/token", failed.message)

    def test_a_rate_limit_and_a_denial_are_explained(self):
        limited = transport_error(HttpError("rate-limited", 1500))
        self.assertEqual(limited.status, 429)
        self.assertIn("in 2 s", limited.message)
        denied = transport_error(HttpError("denied", "not in egress"))
        self.assertIn("api_host", denied.message)


if __name__ == "__main__":
    unittest.main()
