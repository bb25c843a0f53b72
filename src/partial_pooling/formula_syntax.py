"""The syntax of lme4 formulas: ``y ~ fixed + (lhs | g) + ...`` split into its parts.

`parse_formula` finds the random terms (parenthesized, with one ``|``, joined to the rest by
``+``), expands nesting (``(1 | g1/g2)`` is ``(1 | g1) + (1 | g2:g1)``, named as lme4 names
it) and leaves the fixed
part as text for formulaic (`partial_pooling.formula`). A syntax error names the character
where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ParsedFormula", "RandomPart", "parse_formula"]


@dataclass(frozen=True)
class RandomPart:
    """One random-effects term of a formula, after nesting is expanded.

    Attributes
    ----------
    text : str
        The term as written (a nested term: as written, for each of its parts).
    lhs : str
        Its left side, e.g. ``"1 + x"`` (evaluated by formulaic).
    factors : tuple of str
        The columns whose combination of levels is the grouping factor: one column, or
        several for an interaction ``g1:g2``.
    """

    text: str
    lhs: str
    factors: tuple[str, ...]

    @property
    def group(self) -> str:
        """The grouping factor's name: the columns joined by ``":"``."""
        return ":".join(self.factors)

    @property
    def label(self) -> str:
        """The term in lme4's form, ``(lhs | group)``."""
        return f"({self.lhs} | {self.group})"


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into its response, fixed part and random terms (`parse_formula`)."""

    text: str
    response: str
    fixed: str
    random: tuple[RandomPart, ...]

    def columns(self) -> tuple[list[str], list[str], list[str]]:
        """The names the formula uses, by role: those of the response, the grouping factors
        and the rest (the fixed part's and the random terms' left sides), each once, in the
        order they appear; ``np`` and ``numpy`` (its functions) are not names of columns.

        Raises
        ------
        ValueError
            If formulaic cannot read a part.
        """
        from formulaic import Formula
        from formulaic.errors import FormulaicError

        def names(text: str) -> list[str]:
            try:
                found = Formula(text).required_variables
            except FormulaicError as exc:
                message = str(exc).strip().splitlines()[0]
                raise ValueError(f"formula {self.text!r}: {message}") from None
            return sorted(str(v) for v in found if str(v) not in ("np", "numpy"))

        response = names(f"{self.response} ~ 1")
        factors = list(dict.fromkeys(f for part in self.random for f in part.factors))
        rest = names(f"{self.response} ~ {self.fixed}")
        for part in self.random:
            rest += names(part.lhs)
        rest = [n for n in dict.fromkeys(rest) if n not in response and n not in factors]
        return response, factors, rest


def _syntax_error(formula: str, position: int, what: str) -> ValueError:
    """A ValueError pointing at ``position`` (0-based) of ``formula``."""
    return ValueError(
        f"formula syntax error at character {position + 1} of {formula!r}: {what} "
        f"(here: {formula[:position]!r} >>> {formula[position:]!r})"
    )


def _split_top(text: str, sep: str, offset: int, formula: str) -> list[tuple[str, int]]:
    """``text`` split at ``sep`` outside parentheses, with each piece's position in
    ``formula``; unbalanced parentheses are a syntax error at the culprit."""
    pieces, depth, start, opened = [], 0, 0, []
    for k, c in enumerate(text):
        if c == "(":
            depth += 1
            opened.append(k)
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise _syntax_error(formula, offset + k, "a ')' without its '('")
            opened.pop()
        elif c == sep and depth == 0:
            pieces.append((text[start:k], offset + start))
            start = k + 1
    if depth > 0:
        raise _syntax_error(formula, offset + opened[-1], "a '(' that is never closed")
    pieces.append((text[start:], offset + start))
    return pieces


def _strip(piece: str, at: int) -> tuple[str, int]:
    """``piece`` without surrounding white space, and its new position."""
    lead = len(piece) - len(piece.lstrip())
    return piece.strip(), at + lead


def _random_part(inner: str, at: int, formula: str) -> list[RandomPart]:
    """The term(s) of ``(inner)``: ``lhs | g``, ``lhs | g1:g2`` or ``lhs | g1/g2``."""
    bars = _split_top(inner, "|", at, formula)
    if len(bars) != 2:
        where = bars[2][1] - 1 if len(bars) > 2 else at
        raise _syntax_error(
            formula, where, "a random term has one '|' ('||' and a second '|' are not supported)"
        )
    (lhs, lhs_at), (rhs, rhs_at) = _strip(*bars[0]), _strip(*bars[1])
    if not lhs:
        raise _syntax_error(formula, lhs_at, "a random term needs a left side, e.g. (1 | g)")
    if not rhs:
        raise _syntax_error(formula, rhs_at, "a random term needs a grouping factor after '|'")
    nest: list[tuple[str, ...]] = []
    for level, level_at in _split_top(rhs, "/", rhs_at, formula):
        factors = []
        for name, name_at in _split_top(level, ":", level_at, formula):
            name, name_at = _strip(name, name_at)
            if not name or not all(c.isalnum() or c in "_." for c in name):
                raise _syntax_error(
                    formula, name_at, "a grouping factor must be column names joined by ':' or '/'"
                )
            factors.append(name)
        nest.append(tuple(factors))
    text = f"({lhs} | {rhs})"
    parts: list[RandomPart] = []
    for k in range(len(nest)):  # g1/g2 = g1 + g2:g1, named as lme4 names it
        joined = tuple(name for names in reversed(nest[: k + 1]) for name in names)
        parts.append(RandomPart(text=text, lhs=lhs, factors=joined))
    return parts


def parse_formula(formula: str) -> ParsedFormula:
    """Split an lme4 formula into response, fixed part and random terms.

    Parameters
    ----------
    formula : str
        ``"y ~ fixed + (lhs | g) + ..."``; the fixed part may be empty (an intercept) when
        random terms are given.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    ValueError
        For a syntax error, naming the character where it is (unbalanced parentheses, no or
        several ``~``, a ``|`` outside parentheses, an empty term, a random term not joined
        by ``+``).
    """
    if not isinstance(formula, str):
        raise ValueError(f"formula must be a string, got {type(formula).__name__}")
    sides = _split_top(formula, "~", 0, formula)
    if len(sides) != 2:
        where = sides[2][1] - 1 if len(sides) > 2 else len(formula)
        raise _syntax_error(formula, where, "a formula is 'response ~ terms', with one '~'")
    response, response_at = _strip(*sides[0])
    if not response:
        raise _syntax_error(formula, response_at, "no response before '~'")
    rhs, rhs_at = sides[1]
    fixed: list[str] = []
    random: list[RandomPart] = []
    for piece, at in _split_top(rhs, "+", rhs_at, formula):
        piece, at = _strip(piece, at)
        if not piece:
            raise _syntax_error(formula, at, "an empty term (a '+' with nothing on one side)")
        if "|" not in piece:
            fixed.append(piece)
            continue
        whole = piece[0] == "(" and piece[-1] == ")" and _matching(piece) == len(piece) - 1
        if not whole:
            bar = at + piece.index("|")
            raise _syntax_error(
                formula, bar, "a random term must be in parentheses, joined by '+': (x | g)"
            )
        random.extend(_random_part(piece[1:-1], at + 1, formula))
    if not fixed and not random:
        raise _syntax_error(formula, rhs_at, "no terms after '~'")
    return ParsedFormula(
        text=formula, response=response, fixed=" + ".join(fixed) or "1", random=tuple(random)
    )


def _matching(text: str) -> int:
    """The position of the ')' that closes the '(' at position 0 of ``text``."""
    depth = 0
    for k, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0:
            return k
    return -1
