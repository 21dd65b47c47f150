"""Derived-feature expressions: a small language parsed by our own Pratt parser, never ``eval``.

    distance_km / courier_speed_kmh * 60
    if_else(weather == 'rain', 1.5, 1) * log1p(items)
    days_between(placed_at, `opened on`) > 365 and not isnull(restaurant_rating)

The grammar has numbers, quoted strings, column names (backquoted when they are not plain
identifiers), ``+ - * / % **``, comparisons, ``and or not``, parentheses and calls of a fixed
set of functions. There is no attribute access, subscript, assignment or any name outside the
columns and the functions, so hostile text can only fail to parse. Input length and nesting
depth are capped, and numbers are float64 from the first token on (``10 ** 400`` is infinite,
then missing; never a giant integer).

Evaluation is vectorized with numpy over a pandas DataFrame. Values are numbers (float64,
comparisons give 1/0), text (object arrays, None missing) or times (datetime64). A missing
input gives a missing result, division by zero gives NaN, and anything non-finite in the
result becomes NaN, so a derived feature never raises on odd rows. Every error is one
``StudioError`` line naming the offending token's position (0-based).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from studio.errors import StudioError

MAX_LENGTH = 1000
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<quoted>`[^`]*`)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<op>\*\*|==|!=|<=|>=|[-+*/%<>(),])""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "true", "false"}
BINARY_POWER = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "**": 8}
NOT_POWER, UNARY_POWER = 3, 7
COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}



UNARY_NAMES = ("log", "log1p", "log2", "log10", "exp", "sqrt", "abs", "sign", "floor", "ceil")
TIME_DIFFERENCE_NAMES = ("days_between", "hours_between", "minutes_between", "seconds_between")
# name -> (fewest, most) arguments; None: no upper bound
ARITY: dict[str, tuple[int, int | None]] = {
    **{name: (1, 1) for name in UNARY_NAMES},
    **{name: (2, 2) for name in TIME_DIFFERENCE_NAMES},
    "round": (1, 2), "min": (2, None), "max": (2, None), "clip": (3, 3), "pow": (2, 2), "isnull": (1, 1),
    "notnull": (1, 1), "coalesce": (2, None), "if_else": (3, 3), "where": (3, 3), "isin": (2, None), "length": (1, 1),
}  # fmt: skip
FUNCTIONS = tuple(sorted(ARITY))


# ------------------------------------------------------------------ syntax tree


@dataclass(frozen=True)
class Node:
    pos: int


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Column(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, quoted, string, op, end
    text: str
    pos: int


# ------------------------------------------------------------------ parsing


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.index = 0
        self.depth = 0

    def fail(self, message: str, pos: int) -> StudioError:
        return expression_error(self.text, message, pos)

    def _tokenize(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                char = text[pos]
                hint = " (use == to compare)" if char == "=" else ""
                if char in "`'\"":
                    raise self.fail(f"unclosed {char}", pos)
                raise self.fail(f"unexpected {char!r}{hint}", pos)
            kind = match.lastgroup or ""
            if kind != "space":
                tokens.append(_Token(kind, match.group(), pos))
            pos = match.end()
        tokens.append(_Token("end", "", len(text)))
        return tokens

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text or token.kind != "op":
            raise self.fail(f"expected {text!r} but {_describe(token)}", token.pos)
        return token

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise self.fail(f"unexpected {token.text[:30]!r}", token.pos)
        return node

    def expression(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", self.peek().pos)
        left = self.prefix()
        compared = False
        while True:
            token = self.peek()
            op = token.text if token.kind in ("op", "name") else ""
            power = BINARY_POWER.get(op)
            if power is None or power <= min_power:
                break
            if op in COMPARISONS:
                if compared:
                    raise self.fail("chained comparison; join the comparisons with 'and'", token.pos)
                compared = True
            self.take()
            # ** is right-associative: its right side may hold another ** of the same power
            right = self.expression(power - 1 if op == "**" else power)
            left = Binary(token.pos, op, left, right)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.take()
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value):
                raise self.fail(f"number {token.text[:20]!r} is out of range", token.pos)
            return Number(token.pos, value)
        if token.kind == "string":
            return String(token.pos, token.text[1:-1])
        if token.kind == "quoted":
            if len(token.text) == 2:
                raise self.fail("empty column name", token.pos)
            return Column(token.pos, token.text[1:-1])
        if token.kind == "op" and token.text in ("-", "+"):
            return Unary(token.pos, token.text, self.expression(UNARY_POWER))
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if token.kind == "name":
            word = token.text
            if word == "not":
                return Unary(token.pos, "not", self.expression(NOT_POWER))
            if word in ("true", "false"):
                return Number(token.pos, 1.0 if word == "true" else 0.0)
            if word in KEYWORDS:
                raise self.fail(f"unexpected {word!r}", token.pos)
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            return Column(token.pos, word)
        if token.kind == "end":
            raise self.fail("the expression ends too soon", token.pos)
        raise self.fail(f"unexpected {token.text[:30]!r}", token.pos)

    def call(self, name: _Token) -> Node:
        if name.text not in ARITY:
            raise self.fail(f"unknown function {name.text!r}; functions: {', '.join(FUNCTIONS)}", name.pos)
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                args.append(self.expression(0))
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    continue
                break
        self.expect(")")
        fewest, most = ARITY[name.text]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = f"{fewest}" if fewest == most else f"{fewest} or more" if most is None else f"{fewest} to {most}"
            noun = "argument" if wanted == "1" else "arguments"
            raise self.fail(f"{name.text}() takes {wanted} {noun}, not {len(args)}", name.pos)
        return Call(name.pos, name.text, tuple(args))


def _describe(token: _Token) -> str:
    return "the expression ends" if token.kind == "end" else f"found {token.text[:30]!r}"


def expression_error(text: str, message: str, pos: int, hint: str = "") -> StudioError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return StudioError(f"expression {shown!r}: {message} at position {pos}{hint}")


def parse(text: str) -> Node:
    """The syntax tree of ``text``; a ``StudioError`` naming the position of the first problem."""
    if not isinstance(text, str) or not text.strip():
        raise StudioError("expression: give the expression as non-empty text, e.g. 'distance_km / courier_speed_kmh'")
    if len(text) > MAX_LENGTH:
        raise StudioError(f"expression: {len(text):,} characters is longer than the limit of {MAX_LENGTH:,}")
    return _Parser(text).parse()


def columns_used(node: Node) -> list[str]:
    """The column names ``node`` reads, in order of first use."""
    found: dict[str, None] = {}

    def walk(item: Node) -> None:
        if isinstance(item, Column):
            found.setdefault(item.name, None)
        elif isinstance(item, Unary):
            walk(item.operand)
        elif isinstance(item, Binary):
            walk(item.left)
            walk(item.right)
        elif isinstance(item, Call):
            for arg in item.args:
                walk(arg)

    walk(node)
    return list(found)
