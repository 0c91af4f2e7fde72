"""Scanner input, barcode decoding, labels and printers.

Nothing here imports textual or the store: the terminal and the CLI build on these plain modules.
"""
