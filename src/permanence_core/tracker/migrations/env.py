"""Alembic environment for the ledger: migrations run on the connection that ``ledger.upgrade`` passes in."""

from alembic import context

from permanence_core.tracker.schema import ALL_METADATA

config = context.config

if context.is_offline_mode():
    # ``permanence ledger upgrade --sql``: the DDL as a script, for a DBA who applies changes by hand.
    context.configure(url=config.attributes["url"], target_metadata=list(ALL_METADATA), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes["connection"]
    # SQLite alters a table by copying it ("batch" mode); PostgreSQL alters in place.
    context.configure(
        connection=connection,
        target_metadata=list(ALL_METADATA),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
