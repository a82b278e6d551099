"""Queue: the officer console, tickets and their state machine, the live board, standards as controlled documents."""
