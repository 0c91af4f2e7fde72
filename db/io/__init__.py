"""Files in and out: CSV import and export, the demo warehouse, backups. Import the module you need
(`from db.io import importer`): each is large and the CLI loads only the one it runs."""
