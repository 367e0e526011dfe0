"""The evidence area's lifecycles, each one table of allowed transitions (see
``xunjian.lifecycle``); the tables' state CHECKs are built from these states.
"""

from __future__ import annotations

from ..lifecycle import StateMachine

# A photo's review: pending → accepted | rejected | exemplary. A lead may revise a decision
# (an accepted photo later marked exemplary, a rejected one accepted after all), but nothing
# goes back to pending. The event is the decision the reviewer records.
REVIEW = StateMachine(
    "photo",
    "照片",
    {
        ("pending", "accept"): "accepted",
        ("pending", "reject"): "rejected",
        ("pending", "mark_exemplary"): "exemplary",
        ("accepted", "reject"): "rejected",
        ("accepted", "mark_exemplary"): "exemplary",
        ("exemplary", "accept"): "accepted",
        ("exemplary", "reject"): "rejected",
        ("rejected", "accept"): "accepted",
    },
    {"pending": "待审核", "accepted": "已通过", "rejected": "已退回", "exemplary": "优秀示例"},
    field="review_status",
)
# The review API names the decision by the state it leads to.
REVIEW_EVENT_FOR = {"accepted": "accept", "rejected": "reject", "exemplary": "mark_exemplary"}

# The Item Loan Register (物品借用登记表): lent, then given back once.
LOAN = StateMachine(
    "loan",
    "借用登记",
    {("borrowed", "return"): "returned"},
    {"borrowed": "借出中", "returned": "已归还"},
)
