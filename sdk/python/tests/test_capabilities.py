"""The capabilities over the fake host: HTTP (requests, answers, the host's
failures as tool errors), settings, the cache and the log."""

import unittest

from berth_sdk import CacheTooLarge, HttpError, ToolError, cache, config, http, log
from berth_sdk.testing import FakeHost, Reply


class Http(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost.installed(self)

    def test_a_json_request_sends_the_body_and_names_the_credential(self):
        self.host.answer(lambda request: Reply(200, json={"id": 7}))
        answer = http.json_request("post", "https://acme.example/api/items", json={"name": "x"}, credential="acme")
        self.assertEqual(answer, {"id": 7})
        sent = self.host.requests[0]
        self.assertEqual((sent.method, sent.credential, sent.json()), ("post", "acme", {"name": "x"}))
        self.assertEqual(sent.header("content-type"), "application/json")
        self.assertEqual(sent.header("accept"), "application/json")

    def test_a_failed_status_is_an_upstream_error_quoting_the_answer(self):
        self.host.answer(lambda request: Reply(500, text="database down"))
        with self.assertRaises(ToolError) as failed:
            http.get_json("https://acme.example/api/items")
        self.assertEqual((failed.exception.kind, failed.exception.status), ("upstream", 500))
        self.assertEqual(failed.exception.message, "database down")

    def test_an_empty_2xx_is_none_and_a_non_json_one_is_upstream(self):
        self.host.answer_in_turn(Reply(200), Reply(200, text="<html>"))
        self.assertIsNone(http.get_json("https://acme.example/a"))
        with self.assertRaises(ToolError) as failed:
            http.get_json("https://acme.example/b")
        self.assertIn("not JSON", failed.exception.message)

    def test_the_hosts_failures_become_tool_errors(self):
        self.host.answer(lambda request: HttpError("denied", "plugin `x` may not reach https://evil.example/"))
        with self.assertRaises(ToolError) as denied:
            http.send("get", "https://evil.example/")
        self.assertEqual(str(denied.exception), "denied: plugin `x` may not reach https://evil.example/")
        self.host.answer(lambda request: HttpError("rate-limited", 60000))
        with self.assertRaises(ToolError) as limited:
            http.send("get", "https://acme.example/")
        self.assertEqual(str(limited.exception), "upstream: rate limited; retry after 60000 ms")

    def test_a_plugin_may_word_failures_itself(self):
        self.host.answer(lambda request: HttpError("credential-failed", "401 Bad API credentials"))
        with self.assertRaises(ToolError) as failed:
            http.send("get", "https://acme.example/", on_failure=lambda error: ToolError.denied(f"acme: {error}"))
        self.assertEqual(failed.exception.message, "acme: credential failed: 401 Bad API credentials")

    def test_a_response_reads_headers_in_any_case_and_cuts_text_at_a_character(self):
        self.host.answer(lambda request: Reply(429, text="Zoë waits", headers=[("retry-after", "3")]))
        response = http.send("get", "https://acme.example/")
        self.assertEqual(response.header("Retry-After"), "3")
        self.assertEqual(response.text(3), "Zo")
        self.assertFalse(response.ok)

    def test_queries_are_encoded_whole(self):
        url = http.with_query("https://a.example/s", {"q": "states:Critical+priority:P1", "n": 2, "x": None, "d": True})
        self.assertEqual(url, "https://a.example/s?q=states%3ACritical%2Bpriority%3AP1&n=2&d=true")
        self.assertEqual(http.with_query("https://a.example/s?a=1", {"b": ["x y", "z"]}), "https://a.example/s?a=1&b=x%20y&b=z")


class TenantState(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost.installed(self, config={"site": " acme.example "}, cache_limit=8)

    def test_settings_and_a_missing_one_tells_the_operator_what_to_set(self):
        self.assertEqual(config.get("site"), " acme.example ")
        self.assertEqual(config.require("site"), "acme.example")
        with self.assertRaises(ToolError) as missing:
            config.require("token_url", "https://acme.example/token")
        self.assertIn("berth config set --tenant <tenant> <plugin> token_url", missing.exception.message)

    def test_the_cache_round_trips_text_and_refuses_what_is_too_large(self):
        cache.set("k", "vé", 60)
        self.assertEqual(cache.get("k"), "vé")
        cache.delete("k")
        self.assertIsNone(cache.get("k"))
        with self.assertRaises(CacheTooLarge) as refused:
            cache.set("k", "far too long", 60)
        self.assertEqual(str(refused.exception), "CacheError::TooLarge(8)")

    def test_log_records_reach_the_host(self):
        log.info("remembered `plan`")
        self.assertEqual(self.host.logs, [("info", "remembered `plan`")])
        with self.assertRaises(ValueError):
            log.log("loud", "no such level")


if __name__ == "__main__":
    unittest.main()
