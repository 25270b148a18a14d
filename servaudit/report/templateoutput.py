"""What a template's ``{{ … }}`` compiles to: the value made page text and escaped in one call.

Jinja compiles every output expression of an autoescaped template with a ``finalize`` to
``escape(environment.finalize(value))``: two calls, and ``escape`` wraps even a plain company name
or number in a new Markup object. A study's company page shows some 3,500 values, most of them
short strings without a character to escape, and this was a fifth of its rendering time. Here
they compile to ``environment.shown(value)``, which gives the very same text: page_text, then
escaping, with a plain string that needs neither returned as it is (the page is one string in the
end, whether its parts were Markup or str). Anything else (not autoescaped, no finalize, a
template whose autoescaping is decided while it renders) compiles as Jinja compiles it.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr

from servaudit.report.pagetext import page_text, shown


class ShownCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing ``environment.shown(x)`` for ``escape(environment.finalize(x))``."""

    def _fused(self, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> bool:
        return (
            self.environment.finalize is page_text
            and finalize.src == "environment.finalize("
            and not frame.eval_ctx.volatile
            and bool(frame.eval_ctx.autoescape)
        )

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if self._fused(frame, finalize):
            self.write("environment.shown(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if self._fused(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class ReportEnvironment(Environment):
    """The report's Jinja environment: templates' output goes through ``shown`` (pagetext.py)."""

    code_generator_class = ShownCodeGenerator
    shown = staticmethod(shown)
