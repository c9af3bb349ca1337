"""queryString building and OpsRamp's dates."""

import unittest

from berth_sdk import ToolError
from query import query_date, query_string, rfc3339


class QueryStrings(unittest.TestCase):
    def test_pairs_join_with_plus_and_values_with_commas_leaving_out_empty_ones(self):
        built = query_string([("status", ["New", "On Hold"]), ("priority", []), ("subject", None), ("assignedTo", "USR1")])
        self.assertEqual(built, "status:New,On Hold+assignedTo:USR1")
        self.assertIsNone(query_string([("status", [])]))

    def test_free_text_cannot_split_the_query(self):
        self.assertEqual(query_string([("subject", "VPN+gateway, branch")]), "subject:VPN gateway branch")


class Dates(unittest.TestCase):
    def test_an_rfc3339_instant_becomes_a_utc_query_date(self):
        self.assertEqual(query_date("2026-11-27T10:15:00Z", "since"), "2026-11-27T10:15:00 0000")
        self.assertEqual(query_date("2026-11-27T12:15:00+02:00", "since"), "2026-11-27T10:15:00 0000")
        with self.assertRaises(ToolError) as refused:
            query_date("2026-11-27 10:15", "since")
        self.assertIn("`since` must be an RFC 3339 instant", refused.exception.message)

    def test_opsramp_times_read_as_rfc3339(self):
        self.assertEqual(rfc3339("2016-02-24T01:15:00+0000"), "2016-02-24T01:15:00Z")
        self.assertEqual(rfc3339("2016-11-25T09:48:42+0530"), "2016-11-25T04:18:42Z")
        self.assertIsNone(rfc3339(""))
        self.assertIsNone(rfc3339("yesterday"))


if __name__ == "__main__":
    unittest.main()
