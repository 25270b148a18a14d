"""What a template's ``{{ … }}`` compiles to: the value made page text and escaped in one call, and
a message with constant arguments looked up once, when the template is compiled.

Jinja compiles every output expression of an autoescaped template with a ``finalize`` to
``escape(environment.finalize(value))``: two calls, and ``escape`` wraps even a plain company name
or number in a new Markup object. A study's company page shows some 3,500 values, most of them
short strings without a character to escape, and this was a fifth of its rendering time. Here
they compile to ``environment.shown(value)``, which gives the very same text (pagetext.py).

Of those values some 600 a page are ``{{ t("reply.after") }}``: the same message of the report's
language, called, checked for markup and escaped every time. An output that calls one of the
environment's ``pure`` globals (``t``, ``t_or``: the same text for the same arguments) with constant
arguments compiles to its text, guarded: the text is used only while the name still means the
function it was computed with (a template that sets ``t`` or is given another gets the call, as
before), and a call that fails at compile time (a missing message) is left to fail where it did.

Anything else (not autoescaped, no finalize, a template whose autoescaping is decided while it
renders) compiles as Jinja compiles it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame

from servaudit.report.pagetext import page_text, shown


class ShownCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing ``environment.shown(x)`` for ``escape(environment.finalize(x))``
    and a guarded constant for a pure call with constant arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._folded: list[bool] = []

    def _fused(self, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> bool:
        return (
            self.environment.finalize is page_text
            and finalize.src == "environment.finalize("
            and not frame.eval_ctx.volatile
            and bool(frame.eval_ctx.autoescape)
        )

    def _constant(self, node: nodes.Expr, frame: Frame) -> tuple[Any, str] | None:
        """(function, its shown text) of a call to a pure global with constant arguments only."""
        environment = self.environment
        if not (
            isinstance(environment, ReportEnvironment)
            and isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in environment.pure
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            return None
        function: Any = environment.globals.get(node.node.name)
        if function is None or hasattr(function, "jinja_pass_arg"):
            return None
        try:
            arguments = [argument.as_const(frame.eval_ctx) for argument in node.args]
            return function, str(shown(function(*arguments)))
        except Exception:  # not constant after all, a missing message: called while rendering
            return None

    def _output_child_pre(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if not self._fused(frame, finalize):
            self._folded.append(False)
            super()._output_child_pre(node, frame, finalize)
            return
        constant = self._constant(node, frame)
        self._folded.append(constant is not None)
        if constant is not None:
            assert isinstance(node, nodes.Call) and isinstance(self.environment, ReportEnvironment)
            function, text = constant
            self.write(f"({text!r} if ")
            self.visit(node.node, frame)
            self.write(f" is environment.folded[{self.environment.remember(function)}] else ")
        self.write("environment.shown(")

    def _output_child_post(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        folded = self._folded.pop()
        if not self._fused(frame, finalize):
            super()._output_child_post(node, frame, finalize)
            return
        self.write("))" if folded else ")")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        """Jinja's output, but one ``yield`` per output node where Jinja yields each of its parts
        (outside a buffer): the parts joined as Jinja joins the whole page (``concat``), so the page
        is the same text. A study's company page was some 5,000 parts, each passed up through
        the block, the child template and the base template's generators one by one."""
        if frame.buffer is not None or frame.require_output_check:
            super().visit_Output(node, frame)
            return
        finalize = self._make_finalize()
        body: list[list[Any] | nodes.Expr] = []
        # As Jinja: constants evaluated at compile time where possible, grouped with their neighbours.
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except (nodes.Impossible, Exception):
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:  # nothing to join: Jinja's own code
            super().visit_Output(node, frame)
            return
        self.writeline("yield environment.concat((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")


class ReportEnvironment(Environment):
    """The report's Jinja environment: templates' output goes through ``shown`` (pagetext.py), and
    the ``pure`` globals' calls with constant arguments are computed once."""

    code_generator_class = ShownCodeGenerator
    shown = staticmethod(shown)
    pure = frozenset({"t", "t_or"})
    """Globals that give the same text for the same arguments (the report language's messages)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folded: list[Any] = []
        """The functions whose text compiled templates hold, by the index their guard names."""

    def remember(self, function: Any) -> int:
        for index, known in enumerate(self.folded):
            if known is function:
                return index
        self.folded.append(function)
        return len(self.folded) - 1
