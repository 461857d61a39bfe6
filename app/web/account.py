"""The account pages and the second step of logging in: API tokens and active sessions (`/account`), the
second factor's enrolment and management (`/account/second-factor`), the code asked after the password
(`/login/code`), an administrator's view of a user's tokens and the policy of which roles require a second
factor (`/admin/second-factor`).

A user whose roles require a second factor and who has none enrolled reaches only the enrolment page,
log-out and the language switch: every other page sends them to the enrolment, and every form or script
call is refused with a message (the gate below runs before each page of the blueprint). The session
records (app/users/sessions.py) are started here, at the end of a log-in.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from app.errors import Invalid
from app.extensions import db
from app.users import lockout, second_factor_policy, sessions, tokens
from app.users import second_factor as factors
from app.users.models import User
from app.users.roles import ROLES
from app.web import i18n
from app.web.views import SessionUser, _safe_next, bp, me, wants_json

SESSION_ID = "sid"
PENDING = "second_factor_pending"
PENDING_SECONDS = 300  # how long the code may be typed after the password
OPEN_TO_UNENROLLED = frozenset({"web.second_factor", "web.logout", "web.set_language", "web.static", "web.login",
                                "web.login_code"})
TOO_MANY = "Too many wrong codes. Try again later. / 错误次数太多，请稍后再试。"
ENROL_NOW = ("Your roles require a second factor: enrol one to go on. / "
             "您的角色要求第二重验证：请先完成设置再继续。")


def say(message: str) -> str:
    """A service's "English. / 中文。" message in the page's language."""
    english, _sep, chinese = message.partition(" / ")
    return i18n.pick((chinese or english, english))


def must_enrol(user: User) -> bool:
    return second_factor_policy.requires_second_factor(user) and not factors.enrolled(user)


@bp.before_request
def _enrolment_gate() -> Response | tuple[Response, int] | None:
    if not current_user.is_authenticated or request.endpoint in OPEN_TO_UNENROLLED or not must_enrol(me()):
        return None
    if request.method in ("GET", "HEAD") and not wants_json():
        flash(say(ENROL_NOW), "warn")
        return redirect(url_for("web.second_factor"))
    if wants_json():
        return jsonify({"message": say(ENROL_NOW), "location": url_for("web.second_factor")}), 403
    return render_template("web/error.html", status=403, title=say("Second factor needed / 需要第二重验证"),
                           text=say(ENROL_NOW)), 403


# --- logging in: after the password ----------------------------------------------------------------------

def password_passed(user: User, target: str | None) -> Response:
    """The password was right: ask for the code when a factor is enrolled, else log in (the gate then sends a
    user who must enrol to the enrolment)."""
    session.clear()
    if factors.enrolled(user):
        session[PENDING] = {"user": user.id, "at": time.time(), "next": target}
        return redirect(url_for("web.login_code"))
    return _logged_in(user, target)


def _logged_in(user: User, target: str | None) -> Response:
    login_user(SessionUser(user))
    session[SESSION_ID] = sessions.start(user, request.remote_addr, request.user_agent.string)
    return redirect(_safe_next(target) or url_for("web.home"))


def session_user(username: str) -> User | None:
    """The user this request's live session record belongs to, when it is `username` (Flask-Login's user loader
    asks)."""
    return sessions.signed_in_user(session.get(SESSION_ID), username)


def end_session() -> None:
    sessions.end(session.get(SESSION_ID))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(i18n.pick(("请重新登录。", "Please log in again.")), "warn")
        return redirect(url_for("web.login"))
    if request.method != "POST":
        return render_template("web/second_factor_login.html", error=None)
    user = db.session.get(User, int(pending["user"]))
    if user is None or not user.active:
        session.clear()
        return redirect(url_for("web.login"))
    try:
        factors.verify(user, request.form.get("code") or "", request.remote_addr)
    except lockout.TooManyAttempts as exc:
        error = i18n.pick(("错误次数太多，请 %d 分钟后再试。", "Too many wrong codes. Try again in %d min.")) % (
            (exc.retry_after + 59) // 60)
        return render_template("web/second_factor_login.html", error=error), 429, \
            {"Retry-After": str(exc.retry_after)}
    except Invalid as exc:
        return render_template("web/second_factor_login.html", error=say(exc.message)), 401
    target = pending.get("next")
    session.clear()
    return _logged_in(user, target)


# --- the account page: tokens and sessions ---------------------------------------------------------------

def _account_page(new_token: dict[str, Any] | None = None, errors: dict[str, Any] | None = None,
                  status: int = 200) -> tuple[str, int]:
    user = me()
    return render_template("web/account.html", tokens=tokens.list_own(user, per_page=100)["items"],
                           sessions=sessions.active(user, session.get(SESSION_ID)), new_token=new_token,
                           errors=errors or {}, enrolled=factors.enrolled(user),
                           required=second_factor_policy.requires_second_factor(user),
                           may_edit_policy=second_factor_policy.may_edit(user)), status


@bp.route("/account")
@login_required
def account():
    return _account_page()


@bp.route("/account/tokens", methods=["POST"])
@login_required
def account_new_token():
    days = (request.form.get("expires_in_days") or "").strip()
    payload = {"name": (request.form.get("name") or "").strip(), "expires_in_days": int(days) if days.isdigit()
               else (days or None)}
    try:
        made = tokens.create_own(me(), payload)
    except Invalid as exc:
        return _account_page(errors=exc.extra.get("errors") or {"_schema": [exc.message]}, status=422)
    return _account_page(new_token=made, status=201)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def account_revoke_token(token_id: int):
    tokens.revoke_own(me(), token_id)
    flash(i18n.pick(("令牌已撤销。", "The token was revoked.")), "ok")
    return redirect(url_for("web.account") + "#tokens")


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def account_end_session(session_id: int):
    sessions.end_own(me(), session_id)
    flash(i18n.pick(("会话已结束。", "The session was ended.")), "ok")
    return redirect(url_for("web.account") + "#sessions")


# --- the second factor -----------------------------------------------------------------------------------

@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    user = me()
    if factors.enrolled(user):
        return render_template("web/second_factor.html", enrolled=True, error=None,
                               remaining=factors.remaining_recovery_codes(user))
    secret = factors.start_enrolment(user)
    if request.method == "POST":
        try:
            codes = factors.confirm_enrolment(user, request.form.get("code") or "", request.remote_addr)
        except lockout.TooManyAttempts:
            return _enrolment(user, secret, say(TOO_MANY), 429)
        except Invalid as exc:
            return _enrolment(user, secret, say(exc.message), 422)
        return render_template("web/second_factor_codes.html", codes=codes), 201
    return _enrolment(user, secret, None, 200)


def _enrolment(user: User, secret: str, error: str | None, status: int) -> tuple[str, int]:
    qr = factors.qr_data_uri(factors.provisioning_uri(user, secret))
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("web/second_factor.html", enrolled=False, qr=qr, secret=spaced, error=error), status


@bp.route("/account/second-factor/disable", methods=["POST"])
@login_required
def second_factor_disable():
    try:
        factors.disable(me(), request.form.get("code"), request.form.get("password"), request.remote_addr)
    except (Invalid, lockout.TooManyAttempts) as exc:
        flash(say(exc.message), "error")
        return redirect(url_for("web.second_factor"))
    flash(i18n.pick(("第二重验证已关闭。", "The second factor was removed.")), "ok")
    return redirect(url_for("web.account"))


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@login_required
def second_factor_new_codes():
    try:
        codes = factors.regenerate_recovery_codes(me(), request.form.get("code") or "", request.remote_addr)
    except (Invalid, lockout.TooManyAttempts) as exc:
        flash(say(exc.message), "error")
        return redirect(url_for("web.second_factor"))
    return render_template("web/second_factor_codes.html", codes=codes), 201


# --- administration: a user's tokens, and the policy -------------------------------------------------------

@bp.route("/users/<int:user_id>/tokens")
@login_required
def user_tokens(user_id: int):
    listed = tokens.list_for(me(), user_id, per_page=100)
    user = db.session.get(User, user_id)
    return render_template("web/account_user_tokens.html", user=user, tokens=listed["items"])


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def user_token_revoke(user_id: int, token_id: int):
    tokens.revoke_any(me(), user_id, token_id)
    flash(i18n.pick(("令牌已撤销。", "The token was revoked.")), "ok")
    return redirect(url_for("web.user_tokens", user_id=user_id))


@bp.route("/admin/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_policy_page():
    status, error = 200, None
    if request.method == "POST":
        try:
            second_factor_policy.set_policy(me(), {"roles": request.form.getlist("roles")})
        except Invalid as exc:
            status, error = 422, say(exc.message)
        else:
            flash(i18n.pick(("已保存。", "Saved.")), "ok")
            return redirect(url_for("web.second_factor_policy_page"))
    return render_template("web/second_factor_policy.html", policy=second_factor_policy.policy(me()),
                           roles=list(ROLES), error=error), status

