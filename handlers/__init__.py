"""aiogram routers: start, booking, my bookings, admin (when present), errors last.

Routers are built per Dispatcher (`create_router()`), because aiogram attaches a router to
one parent for good; tests and benchmarks build several dispatchers in one process.
"""

from __future__ import annotations

import importlib
import importlib.util

from aiogram import Router


def admin_router() -> Router | None:
    """Part of the admin package when it exists: `create_router()`, else its `router`
    (taken off a previous dispatcher of this process, which is stopped by then)."""
    if importlib.util.find_spec("handlers.admin") is None:
        return None
    admin = importlib.import_module("handlers.admin")
    factory = getattr(admin, "create_router", None)
    if callable(factory):
        router: Router = factory()
        return router
    router = admin.router
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None  # aiogram has no public detach
    return router


def get_routers() -> list[Router]:
    from handlers import (
        booking,
        checkout,
        errors,
        extras_steps,
        gifts,
        moving,
        my_bookings,
        phone_link,
        phone_new,
        start,
        waitlist,
    )

    routers = [
        phone_new.create_router(),  # ahead: an admin's /new takes over the clients' picker
        start.create_router(),
        booking.create_router(),
        extras_steps.create_router(),
        checkout.create_router(),
        my_bookings.create_router(),
        waitlist.create_router(),
        phone_link.create_router(),
        moving.create_router(),
        gifts.create_router(),
    ]
    admin = admin_router()
    if admin is not None:
        routers.append(admin)
    routers.append(errors.create_router())
    return routers
