"""The areas that plug into shared mechanisms, wired by explicit calls.

Registration used to happen as a side effect of importing an area's package, so whether a photo
context resolved depended on which modules some earlier code had happened to import (a Celery
worker that never imported ``xunjian.patrol`` could not place a check-in photo). Every entry
point — the app factory and the task engine — calls :func:`register` instead; it is idempotent.
"""

from __future__ import annotations


def register() -> None:
    """Register each area's evidence contexts (photo → task look-ups)."""
    from .patrol import contexts as patrol_contexts
    from .renovation import contexts as renovation_contexts
    from .workorders import contexts as workorders_contexts

    patrol_contexts.register()
    renovation_contexts.register()
    workorders_contexts.register()
