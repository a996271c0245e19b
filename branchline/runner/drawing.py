"""``graph.get_graph()``: a graph's nodes and edges as a drawing, and its Mermaid text,
laid out as LangGraph draws the same graph (``draw_mermaid()``).

Edges are the declared ones a run from ``START`` can take: plain edges and joins solid,
conditional edges dotted (to the targets of their ``path_map``, labelled with its key
when that differs from the target, or to the ``Literal[...]`` the path function is
annotated to return). A node with edges in but none out ends the run: it gets a solid
edge to ``END`` (a declared edge to ``END`` beside others is not drawn, as LangGraph
does not). A node that routes only by ``Command(goto=...)``, ``Send`` or a path
function without a map or annotation shows no edge out, as in LangGraph when its
destinations are not declared.
"""

from __future__ import annotations

import string
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from branchline.runner.topology import ConditionalEdge, Topology
from branchline.runner.types import END, START

_PLAIN_ID = frozenset(string.ascii_letters + string.digits + "_-")
_STYLES = (
    ("default", "fill:#f2f0ff,line-height:1.2"),
    ("first", "fill-opacity:0"),
    ("last", "fill:#bfb6fc"),
)


@dataclass(frozen=True)
class DrawnNode:
    """A node of the drawing: its id, its name, and what its label shows under it."""

    id: str
    name: str
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class DrawnEdge:
    """An edge of the drawing; ``data`` labels it, ``conditional`` dots it."""

    source: str
    target: str
    data: str | None = None
    conditional: bool = False


class DrawableGraph:
    """A compiled graph's nodes and edges, ready to draw (``draw_mermaid()``)."""

    def __init__(self, nodes: dict[str, DrawnNode], edges: list[DrawnEdge]) -> None:
        self.nodes = nodes
        self.edges = edges

    def draw_mermaid(
        self,
        *,
        with_styles: bool = True,
        curve_style: Any = "linear",
        wrap_label_n_words: int = 9,
    ) -> str:
        """The graph as a Mermaid flowchart, the text LangGraph's ``draw_mermaid()``
        gives: with styles, a front matter setting the edges' ``curve_style`` (a name,
        or LangChain's ``CurveStyle``), the nodes and the class definitions."""
        lines = []
        if with_styles:
            curve = getattr(curve_style, "value", curve_style)
            lines += ["---", "config:", "  flowchart:", f"    curve: {curve}", "---"]
        lines.append("graph TD;")
        if with_styles:
            lines += [f"\t{_node_line(node)}" for node in self.nodes.values()]
        lines += [f"\t{_edge_line(edge, wrap_label_n_words)}" for edge in self.edges]
        if with_styles:
            lines += [f"\tclassDef {name} {style}" for name, style in _STYLES]
        return "\n".join(lines) + "\n"

    def draw_ascii(self) -> str:
        """Not supported: LangGraph draws ASCII through the ``grandalf`` layout library,
        unmaintained since 2023, which Branchline does not depend on."""
        raise NotImplementedError(
            "draw_ascii() is not supported: it needs the grandalf layout library, which "
            "Branchline does not depend on; use graph.get_graph().draw_mermaid() and "
            "paste the text into any Mermaid viewer (mermaid.live)"
        )


def drawing(
    topology: Topology, interrupt_before: Iterable[str], interrupt_after: Iterable[str]
) -> DrawableGraph:
    """The drawing of a graph of this ``topology``, its breakpoints shown on its nodes."""
    edges = _edges(topology)
    nodes = {START: DrawnNode(START, START)}
    before, after = set(interrupt_before), set(interrupt_after)
    for name in topology.nodes:
        stops = [w for w, names in (("before", before), ("after", after)) if name in names]
        nodes[name] = DrawnNode(name, name, {"__interrupt": ",".join(stops)} if stops else None)
    if any(e.target == END for e in edges):
        nodes[END] = DrawnNode(END, END)
    return DrawableGraph(nodes, edges)


