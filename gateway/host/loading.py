"""Finding and registering plugins: entry points of the group ``credit_gateway``, filtered by the
allow-list, plus any plugin objects handed in directly (tests, embedding applications)."""

from __future__ import annotations

import importlib.metadata
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pluggy

from gateway.host import hookspecs
from gateway.kernel.errors import ConfigurationError

ENTRY_POINT_GROUP = "credit_gateway"


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    name: str
    version: str
    module: str
    plugin: Any


def installed_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _version_of(ep: importlib.metadata.EntryPoint) -> str:
    return ep.dist.version if ep.dist is not None else "unknown"


def load_plugins(
    allow_list: Sequence[str] | None = None,
    extra: Iterable[tuple[str, Any]] = (),
) -> tuple[pluggy.PluginManager, list[LoadedPlugin]]:
    """Register the allowed installed plugins (all of them when ``allow_list`` is None) and ``extra``.

    Raises :class:`ConfigurationError` for an allow-list name that is not installed, or a plugin
    that fails to import.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    available = installed_entry_points()
    extra = list(extra)
    wanted = sorted(available) if allow_list is None else list(dict.fromkeys(allow_list))
    unknown = [name for name in wanted if name not in available and name not in dict(extra)]
    if unknown:
        raise ConfigurationError(
            f"Unknown plugin(s) in the allow-list: {', '.join(unknown)}. "
            f"Installed: {', '.join(sorted(available)) or 'none'}."
        )
    loaded: list[LoadedPlugin] = []
    for name in wanted:
        if name not in available:
            continue
        ep = available[name]
        try:
            plugin = ep.load()
        except Exception as exc:  # an import error in a plugin must name the plugin
            raise ConfigurationError(f"Plugin {name!r} ({ep.value}) failed to load: {exc!r}") from exc
        loaded.append(_register(manager, name, plugin, _version_of(ep), ep.value))
    for name, plugin in extra:
        if allow_list is None or name in allow_list:
            loaded.append(_register(manager, name, plugin, "local", _module_name(plugin)))
    return manager, sorted(loaded, key=lambda p: p.name)


def _module_name(plugin: Any) -> str:
    return plugin.__name__ if inspect.ismodule(plugin) else type(plugin).__qualname__


def _register(manager: pluggy.PluginManager, name: str, plugin: Any, version: str, module: str) -> LoadedPlugin:
    if manager.get_plugin(name) is not None:
        raise ConfigurationError(f"Two plugins are registered under the name {name!r}.")
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise ConfigurationError(f"Plugin {name!r} is not valid: {exc}") from exc
    return LoadedPlugin(name, version, module, plugin)


def call_each(manager: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call one hook on every plugin separately, in plugin-name order, keeping who returned what.

    pluggy's own call merges results and orders them by registration; composition needs each
    result attributed to its plugin (to name both parties of a clash) and an order that does not
    depend on load order (so the SDL does not either).
    """
    results: list[tuple[str, Any]] = []
    hook = getattr(manager.hook, hook_name)
    for impl in hook.get_hookimpls():
        name = manager.get_name(impl.plugin)
        args = {arg: kwargs[arg] for arg in impl.argnames}
        result = impl.function(**args)
        if result is not None:
            results.append((name, result))
    return sorted(results, key=lambda item: item[0])
