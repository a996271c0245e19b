"""Prebuilt nodes for chat agents that call tools, as LangGraph's ``langgraph.prebuilt``::

    from branchline.prebuilt import ToolNode, tools_condition

    builder.add_node(ToolNode([search, book_hotel]))  # the node is named "tools"
    builder.add_conditional_edges("agent", tools_condition)

They work on LangChain messages and tools, so they need langchain-core, the
``branchline[langchain]`` extra; ``import branchline`` itself never loads it.
"""

try:
    import langchain_core  # noqa: F401  (only to say what is missing, before anything else)
except ModuleNotFoundError as missing:
    raise ImportError(
        "branchline.prebuilt (ToolNode, tools_condition) needs langchain-core, which is not "
        "installed in this environment. Install the extra: pip install 'branchline[langchain]'"
    ) from missing

from branchline.prebuilt.tool_calls import tools_condition
from branchline.prebuilt.tool_errors import ToolInvocationError
from branchline.prebuilt.tool_node import ToolNode

__all__ = ["ToolInvocationError", "ToolNode", "tools_condition"]
