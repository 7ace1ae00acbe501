"""Who reaches which staff and sign-in page: every /admin and auth route × every kind of visitor.

The matrix is checked against the app's URL map, so a new route (or a new method on one) fails
``test_every_admin_and_auth_route_has_an_entry`` until it gets a line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.content.taxonomy import save_tag
from app.extensions import db
from app.media.library import add_media
from app.models import ImportRun, MenuItem, Redirect, User
from tests import media_samples
from tests.conftest import csrf_token_from, login
from tests.factories import make_category, make_page, make_post, make_user

SMALL_PNG = media_samples.photo((60, 40), fmt="PNG")
VISITORS = ("anonymous", "contributor", "author", "editor", "admin", "deactivated")
LOGIN = "login"  # redirected to the login page


def expect(**cells) -> dict[str, int | str]:
    """A row of the matrix: visitors not named get the value of ``others``."""
    others = cells.pop("others", None)
    row = {visitor: cells.get(visitor, others) for visitor in VISITORS}
    assert all(value is not None for value in row.values()), cells
    return row


def staff(ok: int) -> dict:
    return expect(anonymous=LOGIN, deactivated=LOGIN, others=ok)


def admins(ok: int) -> dict:
    return expect(anonymous=LOGIN, deactivated=LOGIN, admin=ok, others=403)


def editors(ok: int) -> dict:
    return expect(anonymous=LOGIN, deactivated=LOGIN, editor=ok, admin=ok, others=403)


def everyone(ok: int | str) -> dict:
    return expect(others=ok)


@dataclass(frozen=True)
class Probe:
    method: str
    # may use {post} (someone else's published post), {target} and {admin} (user ids),
    # {category}, {tag}, {page} and {menu_item}
    path: str
    outcome: dict
    data: dict = field(default_factory=dict)


# endpoint -> one probe per HTTP method the route accepts. Posts belong to a fourth author,
# so "author" and "contributor" probe someone else's post.
MATRIX: dict[str, tuple[Probe, ...]] = {
    "admin.posts": (Probe("GET", "/admin/", staff(200)),),
    "admin.search": (Probe("GET", "/admin/search?q=else", staff(200)),),
    "admin.new_post": (
        Probe("GET", "/admin/posts/new", staff(200)),
        Probe("POST", "/admin/posts/new", staff(200)),  # empty form: shown again with errors
    ),
    "admin.edit_post": (
        Probe("GET", "/admin/posts/{post}/edit", editors(200)),
        Probe("POST", "/admin/posts/{post}/edit", editors(200)),
    ),
    "admin.delete_post": (
        Probe("GET", "/admin/posts/{post}/delete", editors(200)),
        Probe("POST", "/admin/posts/{post}/delete", editors(302)),
    ),
    "admin.bulk_posts": (
        # First step: the confirmation page (someone else's post is listed as left alone).
        Probe("POST", "/admin/posts/bulk", staff(200), {"action": "draft", "post_ids": "{post}"}),
    ),
    "admin.item_revisions": (Probe("GET", "/admin/posts/{post}/revisions", editors(200)),),
    "admin.compare_revisions": (
        # No such revisions: 404 for those who may see the post's history, 403 for the others.
        Probe("GET", "/admin/posts/{post}/revisions/compare?a=1&b=2", editors(404)),
    ),
    "admin.restore_revision": (
        Probe("POST", "/admin/posts/{post}/revisions/999/restore", editors(404)),
    ),
    "admin.autosave": (
        Probe("POST", "/admin/autosave/post/{post}", editors(200), {"body": "typed"}),
    ),
    "admin.lookup_posts": (Probe("GET", "/admin/posts/lookup?q=else", staff(200)),),
    "admin.render_preview": (Probe("POST", "/admin/preview", staff(200), {"body": "**Hi**"}),),
    "admin.settings": (
        Probe("GET", "/admin/settings", admins(200)),
        Probe("POST", "/admin/settings", admins(200)),
    ),
    "admin.categories": (Probe("GET", "/admin/categories", editors(200)),),
    "admin.new_category": (
        Probe("GET", "/admin/categories/new", editors(200)),
        Probe("POST", "/admin/categories/new", editors(200)),  # empty form: shown again
    ),
    "admin.edit_category": (
        Probe("GET", "/admin/categories/{category}/edit", editors(200)),
        Probe("POST", "/admin/categories/{category}/edit", editors(302), {"name": "Renamed"}),
    ),
    "admin.delete_category": (
        Probe("GET", "/admin/categories/{category}/delete", editors(200)),
        Probe("POST", "/admin/categories/{category}/delete", editors(302)),
    ),
    "admin.tags": (Probe("GET", "/admin/tags", editors(200)),),
    "admin.new_tag": (
        Probe("GET", "/admin/tags/new", editors(200)),
        Probe("POST", "/admin/tags/new", editors(302), {"name": "Fresh tag"}),
    ),
    "admin.edit_tag": (
        Probe("GET", "/admin/tags/{tag}/edit", editors(200)),
        Probe("POST", "/admin/tags/{tag}/edit", editors(302), {"name": "Renamed tag"}),
    ),
    "admin.merge_tags": (
        Probe("GET", "/admin/tags/merge", editors(200)),
        Probe("POST", "/admin/tags/merge", editors(200)),  # nothing chosen: shown again
    ),
    "admin.delete_tag": (
        Probe("GET", "/admin/tags/{tag}/delete", editors(200)),
        Probe("POST", "/admin/tags/{tag}/delete", editors(302)),
    ),
    "admin.pages": (Probe("GET", "/admin/pages", editors(200)),),
    "admin.new_page": (
        Probe("GET", "/admin/pages/new", editors(200)),
        Probe("POST", "/admin/pages/new", editors(200)),  # empty form: shown again
    ),
    "admin.edit_page": (
        Probe("GET", "/admin/pages/{page}/edit", editors(200)),
        Probe("POST", "/admin/pages/{page}/edit", editors(200)),  # incomplete: shown again
    ),
    "admin.delete_page": (
        Probe("GET", "/admin/pages/{page}/delete", editors(200)),
        Probe("POST", "/admin/pages/{page}/delete", editors(302)),
    ),
    "admin.media": (Probe("GET", "/admin/media", staff(200)),),
    # Contributors pick from the library but cannot upload; no file chosen: back to the grid.
    "admin.upload_media": (
        Probe("POST", "/admin/media/upload", staff(302) | {"contributor": 403}),
    ),
    # {media} was uploaded by the fourth author: other authors see it but may not change it.
    "admin.edit_media": (
        Probe("GET", "/admin/media/{media}", staff(200)),
        Probe("POST", "/admin/media/{media}", editors(302), {"alt": "Described"}),
    ),
    "admin.delete_media_item": (
        Probe("GET", "/admin/media/{media}/delete", editors(200)),
        Probe("POST", "/admin/media/{media}/delete", editors(302)),
    ),
    "admin.menu": (Probe("GET", "/admin/menu", admins(200)),),
    "admin.add_menu_item": (Probe("POST", "/admin/menu/add", admins(200)),),  # nothing chosen
    "admin.move_menu_item": (
        Probe("POST", "/admin/menu/{menu_item}/move", admins(302), {"direction": "down"}),
    ),
    "admin.remove_menu_item": (Probe("POST", "/admin/menu/{menu_item}/remove", admins(302)),),
    "admin.redirects_list": (Probe("GET", "/admin/redirects", admins(200)),),
    "admin.new_redirect": (
        Probe("GET", "/admin/redirects/new", admins(200)),
        Probe("POST", "/admin/redirects/new", admins(200)),  # empty form: shown again
    ),
    "admin.edit_redirect": (
        Probe("GET", "/admin/redirects/{redirect}/edit", admins(200)),
        Probe("POST", "/admin/redirects/{redirect}/edit", admins(200)),  # incomplete: again
    ),
    "admin.delete_redirect": (
        Probe("GET", "/admin/redirects/{redirect}/delete", admins(200)),
        Probe("POST", "/admin/redirects/{redirect}/delete", admins(302)),
    ),
    "admin.imports": (Probe("GET", "/admin/imports", admins(200)),),
    "admin.import_detail": (Probe("GET", "/admin/imports/{import_run}", admins(200)),),
    "admin.users": (Probe("GET", "/admin/users", admins(200)),),
    "admin.invite_user": (
        Probe("GET", "/admin/users/invite", admins(200)),
        Probe("POST", "/admin/users/invite", admins(200)),
    ),
    "admin.user_detail": (Probe("GET", "/admin/users/{target}", admins(200)),),
    "admin.change_user_role": (
        Probe("POST", "/admin/users/{target}/role", admins(302), {"role": "editor"}),
    ),
    "admin.deactivate_user": (Probe("POST", "/admin/users/{target}/deactivate", admins(302)),),
    "admin.reactivate_user": (Probe("POST", "/admin/users/{target}/reactivate", admins(302)),),
    "admin.send_user_link": (Probe("POST", "/admin/users/{target}/send-link", admins(200)),),
    "admin.disable_user_two_factor": (
        Probe("POST", "/admin/users/{target}/two-factor/disable", admins(302)),
    ),
    "admin.delete_user": (
        Probe("GET", "/admin/users/{target}/delete", admins(200)),
        Probe("POST", "/admin/users/{target}/delete", admins(302), {"heir": "{admin}"}),
    ),
    "admin.audit_log": (Probe("GET", "/admin/audit", admins(200)),),
    "admin.profile": (
        Probe("GET", "/admin/profile", staff(200)),
        Probe("POST", "/admin/profile", staff(302), {"display_name": "New Name"}),
    ),
    "admin.change_email": (Probe("POST", "/admin/profile/email", staff(200)),),
    "admin.change_password": (Probe("POST", "/admin/profile/password", staff(200)),),
    "admin.two_factor_setup": (
        Probe("GET", "/admin/profile/two-factor", staff(200)),
        Probe("POST", "/admin/profile/two-factor", staff(200), {"code": "000000"}),
    ),
    "admin.disable_two_factor": (Probe("POST", "/admin/profile/two-factor/disable", staff(200)),),
    "auth.login": (
        Probe("GET", "/login", expect(anonymous=200, deactivated=200, others=302)),
        Probe("POST", "/login", expect(anonymous=200, deactivated=200, others=302)),
    ),
    "auth.two_factor": (
        Probe("GET", "/login/two-factor", everyone(LOGIN)),
        Probe("POST", "/login/two-factor", everyone(LOGIN)),
    ),
    "auth.logout": (Probe("POST", "/logout", staff(302)),),
    "auth.forgot_password": (
        Probe("GET", "/password/forgot", everyone(200)),
        Probe("POST", "/password/forgot", everyone(200)),  # empty form: shown again
    ),
    "auth.reset_password_link": (Probe("GET", "/password/reset/not-a-real-token", everyone(404)),),
    "auth.reset_password": (  # no link opened in this session: nothing to act on
        Probe("GET", "/password/choose", everyone(404)),
        Probe("POST", "/password/choose", everyone(404)),
    ),
    "auth.invitation_link": (Probe("GET", "/invitation/not-a-real-token", everyone(404)),),
    "auth.accept_invitation": (
        Probe("GET", "/invitation/accept", everyone(404)),
        Probe("POST", "/invitation/accept", everyone(404)),
    ),
}


def _routes_to_check(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") or rule.endpoint.startswith("auth."):
            methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
            routes.setdefault(rule.endpoint, set()).update(methods)
    return routes


def test_every_admin_and_auth_route_has_an_entry(app):
    routes = _routes_to_check(app)
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"add these endpoints to MATRIX: {missing}"
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"these MATRIX entries have no route any more: {stale}"
    for endpoint, methods in routes.items():
        probed = {probe.method for probe in MATRIX[endpoint]}
        assert probed == methods, f"{endpoint}: probe every method of {sorted(methods)}"


CELLS = [
    pytest.param(endpoint, index, visitor, id=f"{endpoint}-{probe.method}-{visitor}")
    for endpoint, probes in MATRIX.items()
    for index, probe in enumerate(probes)
    for visitor in VISITORS
]


@pytest.mark.parametrize(("endpoint", "index", "visitor"), CELLS)
def test_access(client, endpoint, index, visitor):
    probe = MATRIX[endpoint][index]
    admin = make_user("admin", email="admin@example.org")
    make_user("admin", email="second-admin@example.org")  # so changes to admins are allowed
    target = make_user("author", email="target@example.org")
    post = make_post(target, title="Someone else's post")
    if visitor != "anonymous":
        role = "author" if visitor == "deactivated" else visitor
        email = "admin@example.org" if visitor == "admin" else f"{visitor}@example.org"
        if visitor != "admin":
            make_user(role, email=email)
        assert login(client, email).status_code == 302
        if visitor == "deactivated":
            user = db.session.scalar(db.select(User).where(User.email == email))
            user.active = False
            db.session.commit()
    category = make_category("Matrix category")
    tag = save_tag(None, name="Matrix tag")
    page = make_page("Matrix page")
    db.session.add(MenuItem(position=0, page_id=page.id))
    redirect = Redirect(source="/old-address", target="/new-address/")
    import_run = ImportRun(file_name="export.xml", report={})
    db.session.add_all([redirect, import_run])
    db.session.commit()
    menu_item = db.session.scalar(db.select(MenuItem.id))
    media = add_media(SMALL_PNG, "matrix.png", target, alt="")
    db.session.commit()
    ids = {
        "post": post.id,
        "target": target.id,
        "admin": admin.id,
        "category": category.id,
        "tag": tag.id,
        "page": page.id,
        "menu_item": menu_item,
        "media": media.id,
        "redirect": redirect.id,
        "import_run": import_run.id,
    }
    token = csrf_token_from(client.get("/password/forgot").text)
    url = probe.path.format(**ids)
    data = {key: value.format(**ids) for key, value in probe.data.items()}
    if probe.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**data, "csrf_token": token})

    expected = probe.outcome[visitor]
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert location.startswith("/login"), location
    else:
        assert response.status_code == expected, (response.status_code, location)
        if expected == 302:
            assert not location.startswith("/login"), location
