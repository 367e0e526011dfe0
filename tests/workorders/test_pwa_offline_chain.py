"""The phone keeps one copy of the work-order rules, for offline chaining only
(mobile_pwa/src/screens/roles/work-rules.js ``OFFLINE_CHAIN``: the state a queued step leads to
and the engineer's events there). It must agree with the server's ORDER machine."""

from __future__ import annotations

import re
from pathlib import Path

from xunjian.workorders.states import ORDER

RULES = Path(__file__).parents[2] / "mobile_pwa" / "src" / "screens" / "roles" / "work-rules.js"
ENGINEER_EVENTS = {"accept", "arrive", "resume", "complete", "decline", "pause", "return"}
ENTRY = re.compile(r'^\s*(\w+): \{ state: "(\w+)", then: \[([^\]]*)\] \},$', re.M)


def _chain() -> dict[str, tuple[str, set[str]]]:
    text = RULES.read_text(encoding="utf-8")
    block = text[text.index("const OFFLINE_CHAIN = {") :]
    block = block[: block.index("};")]
    return {
        step: (state, set(re.findall(r'"(\w+)"', then)))
        for step, state, then in ENTRY.findall(block)
    }


def test_the_phones_offline_chain_is_the_servers_machine():
    chain = _chain()
    assert set(chain) == ENGINEER_EVENTS
    for step, (state, then) in chain.items():
        reached = {ORDER.next(s, step) for s in ORDER.states_zh if ORDER.allows(s, step)}
        assert reached == {state}, (step, reached)
        assert then == set(ORDER.events_from(state)) & ENGINEER_EVENTS, (step, state)
