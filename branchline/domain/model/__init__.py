"""The pure model of a thread: events, the fold, checkpoints, ids and time; no I/O."""