def _edges(topology: Topology) -> list[DrawnEdge]:
    """The edges to draw, sorted as LangGraph sorts them: those a run from ``START`` can
    take, one per pair of nodes (dotted if any edge between them is conditional)."""
    found: set[tuple[str, str, bool, str]] = set()  # an empty label: none
    found |= {(s, e, False, "") for s, e in topology.edges if e != END}
    found |= {(s, e, False, "") for starts, e in topology.joins for s in starts}
    for source, branches in topology.branches.items():
        for branch in branches:
            found |= {(source, t, True, label) for t, label in _branch_targets(branch)}
    found = _reachable(found)
    sources = {s for s, _, _, _ in found}
    termini = {e for _, e, _, _ in found if e not in sources and e != END}
    found |= {(s, END, False, "") for s in termini}
    drawn: dict[tuple[str, str], DrawnEdge] = {}
    for s, e, conditional, label in sorted(found, key=lambda f: (f[0] != START, f)):
        if (s, e) not in drawn or (conditional and not drawn[s, e].conditional):
            drawn[s, e] = DrawnEdge(s, e, label or None, conditional)
    return list(drawn.values())


def _reachable(
    edges: set[tuple[str, str, bool, str]],
) -> set[tuple[str, str, bool, str]]:
    """The edges whose source a run can reach from ``START`` along ``edges``."""
    reached, frontier = {START}, [START]
    while frontier:
        node = frontier.pop()
        for s, e, _, _ in edges:
            if s == node and e not in reached:
                reached.add(e)
                frontier.append(e)
    return {edge for edge in edges if edge[0] in reached}


def _branch_targets(branch: ConditionalEdge) -> list[tuple[str, str]]:
    """Where a conditional edge may go, each with its label ("" when none)."""
    if branch.path_map is not None:
        return [(t, "" if str(k) == t else str(k)) for k, t in branch.path_map.items()]
    return [(str(t), "") for t in _returned_literals(branch.path)]


def _returned_literals(path: Callable[..., Any]) -> tuple[Any, ...]:
    """The values a path function is annotated to return (``-> Literal["a", "b"]``)."""
    try:
        returned = typing.get_type_hints(path).get("return")
    except Exception:  # no annotations to read (a lambda, a builtin, a bad forward ref)
        return ()
    return typing.get_args(returned) if typing.get_origin(returned) is Literal else ()


def _safe_id(name: str) -> str:
    """A node name as a Mermaid id: other characters than letters, digits, ``_`` and
    ``-`` become ``\\`` and their code point in hex (a space: ``\\20``)."""
    return "".join(c if c in _PLAIN_ID else f"\\{ord(c):x}" for c in name)


def _node_line(node: DrawnNode) -> str:
    name = node.name
    marked = name[:1] in "*_`" and name[-1:] in "*_`" and name != ""
    label = f"<p>{name}</p>" if marked else name
    if node.metadata:
        shown = "\n".join(f"{k} = {v}" for k, v in node.metadata.items())
        label += f"<hr/><small><em>{shown}</em></small>"
    if node.id == START:
        return f"{_safe_id(node.id)}([{label}]):::first"
    if node.id == END:
        return f"{_safe_id(node.id)}([{label}]):::last"
    return f"{_safe_id(node.id)}({label})"


def _edge_line(edge: DrawnEdge, wrap: int) -> str:
    source, target = _safe_id(edge.source), _safe_id(edge.target)
    if edge.data is None:
        return f"{source} {'-.->' if edge.conditional else '-->'} {target};"
    words = edge.data.split()
    label = "&nbsp<br>&nbsp".join(" ".join(words[i : i + wrap]) for i in range(0, len(words), wrap))
    if len(words) <= wrap:
        label = edge.data
    arrow = f"-. &nbsp;{label}&nbsp; .->" if edge.conditional else f"-- &nbsp;{label}&nbsp; -->"
    return f"{source} {arrow} {target};"
