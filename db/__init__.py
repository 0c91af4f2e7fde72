"""The store: peewee models, the stock ledger and every domain operation. No UI here."""
