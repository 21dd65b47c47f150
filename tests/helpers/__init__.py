"""Helpers shared by the tests (job kinds for the job tests, servers)."""
