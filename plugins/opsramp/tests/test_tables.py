"""The mapping tables between OpsRamp's incident vocabulary and the
normalised desk's."""

import unittest

import tables
from berth_sdk.ticketing import PRIORITIES, STATUS_CATEGORIES


class Statuses(unittest.TestCase):
    def test_every_status_reads_as_a_category_and_open_depends_on_the_assignee(self):
        read = {(status, assigned): tables.category_of(status, assigned) for status in tables.STATUSES for assigned in (False, True)}
        self.assertEqual(read[("New", False)], "new")
        self.assertEqual(read[("Open", False)], "open")
        self.assertEqual(read[("Open", True)], "in-progress")
        self.assertEqual(read[("Pending", True)], "pending")
        self.assertEqual(read[("On Hold", False)], "pending")
        self.assertEqual(read[("Resolved", True)], "resolved")
        self.assertEqual(read[("Closed", False)], "closed")
        self.assertTrue(set(read.values()) <= set(STATUS_CATEGORIES))
        self.assertEqual(tables.category_of("Escalated", False), "open", "a status OpsRamp adds later")

    def test_every_category_is_written_as_a_status_that_reads_back_as_itself(self):
        for category in STATUS_CATEGORIES:
            status = tables.status_for(category)
            self.assertIn(status, tables.STATUSES)
            self.assertEqual(tables.category_of(status, category == "in-progress"), category)

    def test_searching_for_categories_asks_for_their_statuses_in_life_order(self):
        self.assertEqual(tables.statuses_for(["pending"]), ["Pending", "On Hold"])
        self.assertEqual(tables.statuses_for(["in-progress", "new"]), ["New", "Open"])
        unresolved = ["new", "open", "pending", "in-progress"]
        self.assertEqual(tables.statuses_for(unresolved), ["New", "Open", "Pending", "On Hold"])


class Priorities(unittest.TestCase):
    def test_priorities_map_one_to_one_both_ways(self):
        self.assertEqual(sorted(tables.PRIORITY_LEVELS.values()), sorted(PRIORITIES))
        for priority in tables.PRIORITIES:
            self.assertEqual(tables.priority_for(tables.level_of(priority)), priority)
        self.assertEqual(tables.level_of("Urgent"), "critical")
        self.assertEqual(tables.level_of("Very Low"), "planning")
        self.assertIsNone(tables.level_of(None))


if __name__ == "__main__":
    unittest.main()
