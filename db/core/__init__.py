"""What every domain shares: the connection, errors, models, schema and the fast-SQL helpers.
Import the module you need (`from db.core.models import Item`)."""
