"""Account rules called directly: sign-in, throttling, user changes, passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.auth import services, signin
from crm.auth.models import User
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

ADDRESS = "10.0.0.7"


def actions_for(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "user", AuditEntry.object_id == str(user.id))
            .order_by(AuditEntry.id)
        )
    )


def sign_in(username: str, password: str, address: str = ADDRESS) -> User:
    try:
        return signin.authenticate(username=username, password=password, address=address)
    finally:
        db.session.commit()


class TestCreateUser:
    def test_a_generated_password_is_returned_once_and_stored_hashed(self, ctx) -> None:
        user, password = services.create_user(
            actor=None, username="Wang.Fang", display_name="王芳", roles=["agent"]
        )
        assert user.username == "wang.fang"
        assert len(password) >= 16
        assert password not in user.password_hash
        assert user.password_hash.startswith("$argon2")
        assert sign_in("wang.fang", password).id == user.id

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"username": "ab"}, "username"),
            ({"username": "有中文"}, "username"),
            ({"username": "bad name"}, "username"),
            ({"display_name": "   "}, "display_name"),
            ({"roles": []}, "roles"),
            ({"password": "short"}, "password"),
            ({"password": "aaaaaaaaaaaaaa"}, "password"),
            ({"password": "xx-newbie-2026"}, "password"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, ctx, fields, field) -> None:
        values = {"username": "newbie", "display_name": "新人", "roles": ["agent"], **fields}
        with pytest.raises(DomainError) as refused:
            services.create_user(actor=None, **values)
        assert refused.value.field == field

    def test_a_taken_username_is_refused_whatever_its_case(self, ctx) -> None:
        make_user(username="li.na")
        with pytest.raises(DomainError, match="该用户名已被使用") as refused:
            services.create_user(actor=None, username="LI.NA", display_name="x", roles=["qa"])
        assert refused.value.field == "username"


class TestAuthenticate:
    def test_success_is_audited_and_stamps_the_last_login(self, ctx) -> None:
        user = make_user()
        sign_in(user.username, DEFAULT_PASSWORD)
        assert user.last_login_at is not None
        assert actions_for(user)[-1] == AuditAction.LOGIN

    def test_a_wrong_password_is_refused_and_audited(self, ctx) -> None:
        user = make_user()
        with pytest.raises(signin.InvalidCredentials):
            sign_in(user.username, "wrong-password")
        assert actions_for(user)[-1] == AuditAction.LOGIN_FAILED

    def test_an_unknown_name_gets_the_same_refusal_and_is_audited_by_name(self, ctx) -> None:
        with pytest.raises(signin.InvalidCredentials):
            sign_in("nobody", "whatever-password")
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == AuditAction.LOGIN_FAILED
        assert entry.details == {"username": "nobody"}

    def test_a_deactivated_account_cannot_sign_in(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        user = make_user()
        services.set_active(actor=admin, user=user, active=False)
        db.session.commit()
        with pytest.raises(signin.InvalidCredentials):
            sign_in(user.username, DEFAULT_PASSWORD)


class TestThrottling:
    def test_the_sixth_attempt_after_five_failures_is_throttled_even_with_the_right_password(
        self, ctx
    ) -> None:
        user = make_user()
        for _ in range(5):
            with pytest.raises(signin.InvalidCredentials):
                sign_in(user.username, "wrong-password")
        with pytest.raises(signin.LoginThrottled):
            sign_in(user.username, DEFAULT_PASSWORD)
        assert actions_for(user).count(AuditAction.LOGIN_FAILED) == 5

    def test_the_throttle_lifts_when_the_wait_has_passed(self, ctx) -> None:
        user = make_user()
        with time_machine.travel(utcnow(), tick=False) as clock:
            for _ in range(5):
                with pytest.raises(signin.InvalidCredentials):
                    sign_in(user.username, "wrong-password")
            clock.shift(timedelta(seconds=20))
            with pytest.raises(signin.LoginThrottled) as refused:
                sign_in(user.username, DEFAULT_PASSWORD)
            assert refused.value.throttle.retry_after_seconds(utcnow()) == 11
            clock.shift(timedelta(seconds=11))
            assert sign_in(user.username, DEFAULT_PASSWORD).id == user.id

    def test_a_success_resets_the_account_count(self, ctx) -> None:
        user = make_user()
        for _ in range(4):
            with pytest.raises(signin.InvalidCredentials):
                sign_in(user.username, "wrong-password")
        sign_in(user.username, DEFAULT_PASSWORD)
        for _ in range(4):
            with pytest.raises(signin.InvalidCredentials):
                sign_in(user.username, "wrong-password")
        assert sign_in(user.username, DEFAULT_PASSWORD).id == user.id

    def test_one_address_failing_on_many_accounts_is_throttled(self, ctx) -> None:
        victim = make_user()
        for number in range(20):
            with pytest.raises(signin.InvalidCredentials):
                sign_in(f"guess{number}", "wrong-password", address="203.0.113.9")
        with pytest.raises(signin.LoginThrottled):
            sign_in(victim.username, DEFAULT_PASSWORD, address="203.0.113.9")
        # The same account from another address is unaffected.
        assert sign_in(victim.username, DEFAULT_PASSWORD, address="198.51.100.1").id == victim.id


class TestUserChanges:
    def test_each_changed_field_is_audited_with_old_and_new_values(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        user = make_user(display_name="张三", roles=["agent"])
        token = user.session_token
        changes = services.update_user(
            actor=admin,
            user=user,
            display_name="张三丰",
            email="zs@example.cn",
            roles=["agent", "supervisor"],
        )
        db.session.commit()
        assert changes == {
            "display_name": ["张三", "张三丰"],
            "email": [None, "zs@example.cn"],
            "roles": [["agent"], ["agent", "supervisor"]],
        }
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.USER_UPDATED)
        ).one()
        assert (entry.actor_id, entry.object_id, entry.details) == (admin.id, str(user.id), changes)
        assert user.session_token != token  # a role change ends the old sessions

    def test_saving_without_changes_writes_nothing(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        user = make_user(display_name="李四", roles=["agent"])
        before = actions_for(user)
        assert (
            services.update_user(
                actor=admin, user=user, display_name="李四", email=None, roles=["agent"]
            )
            == {}
        )
        assert actions_for(user) == before

    def test_an_admin_cannot_lock_themselves_out(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        with pytest.raises(PermissionDenied):
            services.update_user(
                actor=admin, user=admin, display_name="x", email=None, roles=["agent"]
            )
        with pytest.raises(PermissionDenied):
            services.set_active(actor=admin, user=admin, active=False)

    def test_deactivation_ends_sessions_and_reactivation_is_audited(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        user = make_user()
        token = user.session_token
        services.set_active(actor=admin, user=user, active=False)
        assert not user.active
        assert user.session_token != token
        services.set_active(actor=admin, user=user, active=True)
        assert actions_for(user)[-2:] == [
            AuditAction.USER_DEACTIVATED,
            AuditAction.USER_REACTIVATED,
        ]


class TestPasswords:
    def test_a_reset_password_replaces_the_old_one_and_ends_sessions(self, ctx) -> None:
        admin = make_user(roles=["admin"])
        user = make_user()
        token = user.session_token
        new_password = services.reset_password(actor=admin, user=user)
        db.session.commit()
        assert user.session_token != token
        with pytest.raises(signin.InvalidCredentials):
            sign_in(user.username, DEFAULT_PASSWORD)
        assert sign_in(user.username, new_password).id == user.id

    def test_changing_ones_own_password_needs_the_current_one(self, ctx) -> None:
        user = make_user()
        with pytest.raises(DomainError) as refused:
            services.change_own_password(
                user=user, current_password="wrong", new_password="a-brand-new-secret"
            )
        assert refused.value.field == "current_password"
        services.change_own_password(
            user=user, current_password=DEFAULT_PASSWORD, new_password="a-brand-new-secret"
        )
        db.session.commit()
        assert sign_in(user.username, "a-brand-new-secret").id == user.id
        assert actions_for(user).count(AuditAction.PASSWORD_CHANGED) == 1

    def test_preferences_accept_only_offered_languages_and_real_zones(self, ctx) -> None:
        user = make_user()
        with pytest.raises(DomainError):
            services.set_preferences(user=user, locale="fr", timezone="Asia/Shanghai")
        with pytest.raises(DomainError):
            services.set_preferences(user=user, locale="en", timezone="../../etc/passwd")
        services.set_preferences(user=user, locale="en", timezone="Europe/Berlin")
        assert (user.locale, user.timezone) == ("en", "Europe/Berlin")
