"""Test infrastructure that is not a fixture: the throwaway PostgreSQL server (``postgres``)."""
