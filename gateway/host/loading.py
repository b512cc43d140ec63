"""Finding and registering plugins: the core's default plugins, entry points of the group
``credit_gateway`` filtered by the allow-list, plus any plugin objects handed in directly (tests,
embedding applications).

The core's own features (the query record, partner access, the lifecycle workflows) are plugins
too, registered first through the same manager and hooks, as Datasette registers its
``DEFAULT_PLUGINS``: the code that assembles the schema names no feature. They are always loaded
(the allow-list chooses domains) and are not domains: ``load_plugins`` returns only the others.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import os
import reprlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pluggy

from gateway.hooks import specs as hookspecs
from gateway.kernel.errors import ConfigurationError

ENTRY_POINT_GROUP = "credit_gateway"
# Module paths, imported by name so that the host layer imports no feature.
DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("core.audit", "gateway.features.audit.plugin"),
    ("core.partners", "gateway.features.partners.plugin"),
    ("core.lifecycle", "gateway.features.lifecycle.plugin"),
    ("core.places", "gateway.features.places.plugin"),
    ("core.lists", "gateway.features.lists.plugin"),
    ("core.measures", "gateway.features.measures.plugin"),
    ("core.merchants", "gateway.features.merchants.plugin"),
    ("core.metrics", "gateway.features.metrics.plugin"),
    ("core.supervision", "gateway.features.supervision.plugin"),
    ("core.extracts", "gateway.features.extracts.plugin"),
    ("core.reports", "gateway.features.reports.plugin"),
    ("core.verification", "gateway.features.verification.plugin"),
)
DEFAULT_PREFIX = "core."
TRACE_ENV = "CREDIT_GATEWAY_TRACE_PLUGINS"
log = logging.getLogger(__name__)


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
    manager = _default_manager()
    available = installed_entry_points()
    extra = list(extra)
    wanted = sorted(available) if allow_list is None else list(dict.fromkeys(allow_list))
    reserved = [name for name in (*wanted, *dict(extra)) if is_default_plugin(name)]
    if reserved:
        raise ConfigurationError(f"Plugin names starting {DEFAULT_PREFIX!r} are the core's own: {', '.join(reserved)}")
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


def _default_manager() -> pluggy.PluginManager:
    """A plugin manager with the hookspecs and the core's default plugins (traced when asked)."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for name, module in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(module), name=name)
    if os.environ.get(TRACE_ENV, "").strip() not in ("", "0", "false"):
        trace_hook_calls(manager)
    return manager


def installed_plugin_manager() -> tuple[pluggy.PluginManager, dict[str, str]]:
    """The default plugins and every installed plugin, registered but not composed: for code that only
    calls hooks, with no settings or database (the command line's ``cli_commands``).

    The allow-list is a serving setting and is not read. A plugin that fails to import or register is
    left out rather than raised: the second item names each one with the reason, for the caller to warn.
    """
    manager = _default_manager()
    broken: dict[str, str] = {}
    for name, ep in sorted(installed_entry_points().items()):
        try:
            if is_default_plugin(name):
                raise ConfigurationError(f"names starting {DEFAULT_PREFIX!r} are the core's own")
            plugin = ep.load()
            _register(manager, name, plugin, _version_of(ep), ep.value)
        except Exception as exc:  # one broken plugin must not take the others (or the caller) down
            broken[name] = f"{type(exc).__name__}: {exc}"
    return manager, broken


def each_implementation(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Callable[..., Any]]]:
    """Each plugin implementing ``hook_name`` with a caller of its implementation alone, in hook order
    (pluggy's call order: ``tryfirst`` first, then the most recently registered first).

    For hooks whose implementations must be called one at a time (one failing must not stop the
    others, or each must be awaited before the next); the calls still go through pluggy (wrappers,
    tracing).
    """
    impls = [impl for impl in getattr(manager.hook, hook_name).get_hookimpls() if not _wraps(impl)]
    plugins = [impl.plugin for impl in reversed(impls)]  # get_hookimpls lists them in reverse call order
    return [
        (
            manager.get_name(plugin) or _module_name(plugin),
            manager.subset_hook_caller(hook_name, remove_plugins=[p for p in plugins if p is not plugin]),
        )
        for plugin in plugins
    ]


@asynccontextmanager
async def plugins_running(manager: pluggy.PluginManager, **kwargs: Any) -> AsyncIterator[None]:
    """Run every plugin's ``startup`` (hook order, each awaited before the next) on entry and every
    ``shutdown`` (reverse order) on exit. A failing startup raises ``ConfigurationError`` naming its
    plugin, once the plugins it followed are shut down; a failing shutdown is logged, and the others
    still run."""
    started: list[str] = []
    for name, call in each_implementation(manager, "startup"):
        try:
            await _settle(call(**kwargs))
        except Exception as exc:
            await _shut_down(manager, kwargs, only=set(started))
            raise ConfigurationError(f"Plugin {name!r} failed to start: {type(exc).__name__}: {exc}") from exc
        started.append(name)
    try:
        yield
    finally:
        await _shut_down(manager, kwargs)


async def _shut_down(manager: pluggy.PluginManager, kwargs: Mapping[str, Any], only: set[str] | None = None) -> None:
    for name, call in reversed(each_implementation(manager, "shutdown")):
        if only is not None and name not in only:
            continue
        try:
            await _settle(call(**kwargs))
        except Exception:  # the others still close what they opened
            log.exception("plugin %r failed to shut down", name)


async def _settle(results: list[Any]) -> None:
    """Await what a hook call returned, when it is awaitable (``async def`` implementations)."""
    for result in results:
        if inspect.isawaitable(result):
            await result


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
    """Call one hook through pluggy, once per plugin, keeping who returned what, in plugin-name order.

    Composition needs each result attributed to its plugin (to name both parties of a clash) and an
    order that does not depend on load order (so the SDL does not either), which one merged pluggy
    call cannot give. Each call still goes through pluggy's hook caller: wrappers of any plugin
    (``wrapper=True`` impls) wrap it, and tracing sees it.
    """
    results = [
        (name, result)
        for name, call in each_implementation(manager, hook_name)
        for result in call(**kwargs)
        if result is not None
    ]
    return sorted(results, key=lambda item: item[0])


def is_default_plugin(name: str) -> bool:
    """Whether ``name`` is one of the core's default plugins (``core.*``)."""
    return name.startswith(DEFAULT_PREFIX)


def default_plugins_first(name: str) -> bool:
    """A sort key (stable sorts keep the order within each group): the core's plugins before the others."""
    return not is_default_plugin(name)


def _wraps(impl: pluggy.HookImpl) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def trace_hook_calls(manager: pluggy.PluginManager) -> None:
    """Log every hook call and what it returned (``CREDIT_GATEWAY_TRACE_PLUGINS=1``), at INFO on the
    logger ``gateway.host.loading``: which plugins answered, with what, in which order."""

    def before(hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        names = ", ".join(manager.get_name(impl.plugin) or "?" for impl in hook_impls)
        log.info("hook %s(%s) -> %s", hook_name, ", ".join(kwargs), names)

    def after(outcome: Any, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        try:
            result = outcome.get_result()
        except BaseException as exc:  # traced, then raised by pluggy as usual
            log.info("hook %s raised %r", hook_name, exc)
            return
        log.info("hook %s returned %s", hook_name, reprlib.repr(result))

    manager.add_hookcall_monitoring(before, after)
