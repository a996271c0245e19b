"""The store adapters: the event log on eventsourcing, the codec, SQLite and PostgreSQL."""
