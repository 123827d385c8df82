"""The Alembic migration scripts of Leadline's schema, shipped inside the package so an installed
Leadline (a wheel, an image) can migrate its database: `bot.migrations` points Alembic here."""
