"""The station app (Textual), its flows and the `wh` command line."""
