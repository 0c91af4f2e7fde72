"""One plain state machine per job. No UI and no I/O of their own: they call db/ and return
the next prompt and feedback, so every rule is testable without a screen."""
