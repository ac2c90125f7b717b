"""Getting in and out: the one-time link, the Mini App, log out, the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.staff.access import staff_municipalities
from bot.web.auth import LoginRefusedError, redeem_login_link, validate_init_data
from bot.web.common import (
    WEB_LANGUAGES,
    in_db,
    redirect,
    render,
    require_login,
    services_of,
    staff_id,
    start_session,
)
from bot.web.cookies import MINI_APP_KEY


async def home(request: Request) -> Response:
    """The staff member's municipalities; with one, straight to its applications."""
    tid = require_login(request)
    slugs = await in_db(request, lambda session: staff_municipalities(session, tid))
    directory = services_of(request).directory
    known = [slug for slug in slugs if slug in directory.municipalities]
    if len(known) == 1:
        return redirect(f"/staff/{known[0]}/overview")
    return render(
        request,
        "home.html",
        {"municipalities": [(slug, directory.municipalities[slug].name) for slug in known]},
    )


async def link_page(request: Request) -> Response:
    """A login link opened: one button that logs in. A GET never uses the link up, so a link
    preview or a virus scanner fetching it cannot spend it before the person does."""
    return render(request, "login_link.html", {"token": request.path_params["token"]})


async def link_login(request: Request) -> Response:
    token = str(request.path_params["token"])
    now = services_of(request).clock()
    try:
        tid = await in_db(request, lambda session: redeem_login_link(session, token, now))
    except LoginRefusedError:
        return render(request, "login_failed.html", status_code=403)
    start_session(request, tid)
    return redirect("/staff/")


async def mini_app(request: Request) -> Response:
    """The page Telegram opens from the »Åbn kontrolpanel« button: its script (static, no
    inline code) posts `Telegram.WebApp.initData` to `mini_app_login` and follows the answer."""
    return render(request, "mini_app.html")


async def mini_app_login(request: Request) -> Response:
    services = services_of(request)
    form = await request.form()
    init_data = str(form.get("init_data") or "")
    token = services.settings.token or ""
    try:
        user = validate_init_data(init_data, token, services.clock())
    except LoginRefusedError:
        return JSONResponse({"ok": False}, status_code=403)
    start_session(request, user.telegram_id, (user.language or "")[:2])
    # Its cookies must also work in Telegram Web's cross-site frame (`bot.web.cookies`).
    request.session[MINI_APP_KEY] = True
    return JSONResponse({"ok": True, "next": "/staff/"})


async def logout(request: Request) -> Response:
    request.session.clear()
    return render(request, "logged_out.html")


async def switch_language(request: Request) -> Response:
    code = str(request.path_params["code"])
    if code in WEB_LANGUAGES:
        request.session["lang"] = code
    back = str((await request.form()).get("next") or "/staff/")
    # Only back into the dashboard: never an open redirect to somewhere else.
    if not back.startswith("/staff/") or back.startswith("//"):
        back = "/staff/"
    if staff_id(request) is None:
        back = "/staff/"
    return redirect(back)
