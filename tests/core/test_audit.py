"""Audit: one function, clean details, an admin page, and no secrets in logs."""

import json
import logging

from core.api import audit
from core.audit import clean
from core.models import AuditRecord


def test_details_lose_secrets_and_snils_is_masked():
    cleaned = clean({"password": "hunter2", "access_token": "abc", "snils": "112-233-445 95",
                     "note": "СНИЛС 112-233-445 95 и 11223344595", "nested": {"client_secret": "x"}})
    assert cleaned["password"] == "[removed]" and cleaned["access_token"] == "[removed]"
    assert cleaned["nested"]["client_secret"] == "[removed]"
    assert cleaned["snils"] == "***-***-*** 95"
    assert "445" not in cleaned["note"] and cleaned["note"].count("***-***-*** 95") == 2


def test_record_stores_actor_role_ip_object_and_result(hook_app, make_user, login):
    app = hook_app()
    user = make_user("parent")
    client = app.test_client()
    token = login(client, user)
    from core.auth import load_actor

    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        actor = load_actor(token)
        audit("student.read", "student", 42, actor=actor, details={"password": "x"})
    with app.app_context():
        row = AuditRecord.get(AuditRecord.action == "student.read")
    assert (row.user_id, row.role, row.ip, row.object_type, row.object_id, row.result) == (
        user.id, "parent", "10.1.2.3", "student", "42", "ok")
    assert json.loads(row.details) == {"password": "[removed]"}


def test_audit_page_is_for_the_operator_only_and_denials_are_audited(hook_app, make_user, login):
    app = hook_app()
    parent, operator = make_user("parent"), make_user("operator")
    client = app.test_client()
    login(client, parent)
    assert client.get("/admin/audit").status_code == 403
    client2 = app.test_client()
    login(client2, operator)
    page = client2.get("/admin/audit?result=denied").get_data(as_text=True)
    assert "просмотр журнала доступа" in page and "отказано в доступе" in page


def test_login_writes_no_password_or_token_to_the_log(hook_app, make_user, caplog):
    app = hook_app()
    make_user("parent", "Логи")
    with caplog.at_level(logging.DEBUG):
        client = app.test_client()
        client.post("/hooktester/login", data={"name": "Логи", "password": "hunter2"})
        with client.session_transaction() as sess:
            token = sess["_user_id"]
    assert token not in caplog.text and "hunter2" not in caplog.text
    with app.app_context():
        assert all(token not in r.details for r in AuditRecord.select())


def test_audit_many_writes_one_clean_record_per_entry(hook_app):
    from core.api import audit_many

    app = hook_app()
    entries = [{"action": "student.create", "object_type": "student", "object_id": i,
                "details": {"new": {"snils": "11223344595"}}} for i in range(1200)]
    with app.test_request_context():
        assert audit_many(entries) == 1200
    with app.app_context():
        rows = AuditRecord.select().where(AuditRecord.action == "student.create")
        assert rows.count() == 1200
        assert json.loads(rows.first().details) == {"new": {"snils": "***-***-*** 95"}}


def test_unblocked_user_can_log_in_again(hook_app, make_user):
    from core.api import block_user, unblock_user
    from core.models import User

    app = hook_app()
    user = make_user("parent", "Разблокированный")
    client = app.test_client()
    with app.test_request_context():
        block_user(User.get_by_id(user.id), "test")
    assert client.post("/hooktester/login", data={"name": "Разблокированный"}).status_code == 403
    with app.test_request_context():
        unblock_user(User.get_by_id(user.id))
    assert client.post("/hooktester/login", data={"name": "Разблокированный"}).status_code == 302


def test_last_audited_is_this_users_last_successful_action_on_this_object(make_app, make_user):
    import datetime as dt

    from core.api import database, last_audited

    app = make_app([])
    reader, other = make_user("parent"), make_user("parent")
    moment = dt.datetime(2026, 11, 20, 8, 0)
    with app.app_context():
        assert last_audited(reader.id, "progress.read", "student", 7) is None
        for minutes, user, object_id, result in ((0, reader, 7, "ok"), (5, reader, 7, "ok"), (9, reader, 7, "denied"),
                                                 (7, other, 7, "ok"), (8, reader, 8, "ok")):
            AuditRecord.create(at=moment + dt.timedelta(minutes=minutes), user_id=user.id, action="progress.read",
                               object_type="student", object_id=str(object_id), result=result)
        assert last_audited(reader.id, "progress.read", "student", 7) == moment + dt.timedelta(minutes=5)
        assert last_audited(other.id, "progress.read", "student", 7) == moment + dt.timedelta(minutes=7)
        # one index serves the lookup, however long the log grows
        columns = [tuple(index.columns) for index in database.get_indexes(AuditRecord._meta.table_name)]
        assert ("object_type", "object_id", "user_id", "at") in columns
