"""Calls from templates to plain Python functions without Jinja's per-call inspection.

Every ``{{ t("…") }}``, ``{{ fig(…) }}`` or ``{{ v.raw("…") }}`` in a template goes through
``Context.call``, which asks the callable (and its ``__call__``) each time whether it wants the
context, the evaluation context or the environment passed (``@pass_context`` …). A study's company
page makes some eleven hundred such calls, the same few functions over and over: the answer is
remembered per function here, and a plain function is called directly. Anything else (a
callable object, a macro, a function marked ``@pass_context``) takes Jinja's own path, so what a
template gets is the same either way.
"""

from __future__ import annotations

from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, ClassVar

from jinja2.runtime import Context
from jinja2.utils import internalcode


def _plain(function: Any) -> bool:
    """Whether Jinja would call ``function`` with the caller's arguments only (nothing passed in)."""
    return not hasattr(function, "jinja_pass_arg")


class PlainCallContext(Context):
    """A template context whose calls to plain functions and bound methods skip the inspection.
    Use a subclass per environment (``context_class()``): the functions it remembers live as long
    as the environment, not as long as the process."""

    _checked: ClassVar[dict[Any, bool]]
    """Function → whether it is plain. Keyed by the function, never by a bound method (a new object
    on every attribute access) or a callable object, so it holds the templates' few dozen functions."""

    @internalcode  # left out of a template error's traceback, as Jinja's own call is
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not __self._is_plain(__obj):
            return Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            # Jinja adds these for a function that takes the context; a plain one never sees them.
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja's own call: a StopIteration must not end the template's loop
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )

    def _is_plain(self, target: Any) -> bool:
        kind = type(target)
        if kind is BuiltinFunctionType:
            return True  # a builtin (``"; ".join``) takes no attributes, so none marks it
        # What a bound method says of itself is what its function says.
        function = target.__func__ if kind is MethodType else target
        if type(function) is not FunctionType:
            return False  # a callable object, a macro: Jinja's own path
        plain = self._checked.get(function)
        if plain is None:
            plain = self._checked[function] = _plain(function)
        return plain


def context_class() -> type[PlainCallContext]:
    """A context class for one environment, with its own memory of the functions it has checked."""
    return type("PlainCallContext", (PlainCallContext,), {"_checked": {}})
