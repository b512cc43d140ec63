"""Alembic migrations, one independent history per component.

The core and every plugin own a directory of Alembic revisions and their own version table
(``alembic_version`` for the core, ``alembic_version_<plugin>`` for a plugin). Keeping the
histories apart means a plugin can be added, upgraded or switched off without touching anyone
else's revision graph. The core is migrated first, since plugin tables reference its envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

CORE_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


@dataclass(frozen=True, slots=True)
class MigrationSource:
    """Where one component's revisions live and which version table records its state."""

    component: str
    versions_dir: Path
    version_table: str

    @classmethod
    def for_plugin(cls, plugin_name: str, versions_dir: str | Path) -> MigrationSource:
        # The core's own plugins are named core.<feature>: a dot has no place in an unquoted table name.
        return cls(plugin_name, Path(versions_dir), f"alembic_version_{plugin_name.replace('.', '_')}")


CORE_SOURCE = MigrationSource("core", CORE_VERSIONS, "alembic_version")


# Alembic (some 12 MB) is imported when migrations run, not by every serving worker that composes plugins.


def _script_directory(source: MigrationSource) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(source.versions_dir.parent), version_locations=[str(source.versions_dir)])


def _run(connection: Connection, source: MigrationSource, destination: str, upgrading: bool) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    script = _script_directory(source)

    def step(rev: Any, _context: Any) -> Any:
        if upgrading:
            return script._upgrade_revs(destination, rev)
        return script._downgrade_revs(destination, rev)

    with EnvironmentContext(Config(), script, fn=step, destination_rev=destination) as env:
        env.configure(
            connection=connection,
            version_table=source.version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            transaction_per_migration=False,
        )
        with env.begin_transaction():
            env.run_migrations()


def _current_heads(connection: Connection, source: MigrationSource) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": source.version_table})
    return context.get_current_heads()


async def upgrade(engine: AsyncEngine, sources: Sequence[MigrationSource]) -> None:
    """Bring the core and the given plugin sources to their heads, core first."""
    ordered = [CORE_SOURCE, *sorted((s for s in sources if s.component != "core"), key=lambda s: s.component)]
    for source in ordered:
        async with engine.begin() as connection:
            await connection.run_sync(_run, source, "heads", True)


async def downgrade_to_base(engine: AsyncEngine, sources: Sequence[MigrationSource]) -> None:
    """Undo every migration, plugins first; used by tests that prove migrations are reversible."""
    ordered = sorted((s for s in sources if s.component != "core"), key=lambda s: s.component)
    for source in [*ordered, CORE_SOURCE]:
        async with engine.begin() as connection:
            await connection.run_sync(_run, source, "base", False)


async def status(engine: AsyncEngine, sources: Sequence[MigrationSource]) -> dict[str, dict[str, Any]]:
    """For each component: the revisions applied and the head the code expects."""
    result: dict[str, dict[str, Any]] = {}
    for source in [CORE_SOURCE, *sources]:
        async with engine.connect() as connection:
            current = await connection.run_sync(_current_heads, source)
        heads = _script_directory(source).get_heads()
        result[source.component] = {
            "current": sorted(current),
            "head": sorted(heads),
            "up_to_date": sorted(current) == sorted(heads),
        }
    return result
